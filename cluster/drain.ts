// Drains topics as a checker must: read_committed, from given offsets (the
// run's start) to the high watermark taken when the drain starts (the
// pipeline's reader, see pipeline/eos/read-to-end.ts), and the end offsets to
// start a later drain from.
import type { KafkaClient } from './kafkajs.js';
import { waitFor } from './wait.js';
import { readToEnd, type ReadRecord } from '../pipeline/eos/read-to-end.js';

export type DrainedRecord = ReadRecord;

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

/** The checkers' drain: the pipeline's own reader, with a longer bound and larger fetches. */
export const drain = (kafka: KafkaClient, topic: string, opts: { from?: Map<number, string>; timeoutMs?: number } = {}): Promise<DrainedRecord[]> =>
  readToEnd(kafka, topic, { from: opts.from, timeoutMs: opts.timeoutMs ?? 180_000, groupPrefix: 'faultline-drain', maxBytesPerPartition: 4 * 1024 * 1024 });
