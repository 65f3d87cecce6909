// Which checkers judge a run, in the order its verdict lists them: one list, each entry saying when it applies.
// A new checker is a file beside this one and one entry here.
import type { CheckResult, Op, ReadRecord } from '../core/types.js';
import { aggregatesEqualRecomputed } from './aggregates-equal-recomputed.js';
import type { IdOf } from './evidence.js';
import { historyWellFormed } from './history-well-formed.js';
import { noAbortedReads } from './no-aborted-reads.js';
import { noDuplicates } from './no-duplicates.js';
import { noLostWrites } from './no-lost-writes.js';
import { offsetsMonotonic } from './offsets-monotonic.js';
import { processedEqualsAccepted } from './processed-equals-accepted.js';
import { recoveryBounds } from './recovery-bounds.js';
import { stagesCaughtUp, type CaughtUp } from './stages-caught-up.js';

/** Everything the checkers judge a run by. */
export interface RunEvidence {
  ops: Op[];
  /** What the final phase read back, by topic. */
  reads: Map<string, ReadRecord[]>;
  /** Every write goes to `input`; `processed` and `aggregates` are the stages' outputs where the workload has stages. */
  topics: { input: string; processed?: string; aggregates?: string };
  /** Some writes could be refused, fail or be aborted on purpose: their ids must never be read. */
  mayAbort: boolean;
  /** This run's event id of a record (undefined: another run's). */
  idOf: IdOf;
  /** The run's service names (the aggregate windows that are its alone). */
  services: string[];
  /** The experiment's faults: the recovery bound per fault, and the faults that hold writes for their whole window. */
  faults?: { names: string[]; boundMs: number; holdingFaults: string[]; boundsByFault?: Record<string, number> };
  /** Full ISR after the final heal, in ms (undefined: not reached). */
  fullIsrMs?: number;
  /** Each stage group's catching up after the heal. */
  caughtUp: CaughtUp[];
}

const readsOf = (e: RunEvidence, topic: string | undefined) => (topic ? (e.reads.get(topic) ?? []) : []);
const input = (e: RunEvidence) => readsOf(e, e.topics.input);
const processed = (e: RunEvidence) => readsOf(e, e.topics.processed);

interface Checker {
  applies: (e: RunEvidence) => boolean;
  check: (e: RunEvidence) => CheckResult;
}
const always = () => true;

export const CHECKERS: Checker[] = [
  { applies: always, check: (e) => historyWellFormed(e.ops) },
  { applies: always, check: (e) => noLostWrites(e.ops, input(e), { topic: e.topics.input, idOf: e.idOf }) },
  { applies: always, check: (e) => noDuplicates(input(e), { topic: e.topics.input, idOf: e.idOf, history: e.ops, retriesMayRepeat: true }) },
  { applies: always, check: (e) => offsetsMonotonic(e.ops, input(e), { topic: e.topics.input, idOf: e.idOf }) },
  // only a workload that can fail, refuse or abort a write has ids that must never be read
  { applies: (e) => e.mayAbort, check: (e) => noAbortedReads(e.ops, input(e), { topic: e.topics.input, idOf: e.idOf }) },
  { applies: (e) => Boolean(e.topics.processed), check: (e) => processedEqualsAccepted(e.ops, processed(e), { idOf: e.idOf }) },
  {
    applies: (e) => Boolean(e.topics.processed),
    check: (e) => {
      const dup = noDuplicates(processed(e), { topic: e.topics.processed!, idOf: e.idOf, history: e.ops });
      return { ...dup, name: `${dup.name} (processed)` };
    },
  },
  { applies: (e) => Boolean(e.topics.processed && e.topics.aggregates), check: (e) => aggregatesEqualRecomputed(processed(e), readsOf(e, e.topics.aggregates), { services: e.services }) },
  // a run without faults (a load test) has no recovery to bound
  {
    applies: (e) => Boolean(e.faults?.names.length),
    check: (e) => recoveryBounds(e.ops, { boundMs: e.faults!.boundMs, holdingFaults: e.faults!.holdingFaults, boundsByFault: e.faults!.boundsByFault, fullIsrMs: e.fullIsrMs, fullIsrBoundMs: 180_000 }),
  },
  { applies: (e) => e.caughtUp.length > 0, check: (e) => stagesCaughtUp(e.caughtUp) },
];

/** Every checker that applies to the run, in order. */
export const judge = (e: RunEvidence): CheckResult[] => CHECKERS.filter((c) => c.applies(e)).map((c) => c.check(e));
