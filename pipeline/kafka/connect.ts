// Connecting a client when the cluster is only partly back (a zone restarting, a transaction coordinator still
// loading): keep trying, bounded, each attempt with a fresh client (a librdkafka client that failed to connect
// cannot connect again: "Connect has already been called elsewhere"). A stage that gave up would stay down.
import { errorText } from './client.js';

export async function connectPatiently<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(make: () => T, what: string, boundMs = 180_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (let attempt = 1; ; attempt++) {
    const client = make();
    try {
      // An attempt is not cut short here: a transactional producer abandoned in the middle of its InitProducerId
      // goes on with it, and two clients initialising one transactional id fence each other. With attempts cut at
      // 20 s, a containers zone-partition run never caught up (an output partition held back by a transaction that
      // was not decided; that this was the cause is suspected, not shown). The connects that had hung for minutes
      // were waiting for a libuv thread (see NODE_SERVICE_ENV), not for the broker.
      await client.connect();
      return client;
    } catch (e) {
      void client.disconnect().catch(() => undefined);
      if (Date.now() + 2000 > deadline) throw new Error(`${what}: could not connect to Kafka within ${boundMs / 1000} s (last: ${errorText(e)}); exiting, start it again once the cluster answers`);
      console.error(`${what}: connecting to Kafka failed (attempt ${attempt}: ${errorText(e)}); retrying in 2 s with a new client`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
