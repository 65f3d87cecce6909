// Reads a topic to its end as a checker would: read_committed, every record
// counted, "the end" judged by the consumer's own lag reaching 0 on every partition.
import { randomUUID } from 'node:crypto';
import { kafka, waitFor, type Topology } from '../cluster/index.js';

export interface ReadRecord {
  partition: number;
  offset: string;
  key?: string;
  value: string;
  headers: Record<string, string>;
}

export async function readTopicToEnd(t: Topology, topic: string, opts: { until?: (records: ReadRecord[]) => boolean; timeoutMs?: number } = {}): Promise<ReadRecord[]> {
  const admin = kafka(t).admin();
  await admin.connect();
  // an empty partition delivers no batch, so it never reports its lag: it is read already
  const partitions = (await admin.fetchTopicOffsets(topic)).filter((p) => p.high !== p.low).map((p) => p.partition);
  await admin.disconnect();
  const consumer = kafka(t, 'faultline-reader').consumer({ groupId: `faultline-reader-${randomUUID()}`, readUncommitted: false });
  const records: ReadRecord[] = [];
  const lag = new Map<number, bigint>();
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => lag.set(payload.partition, BigInt(payload.offsetLag)));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
      records.push({ partition, offset: message.offset, key: message.key?.toString(), value: message.value?.toString() ?? '', headers });
    },
  });
  try {
    await waitFor(
      `${topic} read to its end`,
      () => (opts.until ? opts.until(records) : true) && partitions.every((p) => lag.get(p) === 0n || lag.get(p) === -1n),
      { timeoutMs: opts.timeoutMs ?? 120_000, intervalMs: 250 },
    );
  } finally {
    await consumer.disconnect();
  }
  return records;
}
