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
  /** Records of the processed topic the run did not send (an id it never had accepted, or no key), and events whose own fields differ from what was sent. */
  unexpected: number;
  altered: number;
  /** Windows compared (those the events fill whole, see `skipWindowsBefore`), and those whose aggregate is not the recomputation. */
  windows: number;
  wrongWindows: number;
  /** A few ids or window keys that broke a rule, for the report. */
  examples: string[];
}

/** The aggregate as a recomputation gives it: every field but its lineage, an open percentile (Infinity) as JSON writes it. */
const comparable = (a: WindowAggregate) => {
  const { lastInputOffset: _lineage, ...rest } = a;
  return JSON.stringify(rest, (_k, v: unknown) => (v === Infinity ? null : v));
};

const EVENT_FIELDS = ['id', 'service', 'level', 'message', 'timestamp', 'latencyMs'] as const;

/**
 * `expectedIds`: the ids the producer side was told were accepted. `processed`: every record of the processed topic
 * the run wrote (keyed by id). `aggregates`: every update of the aggregates topic since the run began, oldest first.
 * Windows starting before `skipWindowsBefore` (ms) are not compared: earlier events of another run may share them.
 * `sent`, when given, holds each event as it was sent: a processed event must carry its fields unchanged. `maybe`:
 * ids whose outcome the sender does not know (a request that failed or timed out): found or not, neither is wrong.
 */
export function verifyOutput(expectedIds: Iterable<string>, processed: OutputRecord[], aggregates: OutputRecord[], o: { skipWindowsBefore?: number; sent?: Map<string, string>; maybe?: Set<string> } = {}): Verdict {
  const skipWindowsBefore = o.skipWindowsBefore ?? 0;
  const sent = o.sent;
  const want = new Set(expectedIds);
  const seen = new Map<string, number>();
  const events: { event: ProcessedEvent; inputPartition: number }[] = [];
  const examples: string[] = [];
  let unexpected = 0;
  let altered = 0;
  for (const r of processed) {
    if (!r.key || !want.has(r.key)) {
      if (r.key && o.maybe?.has(r.key)) {
        // an unknown outcome that was written after all: its event counts in the windows
        const event = JSON.parse(r.value) as ProcessedEvent;
        if ((seen.get(r.key) ?? 0) === 0) events.push({ event, inputPartition: event.source.partition });
        seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
        continue;
      }
      unexpected++;
      if (examples.length < 5) examples.push(`unexpected record ${r.key ?? '(no key)'}`);
      continue;
    }
    const n = (seen.get(r.key) ?? 0) + 1;
    seen.set(r.key, n);
    if (n > 1) continue;
    const event = JSON.parse(r.value) as ProcessedEvent;
    const original = sent?.get(r.key);
    if (original !== undefined) {
      const o = JSON.parse(original) as Record<string, unknown>;
      if (EVENT_FIELDS.some((f) => o[f] !== (event as unknown as Record<string, unknown>)[f])) {
        altered++;
        if (examples.length < 5) examples.push(`${r.key} altered: sent ${original}, processed ${r.value}`);
      }
    }
    events.push({ event, inputPartition: event.source.partition });
  }
  let lost = 0;
  for (const id of want)
    if (!seen.has(id)) {
      lost++;
      if (examples.length < 5) examples.push(`lost ${id}`);
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
  const expectedWindows = recompute(events);
  for (const [key, w] of expectedWindows) {
    if (Date.parse(w.windowStart) < skipWindowsBefore) continue;
    windows++;
    const got = latest.get(key);
    if (!got || comparable(got) !== comparable(w)) {
      wrongWindows++;
      if (examples.length < 15) examples.push(`window ${key}: ${got ? comparable(got) : 'missing'}, recomputed ${comparable(w)}`);
    }
  }
  // an aggregate of a compared window that no event of the run explains is wrong too
  const firstCompared = Math.max(skipWindowsBefore, Math.min(...[...expectedWindows.values()].map((w) => Date.parse(w.windowStart))));
  const lastCompared = Math.max(...[...expectedWindows.values()].map((w) => Date.parse(w.windowStart)));
  for (const [key, got] of latest) {
    const at = Date.parse(got.windowStart);
    if (expectedWindows.has(key) || at < firstCompared || at > lastCompared) continue;
    wrongWindows++;
    if (examples.length < 15) examples.push(`window ${key}: ${comparable(got)}, which no event of the run falls in`);
  }
  return { expected: want.size, lost, duplicated, unexpected, altered, windows, wrongWindows, examples };
}

/** The verdict of a run that was not checked: it holds nothing. */
export const unchecked = (what: string): Verdict => ({ expected: 0, lost: 0, duplicated: 0, unexpected: 0, altered: 0, windows: 0, wrongWindows: 0, examples: [`${what} was not checked`] });

export const verdictHolds = (v: Verdict) => v.lost === 0 && v.duplicated === 0 && v.unexpected === 0 && v.altered === 0 && v.wrongWindows === 0 && v.expected > 0 && v.windows > 0;

export const verdictSummary = (v: Verdict) =>
  `${v.expected.toLocaleString('en')} events: ${v.lost} lost, ${v.duplicated} duplicated, ${v.unexpected} unexpected, ${v.altered} altered; ${v.windows.toLocaleString('en')} windows, ${v.wrongWindows} not equal to the recomputation`;
