// Connecting a client when the cluster is only partly back (a zone restarting, a transaction coordinator still
// loading): keep trying, bounded, each attempt with a fresh client (a librdkafka client that failed to connect
// cannot connect again: "Connect has already been called elsewhere"). A stage that gave up would stay down.
import { errorText } from './client.js';

export async function connectPatiently<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(make: () => T, what: string, boundMs = 180_000, attemptMs = 30_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (let attempt = 1; ; attempt++) {
    const client = make();
    let timer: NodeJS.Timeout | undefined;
    try {
      // each attempt is bounded too: a transactional producer's connect (InitProducerId) right after a broker kill
      // once never answered, and the stage waited on it for over 4 minutes while its group gave its partitions away
      await Promise.race([client.connect(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${attemptMs / 1000} s`)), attemptMs)))]);
      return client;
    } catch (e) {
      void client.disconnect().catch(() => undefined);
      if (Date.now() + 2000 > deadline) throw new Error(`${what}: could not connect to Kafka within ${boundMs / 1000} s (last: ${errorText(e)}); exiting, start it again once the cluster answers`);
      console.error(`${what}: connecting to Kafka failed (attempt ${attempt}: ${errorText(e)}); retrying in 2 s with a new client`);
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      clearTimeout(timer);
    }
  }
}
