// The aggregate stage: logs.processed -> logs.aggregates, exactly-once. The
// output topic is also the state's changelog (a KTable, as in Kafka Streams):
// every transaction writes the new value of each window it touched, keyed by
// window|service|level|input partition; the latest value per key is the
// aggregate. On (re)assignment a partition's open windows are rebuilt from the
// committed output, so after any crash output == recomputation from the input.
import { HEADERS, ProcessedEvent, TOPICS, headerString } from '../contract/index.js';
import { EosStage, type StageHandler, type StageOptions } from '../eos/index.js';
import { readToEnd, type KafkaMessage } from '../kafka/index.js';
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
      // the changelog commits in the same transaction as the input offsets: read to its end (read_committed), it
      // holds exactly the updates of the input the committed offset says was consumed
      restore: async (partition: number) => {
        const t0 = Date.now();
        const mine = new Map<string, WindowAggregate>();
        // this partition's state lives in one changelog partition: read only that one
        const records = await readToEnd({ brokers: o.brokers, clientId: `aggregate-${o.zone}-restore` }, o.outputTopic, { partitions: [partition % o.outputPartitions] });
        for (const r of records) {
          const a = JSON.parse(r.value) as WindowAggregate;
          if (a.inputPartition === partition) mine.set(aggregateKey(a), a);
        }
        this.state.set(partition, mine);
        // one line per restore: when an aggregate is ever wrong, this says what state it restarted from
        console.log(`aggregate: restored input partition ${partition}: ${mine.size} windows from ${records.length} changelog records in ${Date.now() - t0} ms`);
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
      // revoked, or the batch's updates never committed: forget the partition, it is restored before its next batch
      forget: (partition: number) => void this.state.delete(partition),
    };
  }

  start = () => this.stage.start();
  stop = () => this.stage.stop();
}

function parseJson(s: string | undefined): unknown {
  try {
    return s === undefined ? undefined : JSON.parse(s);
  } catch {
    return undefined;
  }
}
