// The processing stage neither loses nor invents: the ids in the processed
// topic are exactly the acknowledged ids (ids of unknown outcome may go either way).
import type { CheckResult, Counterexample, Op, ReadRecord } from '../core/types.js';
import { contextOf, keyIdOf, locationOf, result, type IdOf } from './evidence.js';
import { faultWindows } from './fault-windows.js';
import { parseProcessed } from './processed-record.js';
import { writeOutcomes, type Outcome } from './write-outcomes.js';

export interface ProcessedCheckOptions {
  /** Which event a processed record carries; default: the record key. */
  idOf?: IdOf;
  /** Only processed records of these services count (experiments use run-unique service names, topics outlive runs). */
  services?: string[];
}

const NAME = 'processed-equals-accepted';
const PROPERTY = 'The set of ids in the processed topic equals the set of acknowledged ids; ids of unknown outcome may or may not appear.';

const PHANTOM: Record<Exclude<Outcome, 'ok' | 'info'>, string> = {
  fail: 'its write failed',
  refused: 'the server refused it',
  aborted: 'it was written in an aborted transaction',
};

export function processedEqualsAccepted(history: Op[], processed: ReadRecord[], opts: ProcessedCheckOptions = {}): CheckResult {
  const idOf = opts.idOf ?? keyIdOf;
  const services = opts.services ? new Set(opts.services) : undefined;
  const outcomes = writeOutcomes(history);
  const windows = faultWindows(history);
  const seen = new Map<string, ReadRecord[]>();
  const stats = { acknowledged: 0, processedRecords: 0, processedIds: 0, missing: 0, phantom: 0, unknownOutcome: 0, unknownProcessed: 0, unidentifiedRecords: 0, outOfScope: 0 };

  for (const r of processed) {
    if (services) {
      const e = parseProcessed(r.value);
      if (!e || !services.has(e.service)) {
        stats.outOfScope++;
        continue;
      }
    }
    stats.processedRecords++;
    const id = idOf(r);
    if (id === undefined) {
      stats.unidentifiedRecords++;
      continue;
    }
    seen.set(id, [...(seen.get(id) ?? []), r]);
  }
  stats.processedIds = seen.size;

  const bad: Counterexample[] = [];
  for (const w of outcomes.values()) {
    if (w.outcome === 'info') {
      stats.unknownOutcome++;
      if (seen.has(w.id)) stats.unknownProcessed++;
    }
    if (w.outcome !== 'ok' || w.f !== 'write') continue;
    stats.acknowledged++;
    if (seen.has(w.id)) continue;
    stats.missing++;
    bad.push({ id: w.id, what: `acknowledged at t=${w.completeTime} (process ${w.process}) but never processed: lost downstream`, ...contextOf(w, windows) });
  }
  for (const [id, rs] of seen) {
    const w = outcomes.get(id);
    if (w && (w.outcome === 'info' || (w.outcome === 'ok' && w.f === 'write'))) continue;
    stats.phantom++;
    const why = !w ? 'no write ever carried it' : w.outcome === 'ok' ? `it was only written by ${w.f}` : PHANTOM[w.outcome as keyof typeof PHANTOM];
    bad.push({ id, what: `processed but never acknowledged: ${why} (phantom)`, where: rs.map(locationOf), ...contextOf(w, windows) });
  }

  const valid = bad.length > 0 ? false : stats.acknowledged === 0 ? 'unknown' : true;
  const summary =
    `${stats.acknowledged} acknowledged, ${stats.processedIds} distinct ids processed, ${stats.missing} missing, ${stats.phantom} phantom; ` +
    `${stats.unknownOutcome} of unknown outcome (${stats.unknownProcessed} of them processed)` +
    (stats.acknowledged === 0 ? ': nothing was acknowledged, so nothing is proven' : '');
  return result(NAME, PROPERTY, valid, summary, stats, bad);
}
