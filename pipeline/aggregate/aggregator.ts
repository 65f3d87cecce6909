// The aggregate stage: logs.processed -> logs.aggregates, exactly-once. The
// output topic is also the state's changelog (a KTable, as in Kafka Streams):
// every transaction writes the new value of each window it touched, keyed by
// window|service|level|input partition; the latest value per key is the
// aggregate. On (re)assignment a partition's open windows are rebuilt from the
// committed output, so after any crash output == recomputation from the input.
import type { Kafka, KafkaMessage } from 'kafkajs';
import { HEADERS, ProcessedEvent, TOPICS, headerString } from '../contract/index.js';
import { EosStage, readToEnd, topicOffsets, type StageHandler, type StageOptions } from '../eos/index.js';
import { addEvent, aggregateKey, emptyAggregate, windowStartOf, type WindowAggregate } from '../contract/index.js';

export interface AggregatorOptions extends Omit<StageOptions, 'name'> {
  outputTopic: string;
  /** Partitions of the output topic (state of input partition p goes to p mod this). */
  outputPartitions: number;
}

export const defaultAggregatorOptions = (brokers: string[], zone: string): AggregatorOptions => ({
  brokers,
  zone,
  groupId: 'faultline-aggregate',
  inputTopic: TOPICS.processed,
  outputTopic: TOPICS.aggregates,
  outputPartitions: 3,
  exactlyOnce: true,
});

export class Aggregator {
  private readonly stage: EosStage;
  /**
   * Per input partition: key -> aggregate, as committed plus the batch in flight.
   * Every window stays in memory: a late event must update its window's true
   * total (no grace period), so the output always equals a recomputation.
   * About 300 bytes per window/service/level/partition: ~8 MB per hour of
   * 10 s windows over 3 services, 4 levels and 6 partitions.
   */
  private readonly state = new Map<number, Map<string, WindowAggregate>>();

  constructor(readonly opts: AggregatorOptions) {
    this.stage = new EosStage({ ...opts, name: 'aggregate' }, this.handler());
  }

  private handler(): StageHandler {
    const o = this.opts;
    return {
      restore: async (partition: number, kafka: Kafka) => {
        const t0 = Date.now();
        const mine = new Map<string, WindowAggregate>();
        // this partition's state lives in one changelog partition: read only that one
        const records = await readToEnd(kafka, o.outputTopic, { groupPrefix: `${o.groupId}-restore`, partitions: [partition % o.outputPartitions] });
        // the lineage: the highest input offset a committed window update of this partition applied. Not the last
        // record's: a transaction writes one update per window it touched, each with the last offset that touched it,
        // so its last record may carry a lower offset than the batch reached (a floor that low replayed one event)
        let applied: bigint | undefined;
        for (const r of records) {
          if (r.partition !== partition % o.outputPartitions) continue;
          const a = JSON.parse(r.value) as WindowAggregate;
          if (a.inputPartition !== partition) continue;
          mine.set(aggregateKey(a), a);
          if (a.lastInputOffset !== undefined && (applied === undefined || BigInt(a.lastInputOffset) > applied)) applied = BigInt(a.lastInputOffset);
        }
        this.state.set(partition, mine);
        // one line per restore: when an aggregate is ever wrong, this says what state it restarted from
        console.log(`aggregate: restored input partition ${partition}: ${mine.size} windows from ${records.length} changelog records in ${Date.now() - t0} ms; last input offset applied ${applied ?? 'none'}`);
        if (applied === undefined) return undefined;
        // The state holds the input up to `applied`: the stage must not resume below it, whatever the committed
        // offset says. Under broker-down the changelog of a batch was committed while its offsets were not (the group
        // coordinator had moved): restored through input offset 29926, committed offset 29894; resuming there counted
        // 29894-29926 twice (12 windows over by 1-5). A lineage past the input's end comes from an earlier incarnation
        // of the input topic (recreated: offsets restart), and is ignored: taken as a floor it skipped a partition whole.
        const end = await inputEnd(kafka, o.inputTopic, partition);
        if (applied + 1n > end) {
          console.error(`aggregate: input partition ${partition}: the changelog says input offset ${applied} was applied, past the input's end ${end}: an earlier incarnation of ${o.inputTopic}; not used as a floor`);
          return undefined;
        }
        return applied + 1n;
      },
      handle: (partition: number, messages: KafkaMessage[]) => {
        const mine = this.state.get(partition) ?? new Map<string, WindowAggregate>();
        this.state.set(partition, mine);
        const touched = new Set<string>();
        // a window update carries on the trace of one sampled event in it (the stage span that holds it)
        const traced = new Map<string, string>();
        for (const m of messages) {
          const parsed = ProcessedEvent.safeParse(parseJson(m.value?.toString()));
          // logs.processed holds only what the process stage validated; anything else is skipped, not guessed at
          if (!parsed.success) continue;
          const e = parsed.data;
          const start = windowStartOf(e.timestamp);
          const key = aggregateKey({ windowStart: new Date(start).toISOString(), service: e.service, level: e.level, inputPartition: partition });
          let a = mine.get(key);
          if (!a) mine.set(key, (a = emptyAggregate(start, e.service, e.level, partition)));
          addEvent(a, e);
          a.lastInputOffset = m.offset;
          touched.add(key);
          const tp = headerString(m.headers, HEADERS.traceparent);
          if (tp) traced.set(key, tp);
        }
        return [
          {
            topic: o.outputTopic,
            messages: [...touched].map((key) => ({
              key,
              value: JSON.stringify(mine.get(key)),
              partition: partition % o.outputPartitions,
              ...(traced.has(key) ? { headers: { [HEADERS.traceparent]: traced.get(key)! } } : {}),
            })),
          },
        ];
      },
      // the batch's updates never committed: forget the partition, it is restored on re-fence
      aborted: (partition: number) => void this.state.delete(partition),
    };
  }

  start = () => this.stage.start();
  stop = () => this.stage.stop();
}

/** The end (high watermark) of one input partition. */
async function inputEnd(kafka: Kafka, topic: string, partition: number): Promise<bigint> {
  const o = (await topicOffsets(kafka, topic)).find((x) => x.partition === partition);
  return o ? BigInt(o.high) : 0n;
}

function parseJson(s: string | undefined): unknown {
  try {
    return s === undefined ? undefined : JSON.parse(s);
  } catch {
    return undefined;
  }
}
