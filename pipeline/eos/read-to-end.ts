// Reads a whole topic once, read_committed, up to its end as of the start:
// used to restore stage state and by the checkers to drain a topic.
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

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
  // an empty partition delivers no batch, so it never reports its lag: it is read already
  const partitions = (await admin.fetchTopicOffsets(topic)).filter((p) => p.high !== p.low).map((p) => p.partition);
  await admin.disconnect();
  const records: ReadRecord[] = [];
  if (!partitions.length) return records;
  const consumer = kafka.consumer({ groupId: `${opts.groupPrefix ?? 'faultline-reader'}-${randomUUID()}`, readUncommitted: false });
  const lag = new Map<number, bigint>();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    lag.set(payload.partition, BigInt(payload.offsetLag));
    if (partitions.every((p) => lag.get(p) === 0n)) done();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
      records.push({ partition, offset: message.offset, key: message.key?.toString(), value: message.value?.toString() ?? '', headers });
    },
  });
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} to its end took over ${timeoutMs / 1000} s (lag: ${JSON.stringify(Object.fromEntries([...lag].map(([p, l]) => [p, String(l)])))})`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return records;
}
