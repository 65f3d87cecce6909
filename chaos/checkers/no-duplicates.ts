// No event is stored twice: exactly-once means an id occupies one offset,
// whatever retries and fail-overs happened on the way.
import type { CheckResult, Counterexample, Op, ReadRecord } from '../core/types.js';
import { contextOf, keyIdOf, locationOf, readsById, result } from './evidence.js';
import { faultWindows } from './fault-windows.js';
import type { ReadCheckOptions } from './no-lost-writes.js';
import { writeOutcomes } from './write-outcomes.js';

export interface DuplicateCheckOptions extends ReadCheckOptions {
  /** Optional: the history, to give each duplicate the faults and trace of its write. */
  history?: Op[];
  /**
   * The topic where a client's retries land as they were sent (ingest's output): an id the client wrote in more than
   * one attempt, after an unknown outcome, may be read more than once there (at-least-once from the client; the
   * process stage de-duplicates). Counted, not a violation. Needs `history`. Every other id must still be read once.
   */
  retriesMayRepeat?: boolean;
}

const NAME = 'no-duplicates';
const PROPERTY = 'No event id is read more than once from the topic.';

export function noDuplicates(reads: ReadRecord[], opts: DuplicateCheckOptions): CheckResult {
  const { byId, records, unidentified } = readsById(reads, opts.topic, opts.idOf ?? keyIdOf);
  const outcomes = opts.history ? writeOutcomes(opts.history) : new Map();
  const windows = opts.history ? faultWindows(opts.history) : [];
  const dupes: Counterexample[] = [];
  let extraCopies = 0;
  let retriedRepeats = 0;
  for (const [id, rs] of byId) {
    if (rs.length < 2) continue;
    if (opts.retriesMayRepeat && (outcomes.get(id)?.invokes ?? 1) > 1 && rs.length <= outcomes.get(id)!.invokes) {
      retriedRepeats++;
      continue;
    }
    extraCopies += rs.length - 1;
    dupes.push({
      id,
      what: `read ${rs.length} times from ${opts.topic}: ${rs.map((r) => `${r.partition}/${r.offset}`).join(', ')}`,
      where: rs.map(locationOf),
      ...contextOf(outcomes.get(id), windows),
    });
  }
  const stats = { records, distinctIds: byId.size, duplicatedIds: dupes.length, extraCopies, unidentifiedRecords: unidentified, retriedRepeats };
  const valid = dupes.length > 0 ? false : records === 0 ? 'unknown' : true;
  const summary =
    records === 0
      ? `nothing read from ${opts.topic}: nothing is proven`
      : `${records} records, ${byId.size} distinct ids, ${dupes.length} ids read more than once (${extraCopies} extra copies)` +
        (opts.retriesMayRepeat ? `; ${retriedRepeats} ids retried by their client read once per attempt at most` : '');
  return result(NAME, PROPERTY, valid, summary, stats, dupes);
}
