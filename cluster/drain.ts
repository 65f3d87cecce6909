// Drains topics as a checker must: read_committed, from given offsets (the run's start) to the high watermark taken
// when the drain starts, with librdkafka (pipeline/kafka's reader: it reads past what a compacted changelog leaves
// where an aborted transaction was), and the end offsets to start a later drain from.
import { readToEnd, topicOffsets, type Endpoint, type ReadRecord } from '../pipeline/kafka/index.js';
import { bootstrapServers, type Topology } from './topology.js';
import { waitFor } from './wait.js';

export type DrainedRecord = ReadRecord;

/** Where a reader of this topology connects, named for the broker logs. */
export const endpoint = (t: Topology, clientId = 'faultline-reader'): Endpoint => ({ brokers: bootstrapServers(t), clientId });

/** High watermark per partition now: pass it as `from` to a later drain to read only what came after. */
export async function endOffsets(e: Endpoint, topic: string): Promise<Map<number, string>> {
  // a topic just created, or a leader just moved: metadata may lag for a few seconds
  let result: Map<number, string> | undefined;
  await waitFor(
    `the end offsets of ${topic}`,
    async () => {
      result = new Map((await topicOffsets(e, topic)).map((p) => [p.partition, p.high]));
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  return result!;
}

/** The checkers' drain: the pipeline's own reader, with a longer bound. */
export const drain = (e: Endpoint, topic: string, opts: { from?: Map<number, string>; timeoutMs?: number } = {}): Promise<DrainedRecord[]> =>
  readToEnd(e, topic, { from: opts.from, timeoutMs: opts.timeoutMs ?? 180_000 });
