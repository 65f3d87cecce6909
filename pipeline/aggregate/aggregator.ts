// The aggregate stage: logs.processed -> logs.aggregates, exactly-once. The
// output topic is also the state's changelog (a KTable, as in Kafka Streams):
// every transaction writes the new value of each window it touched, keyed by
// window|service|level|input partition; the latest value per key is the
// aggregate. On (re)assignment a partition's open windows are rebuilt from the
// committed output, so after any crash output == recomputation from the input.
import { HEADERS, TOPICS, headerString, validProcessedEvent } from '../contract/index.js';
import { EosStage, type StageHandler, type StageOptions } from '../eos/index.js';
import { readToEnd, type KafkaMessage } from '../kafka/index.js';
import { addEvent, aggregateKey, emptyAggregate, setPercentiles, windowStartOf, type WindowAggregate } from '../contract/index.js';

export interface AggregatorOptions extends Omit<StageOptions, 'name'> {
  outputTopic: string;
  /** Partitions of the output topic (state of input partition p goes to p mod this). */
  outputPartitions: number;
  /** Fault injection: the first changelog read of each restore drops its last this many records (a stale end). */
  restoreShortBy?: number;
  /** A negative control: the restore is not checked against the input (what a short restore then does). */
  restoreUnchecked?: boolean;
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
      // holds exactly the updates of the input the committed offset says was consumed. That is checked, not assumed:
      // a read that ends early (at the last stable offset, before the high-watermark fix in read-to-end; at the old
      // end of a broker back from a network cut) would count every later window from a smaller total (`unreflected`).
      restore: async (partition: number, resumeAt: bigint) => {
        for (let attempt = 1; ; attempt++) {
          const t0 = Date.now();
          const { mine, records } = await this.changelog(partition, attempt);
          // the input offset after the last event the restored windows hold (every update records it)
          let reflected = 0n;
          for (const a of mine.values()) if (a.lastInputOffset !== undefined && BigInt(a.lastInputOffset) + 1n > reflected) reflected = BigInt(a.lastInputOffset) + 1n;
          const missed = reflected < resumeAt && !o.restoreUnchecked ? await this.unreflected(partition, reflected, resumeAt) : 0;
          if (missed === 0) {
            this.state.set(partition, mine);
            // one line per restore: when an aggregate is ever wrong, this says what state it restarted from
            console.log(`aggregate: restored input partition ${partition}: ${mine.size} windows from ${records} changelog records in ${Date.now() - t0} ms; they hold the input up to ${reflected}`);
            // beyond the committed offset only when that offset was read stale: the stage then skips to it
            return reflected > resumeAt ? reflected : undefined;
          }
          const why = `the restored windows of input partition ${partition} hold its events up to offset ${reflected}, but the group resumes at ${resumeAt}, and ${missed} events between are in none of them`;
          if (attempt >= 5) throw new Error(`${why}, after ${attempt} reads of the changelog: the state is not rebuilt. Nothing was written from it; the batch is fetched again and the restore tried again before it`);
          console.error(`aggregate: ${why} (the changelog read ended early: a broker answered from an older end); reading it again`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      },
      handle: (partition: number, messages: KafkaMessage[]) => {
        const mine = this.state.get(partition) ?? new Map<string, WindowAggregate>();
        this.state.set(partition, mine);
        const touched = new Set<string>();
        // a window update carries on the trace of one sampled event in it (the stage span that holds it)
        const traced = new Map<string, string>();
        for (const m of messages) {
          const json = parseJson(m.value?.toString());
          // logs.processed holds only what the process stage validated; anything else is skipped, not guessed at
          if (!validProcessedEvent(json)) continue;
          const e = json;
          const start = windowStartOf(e.timestamp);
          const key = aggregateKey({ windowStart: new Date(start).toISOString(), service: e.service, level: e.level, inputPartition: partition });
          let a = mine.get(key);
          if (!a) mine.set(key, (a = emptyAggregate(start, e.service, e.level, partition)));
          addEvent(a, e, false);
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
              value: JSON.stringify(setPercentiles(mine.get(key)!)),
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

  /** This partition's windows from its changelog partition, read_committed to its end. */
  private async changelog(partition: number, attempt: number): Promise<{ mine: Map<string, WindowAggregate>; records: number }> {
    const o = this.opts;
    const mine = new Map<string, WindowAggregate>();
    // this partition's state lives in one changelog partition: read only that one
    let records = await readToEnd({ brokers: o.brokers, clientId: `aggregate-${o.zone}-restore` }, o.outputTopic, { partitions: [partition % o.outputPartitions] });
    // fault injection: the first read stops short, as one answered from a stale end would
    if (attempt === 1 && o.restoreShortBy) records = records.slice(0, Math.max(0, records.length - o.restoreShortBy));
    for (const r of records) {
      const a = JSON.parse(r.value) as WindowAggregate;
      if (a.inputPartition === partition) mine.set(aggregateKey(a), a);
    }
    return { mine, records: records.length };
  }

  /** How many events of the input partition in [from, to) there are (read_committed; the end must exist where it is read). */
  private async unreflected(partition: number, from: bigint, to: bigint): Promise<number> {
    const o = this.opts;
    const e = { brokers: o.brokers, clientId: `aggregate-${o.zone}-restore` };
    const records = await readToEnd(e, o.inputTopic, { partitions: [partition], from: new Map([[partition, from.toString()]]), until: new Map([[partition, to.toString()]]) });
    return records.filter((r) => validProcessedEvent(parseJson(r.value))).length;
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
