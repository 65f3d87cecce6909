// No acknowledged write is lost: every id the system said it stored is read
// back after the final phase healed everything and drained the topic.
import type { CheckResult, Counterexample, Op, ReadRecord } from '../core/types.js';
import { contextOf, keyIdOf, readsById, result, type IdOf } from './evidence.js';
import { faultWindows } from './fault-windows.js';
import { writeOutcomes } from './write-outcomes.js';

export interface ReadCheckOptions {
  /** The topic the writes went to, e.g. `logs.raw`. */
  topic: string;
  /** Which event a record carries; default: the record key. */
  idOf?: IdOf;
}

const NAME = 'no-lost-writes';
const PROPERTY = 'Every id of an acknowledged write (minus ids the server refused) is read back from the topic.';

export function noLostWrites(history: Op[], reads: ReadRecord[], opts: ReadCheckOptions): CheckResult {
  const outcomes = writeOutcomes(history);
  const windows = faultWindows(history);
  const { byId, unidentified } = readsById(reads, opts.topic, opts.idOf ?? keyIdOf);
  const stats = { acknowledged: 0, read: 0, lost: 0, unknownOutcome: 0, unknownRead: 0, refused: 0, unidentifiedRecords: unidentified };
  const lost: Counterexample[] = [];

  for (const w of outcomes.values()) {
    if (w.f !== 'write') continue;
    if (w.outcome === 'refused') stats.refused++;
    if (w.outcome === 'info') {
      stats.unknownOutcome++;
      if (byId.has(w.id)) stats.unknownRead++;
    }
    if (w.outcome !== 'ok') continue;
    stats.acknowledged++;
    if (byId.has(w.id)) {
      stats.read++;
      continue;
    }
    stats.lost++;
    const c: Counterexample = {
      id: w.id,
      what: `acknowledged at t=${w.completeTime} (process ${w.process}) but never read from ${opts.topic}${w.acked ? ` (acked at partition ${w.acked.partition} offset ${w.acked.offset})` : ''}`,
      ...contextOf(w, windows),
    };
    if (w.acked) c.where = [{ topic: opts.topic, ...w.acked }];
    lost.push(c);
  }

  const valid = stats.lost > 0 ? false : stats.acknowledged === 0 ? 'unknown' : true;
  const summary =
    `${stats.acknowledged} acknowledged, ${stats.read} read, ${stats.lost} lost; ` +
    `${stats.unknownOutcome} of unknown outcome (${stats.unknownRead} of them read), ${stats.refused} refused` +
    (stats.acknowledged === 0 ? ': nothing was acknowledged, so nothing is proven' : '');
  return result(NAME, PROPERTY, valid, summary, stats, lost);
}
