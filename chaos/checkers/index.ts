// Public surface of the checkers: pure functions from a history (and what the
// final phase read back) to a CheckResult, each named by the property it checks.
export { faultWindows, activeFaults, faultLabel } from './fault-windows.js';
export { writeOutcomes, type Outcome, type WriteOutcome } from './write-outcomes.js';
export { MAX_COUNTEREXAMPLES, type IdOf } from './evidence.js';
export { historyWellFormed } from './history-well-formed.js';
export { noLostWrites, type ReadCheckOptions } from './no-lost-writes.js';
export { noDuplicates, type DuplicateCheckOptions } from './no-duplicates.js';
export { noAbortedReads } from './no-aborted-reads.js';
export { offsetsMonotonic } from './offsets-monotonic.js';
export { processedEqualsAccepted, type ProcessedCheckOptions } from './processed-equals-accepted.js';
export { aggregatesEqualRecomputed, type AggregateCheckOptions } from './aggregates-equal-recomputed.js';
export { recoveryBounds, type RecoveryBoundsOptions } from './recovery-bounds.js';
export { compose } from './compose.js';
export { absoluteWindows, alertFiredAndResolved, lagBackUnder, tracesDuringFaults, type Observation } from './observed.js';
export { stagesCaughtUp, type CaughtUp } from './stages-caught-up.js';
export { CHECKERS, judge, type RunEvidence } from './suite.js';
