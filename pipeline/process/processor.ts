// The process stage: logs.raw -> logs.processed (+ logs.dlq for poison
// records), exactly-once through the shared EOS stage loop.
import { HEADERS, TOPICS, headerString } from '../contract/index.js';
import { EosStage, type OutMessage, type StageHandler, type StageOptions } from '../eos/index.js';
import { readToEnd, topicOffsets, type Endpoint, type KafkaMessage } from '../kafka/index.js';
import { transform } from './transform.js';

export interface ProcessorOptions extends Omit<StageOptions, 'name'> {
  outputTopic: string;
  dlqTopic: string;
}

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

  private handler(): StageHandler {
    const { inputTopic, outputTopic, dlqTopic } = this.opts;
    const endpoint = { brokers: this.opts.brokers, clientId: `process-${this.opts.zone}-lineage` };
    return {
      // the output is co-partitioned and every record names its source offset: the tail of output partition p says
      // how far input partition p is already processed. Stable offset fetch (KIP-447) makes the committed offset
      // the truth after any failover; this floor still holds when the group's offsets were set back from outside
      // (an operator's reset), where reprocessing would duplicate the output
      restore: (partition: number) => lineageOf(endpoint, outputTopic, partition),
      handle(partition: number, messages: KafkaMessage[]) {
        const processedAt = new Date().toISOString();
        const out: OutMessage[] = [];
        const dlq: OutMessage[] = [];
        for (const m of messages) {
          const headers: Record<string, string> = {};
          for (const name of [HEADERS.eventId, HEADERS.traceparent, HEADERS.tracestate, HEADERS.ingestedAt]) {
            const v = headerString(m.headers, name);
            if (v) headers[name] = v;
          }
          const r = transform(m.value, { partition, offset: m.offset }, headers[HEADERS.ingestedAt], processedAt);
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
        return [
          { topic: outputTopic, messages: out },
          { topic: dlqTopic, messages: dlq },
        ];
      },
    };
  }

  start = () => this.stage.start();

  stop = () => this.stage.stop();
}

/** How many records at the end of an output partition the lineage read looks at (a few transactions' worth). */
const LINEAGE_TAIL = 3000n;

/**
 * The input offset after the last one whose result is committed in the output partition co-partitioned with
 * `partition` (read_committed), or undefined when its tail holds none (only DLQ'd records, or an empty topic).
 */
export async function lineageOf(e: Endpoint, outputTopic: string, partition: number): Promise<bigint | undefined> {
  const offsets = await topicOffsets(e, outputTopic);
  const out = partition % offsets.length;
  const o = offsets.find((x) => x.partition === out);
  if (!o || BigInt(o.high) <= BigInt(o.low)) return undefined;
  const from = BigInt(o.high) - LINEAGE_TAIL > BigInt(o.low) ? BigInt(o.high) - LINEAGE_TAIL : BigInt(o.low);
  const records = await readToEnd(e, outputTopic, { partitions: [out], from: new Map([[out, from.toString()]]), timeoutMs: 60_000 });
  let max: bigint | undefined;
  for (const r of records) {
    try {
      const src = (JSON.parse(r.value) as { source?: { partition: number; offset: string } }).source;
      if (src && src.partition === partition && (max === undefined || BigInt(src.offset) > max)) max = BigInt(src.offset);
    } catch {
      // not a processed event: nothing to learn from it
    }
  }
  return max === undefined ? undefined : max + 1n;
}
