// The process stage: logs.raw -> logs.processed (+ logs.dlq for poison
// records), exactly-once through the shared EOS stage loop. An event id seen
// within the de-duplication horizon is dropped: a client that retries an
// unknown outcome with the same ids gets each event once in logs.processed.
import { HEADERS, TOPICS, headerString } from '../contract/index.js';
import { EosStage, type OutMessage, type StageHandler, type StageOptions } from '../eos/index.js';
import { readKeysToEnd, readToEnd, topicOffsets, type Endpoint, type KafkaMessage } from '../kafka/index.js';
import { transform } from './transform.js';

export interface ProcessorOptions extends Omit<StageOptions, 'name'> {
  outputTopic: string;
  dlqTopic: string;
  /** How long an event id is remembered for de-duplication (default 10 minutes; 0 turns it off). */
  dedupHorizonMs?: number;
  /** Called with the number of input records dropped as repeats of an id already processed. */
  onDuplicates?: (n: number) => void;
}

export const DEFAULT_DEDUP_HORIZON_MS = 10 * 60_000;

export const defaultProcessorOptions = (brokers: string[], zone: string): ProcessorOptions => ({
  brokers,
  zone,
  groupId: 'faultline-process',
  inputTopic: TOPICS.raw,
  outputTopic: TOPICS.processed,
  dlqTopic: TOPICS.dlq,
  exactlyOnce: true,
});

export class Processor {
  private readonly stage: EosStage;

  constructor(readonly opts: ProcessorOptions) {
    this.stage = new EosStage({ ...opts, name: 'process' }, this.handler());
  }

  /**
   * Per input partition: event id -> when it was first processed (ms), oldest first. Its changelog is the output
   * itself: logs.processed is co-partitioned with logs.raw, keyed by id and written in the same transaction as the
   * input offsets, so its records of the last horizon are exactly the ids this state must hold after any failover
   * (the way Kafka Streams reuses a source topic as a table's changelog). It costs no extra write per event.
   */
  private readonly seen = new Map<number, Map<string, number>>();

  private handler(): StageHandler {
    const { inputTopic, outputTopic, dlqTopic } = this.opts;
    const horizon = this.opts.dedupHorizonMs ?? DEFAULT_DEDUP_HORIZON_MS;
    const endpoint = { brokers: this.opts.brokers, clientId: `process-${this.opts.zone}-restore` };
    return {
      // The output's records of the horizon rebuild the ids seen; and every record names its source offset, so the
      // same read says how far input partition p is already processed. Stable offset fetch (KIP-447) makes the
      // committed offset the truth after any failover; that floor still holds when the group's offsets were set
      // back from outside (an operator's reset), where reprocessing would otherwise duplicate the output.
      restore: async (partition: number) => {
        const t0 = Date.now();
        const r = await restoreFromOutput(endpoint, outputTopic, partition, horizon);
        this.seen.set(partition, r.seen);
        console.log(`process: restored input partition ${partition}: ${r.seen.size} ids of the last ${horizon / 1000} s from ${r.records} output records in ${Date.now() - t0} ms; lineage ${r.lineage ?? 'none'}`);
        return r.lineage;
      },
      handle: (partition: number, messages: KafkaMessage[]) => {
        const now = Date.now();
        const processedAt = new Date(now).toISOString();
        const seen = this.seen.get(partition) ?? new Map<string, number>();
        this.seen.set(partition, seen);
        expire(seen, now - horizon);
        const out: OutMessage[] = [];
        const dlq: OutMessage[] = [];
        let repeats = 0;
        for (const m of messages) {
          const headers: Record<string, string> = {};
          for (const name of [HEADERS.eventId, HEADERS.traceparent, HEADERS.tracestate, HEADERS.ingestedAt]) {
            const v = headerString(m.headers, name);
            if (v) headers[name] = v;
          }
          const r = transform(m.value, { partition, offset: m.offset }, headers[HEADERS.ingestedAt], processedAt);
          if (r.ok && horizon > 0) {
            if (seen.has(r.event.id)) {
              repeats++;
              continue;
            }
            seen.set(r.event.id, now);
          }
          // co-partitioned: input partition p -> output partition p, so a batch's transaction writes one partition
          // (keyed by id, a 6-partition batch took six sequential sends and AddPartitionsToTxn round trips)
          if (r.ok) out.push({ key: r.event.id, value: JSON.stringify(r.event), headers, partition });
          else
            dlq.push({
              key: m.key?.toString() ?? null,
              value: m.value?.toString('utf8') ?? '',
              headers: { ...headers, [HEADERS.dlqReason]: r.reason, [HEADERS.dlqSource]: `${inputTopic}/${partition}/${m.offset}` },
            });
        }
        if (repeats) this.opts.onDuplicates?.(repeats);
        return [
          { topic: outputTopic, messages: out },
          { topic: dlqTopic, messages: dlq },
        ];
      },
      // revoked, or its transaction aborted: the ids it added are not committed; restored before its next batch
      forget: (partition: number) => void this.seen.delete(partition),
    };
  }

  start = () => this.stage.start();

  stop = () => this.stage.stop();
}

/** Drops the ids first seen before `before` (the map is in insertion order, so oldest first). */
export function expire(seen: Map<string, number>, before: number): void {
  for (const [id, at] of seen) {
    if (at >= before) return;
    seen.delete(id);
  }
}

/** How many records at the end of an output partition the lineage read looks at at least (a few transactions' worth). */
const LINEAGE_TAIL = 3000n;

/**
 * From the output partition co-partitioned with `partition` (read_committed): the ids of input partition p
 * processed within the horizon, and the input offset after the last one whose result is committed there (undefined
 * when the read holds none: only DLQ'd records, or an empty topic).
 */
export async function restoreFromOutput(e: Endpoint, outputTopic: string, partition: number, horizonMs: number): Promise<{ seen: Map<string, number>; lineage?: bigint; records: number }> {
  const offsets = await topicOffsets(e, outputTopic);
  const out = partition % offsets.length;
  const o = offsets.find((x) => x.partition === out);
  const seen = new Map<string, number>();
  if (!o || BigInt(o.high) <= BigInt(o.low)) return { seen, records: 0 };
  // the lineage is in the last transactions: the tail's values name their source offsets
  const tail = BigInt(o.high) - LINEAGE_TAIL > BigInt(o.low) ? BigInt(o.high) - LINEAGE_TAIL : BigInt(o.low);
  let max: bigint | undefined;
  for (const r of await readToEnd(e, outputTopic, { partitions: [out], from: new Map([[out, tail.toString()]]), timeoutMs: 60_000 })) {
    const src = parse(r.value)?.source;
    if (src && src.partition === partition && (max === undefined || BigInt(src.offset) > max)) max = BigInt(src.offset);
  }
  // the ids of the horizon from keys and timestamps alone (the record's create time is when the stage produced it):
  // parsing every value of ten minutes of output took 41 s a partition at ~7,000 events/s, the consumer unpolled all
  // along, and the group's rebalances moved partitions to instances that restored them again. An id of another input
  // partition (an output with fewer partitions than the input) can be here too: it never comes from this one.
  const keys = horizonMs > 0 ? await readKeysToEnd(e, outputTopic, { partitions: [out], fromTime: Date.now() - horizonMs, timeoutMs: 120_000 }) : [];
  for (const r of keys) if (r.key && !seen.has(r.key)) seen.set(r.key, r.timestamp || Date.now());
  return { seen, lineage: max === undefined ? undefined : max + 1n, records: keys.length };
}

function parse(value: string): { source?: { partition: number; offset: string } } | undefined {
  try {
    return JSON.parse(value) as { source?: { partition: number; offset: string } };
  } catch {
    // not a processed event: nothing to learn from it
    return undefined;
  }
}
