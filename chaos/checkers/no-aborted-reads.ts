// Nothing that was not committed is ever visible: ids of failed writes, ids
// the server refused and ids of deliberately aborted transactions never appear.
import type { CheckResult, Counterexample, Op, ReadRecord } from '../core/types.js';
import { contextOf, keyIdOf, locationOf, readsById, result } from './evidence.js';
import { faultWindows } from './fault-windows.js';
import type { ReadCheckOptions } from './no-lost-writes.js';
import { writeOutcomes, type Outcome } from './write-outcomes.js';

const NAME = 'no-aborted-reads';
const PROPERTY = 'No id of a failed write, of a server-refused id, or of an aborted transaction is ever read.';

const WHY: Partial<Record<Outcome, string>> = {
  fail: 'its write failed (definitely not done)',
  refused: 'the server refused it',
  aborted: 'it was written in a transaction that was aborted',
};

export function noAbortedReads(history: Op[], reads: ReadRecord[], opts: ReadCheckOptions): CheckResult {
  const outcomes = writeOutcomes(history);
  const windows = faultWindows(history);
  const { byId, records } = readsById(reads, opts.topic, opts.idOf ?? keyIdOf);
  const stats = { forbidden: 0, failed: 0, refused: 0, aborted: 0, records, abortedReads: 0 };
  const bad: Counterexample[] = [];
  for (const w of outcomes.values()) {
    const why = WHY[w.outcome];
    if (!why) continue;
    stats.forbidden++;
    if (w.outcome === 'fail') stats.failed++;
    else if (w.outcome === 'refused') stats.refused++;
    else stats.aborted++;
    const rs = byId.get(w.id);
    if (!rs) continue;
    stats.abortedReads++;
    bad.push({
      id: w.id,
      what: `read from ${opts.topic} at ${rs.map((r) => `${r.partition}/${r.offset}`).join(', ')} although ${why} (process ${w.process}, ${w.f} at t=${w.invokeTime})`,
      where: rs.map(locationOf),
      ...contextOf(w, windows),
    });
  }
  const valid = bad.length > 0 ? false : stats.forbidden === 0 || records === 0 ? 'unknown' : true;
  const summary =
    `${stats.forbidden} ids must never be read (${stats.failed} failed, ${stats.refused} refused, ${stats.aborted} aborted), ${stats.abortedReads} of them read` +
    (stats.forbidden === 0 ? ': no failed, refused or aborted writes, so nothing is proven' : records === 0 ? `: nothing read from ${opts.topic}, so nothing is proven` : '');
  return result(NAME, PROPERTY, valid, summary, stats, bad);
}
