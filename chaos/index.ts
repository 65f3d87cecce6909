// Public surface of the chaos harness: the runner, the experiments, the
// history and verdict types, and what an outside load needs to plug in
// (loadtests runs its k6 scenarios through the same runner and checkers).
export { runExperiment, type RunOptions, type RunOutcome } from './core/runner.js';
export { localTarget, type RunTarget } from './core/target.js';
export { EXPERIMENTS, CONTROLS, experimentByName, type Experiment, type ExternalLoad, type Workload } from './experiments/index.js';
export { sleep, type ChaosContext } from './core/context.js';
export type { CheckResult, Op, WriteValue } from './core/types.js';
export { ingestUrls } from './workloads/http-ingest.js';
export { waitCaughtUp } from './core/final-phase.js';
