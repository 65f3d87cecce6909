// The load tests as runs of the chaos runner without faults: a k6 scenario
// drives the deployed pipeline, then the same final phase, drain and checkers
// as a chaos run judge it (nothing acknowledged lost, nothing twice, processed
// equals accepted, aggregates equal a recomputation, stages caught up) beside
// k6's own thresholds; the report is a chaos report of kind `soak`.
import type { Experiment } from '../../chaos/index.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';
import { k6Load } from './workload.js';

/** Per scenario: what it is for, and its default length, rate (the peak for spike and stress) and batch. */
export const LOAD_DEFAULTS: Record<ScenarioName, { description: string; durationS: number; rate: number; batch: number }> = {
  smoke: { description: 'a short run at a low constant rate: everything works end to end', durationS: 20, rate: 500, batch: 50 },
  soak: { description: 'a long run at a constant rate under the ceiling: nothing drifts, leaks or falls behind', durationS: 300, rate: 2000, batch: 100 },
  spike: { description: 'a calm baseline, a sudden jump to the peak rate, back down: the pipeline absorbs it and recovers', durationS: 120, rate: 5000, batch: 100 },
  stress: { description: 'four steps up to the peak rate; k6 stops at the first crossed threshold: where the ceiling is', durationS: 120, rate: 10000, batch: 100 },
};

export function loadExperiment(scenario: ScenarioName, o: { batch?: number; p99Ms?: number } = {}): Experiment {
  if (!SCENARIOS.includes(scenario)) throw new Error(`no load scenario "${scenario}": one of ${SCENARIOS.join(', ')}`);
  const d = LOAD_DEFAULTS[scenario];
  const batch = o.batch ?? d.batch;
  return {
    name: scenario,
    description: `k6 ${scenario}: ${d.description}`,
    faults: [],
    schedule: () => ({ kind: 'once', atMs: 0, holdMs: 0 }),
    workload: { kind: 'external', label: `k6 ${scenario} -> http ingest -> logs.raw -> process -> aggregate`, run: k6Load(scenario, batch, o.p99Ms) },
    recoveryBoundMs: 30_000,
    observe: [{ kind: 'lag', groups: ['faultline-process', 'faultline-aggregate'], belowS: 30 }],
    defaults: { durationS: d.durationS, rate: d.rate },
    reportKind: 'soak',
    replay: (r) => `just load ${scenario} --duration ${r.durationS} --rate ${r.rate} --batch ${batch} --coordination ${r.coordination}`,
  };
}
