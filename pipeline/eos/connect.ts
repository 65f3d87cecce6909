// Connecting a kafkajs client when the cluster is only partly back: kafkajs
// gives up after its retries (e.g. LEADER_NOT_AVAILABLE on an unrelated topic
// in the all-topics metadata a fresh producer asks for, while a zone
// restarts), and a stage that exits then stays down. Keep trying, bounded.
export async function connectPatiently(client: { connect(): Promise<void> }, what: string, boundMs = 180_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.connect();
      return;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (Date.now() + 2000 > deadline) throw new Error(`${what}: could not connect to Kafka within ${boundMs / 1000} s (last: ${msg}); exiting, start it again once the cluster answers`);
      console.error(`${what}: connecting to Kafka failed (attempt ${attempt}: ${msg}); retrying in 2 s`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
