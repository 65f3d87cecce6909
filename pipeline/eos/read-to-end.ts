// Reads a topic once, read_committed, from given offsets (default: the start)
// up to its high watermark as of the call: used to restore stage state, and by
// the checkers (through cluster's drain) so "not yet read" is never "lost".
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: string;
  key?: string;
  value: string;
  headers: Record<string, string>;
}

export interface ReadOptions {
  /** Per partition, the first offset to read (e.g. a run's start); earlier or missing: the log start. */
  from?: Map<number, string>;
  /** Only these partitions (default: all); the others are skipped from their end. */
  partitions?: number[];
  timeoutMs?: number;
  groupPrefix?: string;
  maxBytesPerPartition?: number;
}

/** One topic's log start and high watermark per partition, asked by a short-lived admin client. */
export async function topicOffsets(kafka: Kafka, topic: string): Promise<{ partition: number; high: string; low: string }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
}

export async function readToEnd(kafka: Kafka, topic: string, opts: ReadOptions = {}): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${opts.groupPrefix ?? 'faultline-reader'}-${randomUUID()}`;
  // the end is fixed now: every offset below the high watermark must be passed (data, aborted data or a
  // transaction marker) before a partition counts as read. kafkajs reports lag 0 for a fetch that came back
  // empty, e.g. while a transaction's markers are still being written, so its lag is not used.
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const start = (p: { partition: number; low: string }) => {
      const f = opts.from?.get(p.partition);
      return f !== undefined && BigInt(f) > BigInt(p.low) ? f : p.low;
    };
    const wanted = (p: { partition: number }) => !opts.partitions || opts.partitions.includes(p.partition);
    ends = new Map(offsets.filter((p) => wanted(p) && BigInt(p.high) > BigInt(start(p))).map((p) => [p.partition, BigInt(p.high) - 1n]));
    // a fresh group starts where we say: its committed offsets are the first ones to read (the end, for a partition not wanted)
    if (ends.size) await admin.setOffsets({ groupId, topic, partitions: offsets.map((p) => ({ partition: p.partition, offset: wanted(p) ? start(p) : p.high })) });
  } finally {
    await admin.disconnect();
  }
  const records: ReadRecord[] = [];
  if (!ends.size) return records;
  // a reader that stops at a known end must not long-poll: with kafkajs's 5 s fetch wait a restore of a few
  // thousand records took 10 s, with 100 ms it takes 5 (measured on logs.aggregates, 7696 records)
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxBytesPerPartition: opts.maxBytesPerPartition, maxWaitTimeInMs: 100 });
  const reached = new Map<number, bigint>();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const behind = () => [...ends].filter(([p, end]) => (reached.get(p) ?? -1n) < end);
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    // firstOffset is null when the fetch returned no offset at or past the position: nothing was passed
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
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          const where = behind().map(([p, end]) => `${p} at ${reached.get(p) ?? 'start'} of ${end}`);
          reject(
            new Error(
              `reading ${topic} to its end took over ${timeoutMs / 1000} s; partitions behind: ${where.join(', ')}. ` +
                `An open transaction holds read_committed readers back until it commits or times out; ${records.length} records were read.`,
            ),
          );
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    // the one-off group goes too: every restore, lineage read and drain made one, and they piled up by the
    // thousand (1592 after a day of tests), slowing every group listing
    const a = kafka.admin();
    await a.connect().then(() => a.deleteGroups([groupId])).catch(() => undefined);
    await a.disconnect().catch(() => undefined);
  }
  return records;
}
