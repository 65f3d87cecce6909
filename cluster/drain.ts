// Drains topics as a checker must: read_committed, from given offsets (the
// run's start) to the high watermark taken when the drain starts, passing
// every offset (data, aborted data, transaction markers) so that "not yet
// read" is never mistaken for "lost".
import { randomUUID } from 'node:crypto';
import type { KafkaClient } from './kafkajs.js';
import { waitFor } from './wait.js';

export interface DrainedRecord {
  topic: string;
  partition: number;
  offset: string;
  key?: string;
  value: string;
  headers: Record<string, string>;
}

/** High watermark per partition now: pass it as `from` to a later drain to read only what came after. */
export async function endOffsets(kafka: KafkaClient, topic: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // a topic just created, or a leader just moved: metadata may lag for a few seconds
    let result: Map<number, string> | undefined;
    await waitFor(
      `the end offsets of ${topic}`,
      async () => {
        result = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    return result!;
  } finally {
    await admin.disconnect();
  }
}

export async function drain(kafka: KafkaClient, topic: string, opts: { from?: Map<number, string>; timeoutMs?: number } = {}): Promise<DrainedRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `faultline-drain-${randomUUID()}`;
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const start = (p: { partition: number; low: string }) => {
      const f = opts.from?.get(p.partition);
      return f !== undefined && BigInt(f) > BigInt(p.low) ? f : p.low;
    };
    ends = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(start(p))).map((p) => [p.partition, BigInt(p.high) - 1n]));
    // a fresh group starts where we say: its committed offsets are the run's start
    if (ends.size) await admin.setOffsets({ groupId, topic, partitions: offsets.map((p) => ({ partition: p.partition, offset: start(p) })) });
  } finally {
    await admin.disconnect();
  }
  const records: DrainedRecord[] = [];
  if (!ends.size) return records;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxBytesPerPartition: 4 * 1024 * 1024 });
  const reached = new Map<number, bigint>();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const behind = () => [...ends].filter(([p, end]) => (reached.get(p) ?? -1n) < end);
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    // kafkajs reports lag 0 for an empty fetch (e.g. markers still being written): only offsets passed count
    if (payload.firstOffset === null || payload.firstOffset === undefined) return;
    const last = BigInt(payload.lastOffset);
    if (last > (reached.get(payload.partition) ?? -1n)) reached.set(payload.partition, last);
    if (!behind().length) done();
  });
  await consumer.connect();
  await consumer.subscribe({ topic });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const end = ends.get(batch.partition) ?? -1n;
      for (const m of batch.messages) {
        if (BigInt(m.offset) > end) continue;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
        records.push({ topic, partition: batch.partition, offset: m.offset, key: m.key?.toString(), value: m.value?.toString() ?? '', headers });
      }
    },
  });
  const timeoutMs = opts.timeoutMs ?? 180_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `draining ${topic} took over ${timeoutMs / 1000} s; partitions behind: ${behind()
                  .map(([p, end]) => `${p} at ${reached.get(p) ?? 'start'} of ${end}`)
                  .join(', ')}. An open transaction holds read_committed readers back until it commits or times out; ${records.length} records were read.`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return records;
}
