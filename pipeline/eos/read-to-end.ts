// Reads a whole topic once, read_committed, up to its end as of the start:
// used to restore stage state and by the checkers to drain a topic.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface ReadRecord {
  partition: number;
  offset: string;
  key?: string;
  value: string;
  headers: Record<string, string>;
}

export async function readToEnd(kafka: Kafka, topic: string, opts: { timeoutMs?: number; groupPrefix?: string } = {}): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  // the end is fixed now: every offset below the high watermark must be passed (data, aborted data or a
  // transaction marker) before a partition counts as read. kafkajs reports lag 0 for a fetch that came back
  // empty, e.g. while a transaction's markers are still being written, so its lag is not used.
  const ends = new Map((await admin.fetchTopicOffsets(topic)).filter((p) => p.high !== p.low).map((p) => [p.partition, BigInt(p.high) - 1n]));
  await admin.disconnect();
  const records: ReadRecord[] = [];
  if (!ends.size) return records;
  const consumer = kafka.consumer({ groupId: `${opts.groupPrefix ?? 'faultline-reader'}-${randomUUID()}`, readUncommitted: false });
  const reached = new Map<number, bigint>();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    // firstOffset is null when the fetch returned no offset at or past the position: nothing was passed
    if (payload.firstOffset === null || payload.firstOffset === undefined) return;
    const last = BigInt(payload.lastOffset);
    if (last > (reached.get(payload.partition) ?? -1n)) reached.set(payload.partition, last);
    if ([...ends].every(([p, end]) => (reached.get(p) ?? -1n) >= end)) done();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        if (BigInt(message.offset) > (ends.get(batch.partition) ?? -1n)) continue;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
        records.push({ partition: batch.partition, offset: message.offset, key: message.key?.toString(), value: message.value?.toString() ?? '', headers });
      }
    },
  });
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        const behind = () => [...ends].filter(([p, end]) => (reached.get(p) ?? -1n) < end).map(([p, end]) => `${p}: at ${reached.get(p) ?? 'start'} of ${end}`);
        timer = setTimeout(() => reject(new Error(`reading ${topic} to its end took over ${timeoutMs / 1000} s; partitions behind: ${behind().join(', ')}. An open transaction holds read_committed readers back until it commits or times out.`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return records;
}
