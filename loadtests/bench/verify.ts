// What every bench run's output must be, whatever its speed: each accepted event once in the processed topic (no
// loss, no duplicate), and the aggregates' latest value per window equal to a recomputation from those events (the
// chaos checkers' rule: `recompute` is theirs). Pure: the bench reads the topics, this decides.
import { recompute, type ProcessedEvent, type WindowAggregate } from '../../pipeline/contract/index.js';

export interface OutputRecord {
  key?: string;
  value: string;
}

export interface Verdict {
  expected: number;
  lost: number;
  duplicated: number;
  /** Windows compared (those the events fill whole, see `skipWindowsBefore`), and those whose aggregate is not the recomputation. */
  windows: number;
  wrongWindows: number;
  /** A few ids or window keys that broke a rule, for the report. */
  examples: string[];
}

const sameAggregate = (a: WindowAggregate, b: WindowAggregate) =>
  a.count === b.count && a.latency.count === b.latency.count && a.latency.sumMs === b.latency.sumMs && a.latency.maxMs === b.latency.maxMs && a.latency.buckets.join() === b.latency.buckets.join();

/**
 * `expectedIds`: the ids the producer side was told were accepted. `processed`: every record of the processed topic
 * the run wrote (keyed by id). `aggregates`: every update of the aggregates topic since the run began, oldest first.
 * Windows starting before `skipWindowsBefore` (ms) are not compared: earlier events of another run may share them.
 */
export function verifyOutput(expectedIds: Iterable<string>, processed: OutputRecord[], aggregates: OutputRecord[], skipWindowsBefore = 0): Verdict {
  const seen = new Map<string, number>();
  const events: { event: ProcessedEvent; inputPartition: number }[] = [];
  for (const r of processed) {
    if (!r.key) continue;
    const n = (seen.get(r.key) ?? 0) + 1;
    seen.set(r.key, n);
    if (n > 1) continue;
    const event = JSON.parse(r.value) as ProcessedEvent;
    events.push({ event, inputPartition: event.source.partition });
  }
  const examples: string[] = [];
  let expected = 0;
  let lost = 0;
  for (const id of expectedIds) {
    expected++;
    if (!seen.has(id)) {
      lost++;
      if (examples.length < 5) examples.push(`lost ${id}`);
    }
  }
  let duplicated = 0;
  for (const [id, n] of seen)
    if (n > 1) {
      duplicated += n - 1;
      if (examples.length < 10) examples.push(`${id} ${n} times`);
    }
  const latest = new Map<string, WindowAggregate>();
  for (const r of aggregates) if (r.key) latest.set(r.key, JSON.parse(r.value) as WindowAggregate);
  let windows = 0;
  let wrongWindows = 0;
  for (const [key, want] of recompute(events)) {
    if (Date.parse(want.windowStart) < skipWindowsBefore) continue;
    windows++;
    const got = latest.get(key);
    if (!got || !sameAggregate(got, want)) {
      wrongWindows++;
      if (examples.length < 15) examples.push(`window ${key}: ${got ? `count ${got.count}` : 'missing'}, recomputed ${want.count}`);
    }
  }
  return { expected, lost, duplicated, windows, wrongWindows, examples };
}

export const verdictHolds = (v: Verdict) => v.lost === 0 && v.duplicated === 0 && v.wrongWindows === 0 && v.expected > 0 && v.windows > 0;

export const verdictSummary = (v: Verdict) =>
  `${v.expected.toLocaleString('en')} events: ${v.lost} lost, ${v.duplicated} duplicated; ${v.windows.toLocaleString('en')} windows, ${v.wrongWindows} not equal to the recomputation`;
