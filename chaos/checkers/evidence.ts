// What every checker shares: the counterexample cap, record identity and
// location, offset order, and the context (faults, trace) of an event id.
import type { CheckResult, Counterexample, FaultWindow, Location, ReadRecord, Validity } from '../core/types.js';
import { activeFaults } from './fault-windows.js';
import type { WriteOutcome } from './write-outcomes.js';

/** A report shows the first few cases; the stats carry the full counts. */
export const MAX_COUNTEREXAMPLES = 50;

/** Which event a read record carries; the default is the record key. */
export type IdOf = (r: ReadRecord) => string | undefined;
export const keyIdOf: IdOf = (r) => r.key;

export const locationOf = (r: Pick<ReadRecord, 'topic' | 'partition' | 'offset'>): Location => ({ topic: r.topic, partition: r.partition, offset: r.offset });

/** Kafka offsets are int64 decimal strings: compared exactly, never as doubles. */
export function compareOffsets(a: string, b: string): number {
  try {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  } catch {
    return Number(a) - Number(b);
  }
}

/** Faults active at the write's invoke time, its trace id and that time: what a person needs to follow one event. */
export function contextOf(w: WriteOutcome | undefined, windows: FaultWindow[]): Pick<Counterexample, 'during' | 'traceId' | 'time'> {
  if (!w) return {};
  const out: Pick<Counterexample, 'during' | 'traceId' | 'time'> = { during: activeFaults(windows, w.invokeTime), time: w.invokeTime };
  if (w.traceId) out.traceId = w.traceId;
  return out;
}

/** Groups read records of one topic by event id, in read order. */
export function readsById(reads: ReadRecord[], topic: string | undefined, idOf: IdOf): { byId: Map<string, ReadRecord[]>; records: number; unidentified: number } {
  const byId = new Map<string, ReadRecord[]>();
  let records = 0;
  let unidentified = 0;
  for (const r of reads) {
    if (topic !== undefined && r.topic !== topic) continue;
    records++;
    const id = idOf(r);
    if (id === undefined) {
      unidentified++;
      continue;
    }
    const list = byId.get(id);
    if (list) list.push(r);
    else byId.set(id, [r]);
  }
  return { byId, records, unidentified };
}

/** Builds a result, keeping at most MAX_COUNTEREXAMPLES cases and saying so in the summary when more were found. */
export function result(
  name: string,
  property: string,
  valid: Validity,
  summary: string,
  stats: Record<string, number>,
  counterexamples: Counterexample[],
): CheckResult {
  const shown = counterexamples.slice(0, MAX_COUNTEREXAMPLES);
  const more = counterexamples.length > shown.length ? ` (first ${shown.length} of ${counterexamples.length} cases shown)` : '';
  return { name, property, valid, summary: summary + more, stats, counterexamples: shown };
}
