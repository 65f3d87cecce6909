// What the live chaos tests gate on, shared by every provider's: the properties that must hold under faults, and
// what a negative control must be judged.
import { passed, type RunResult } from '../reports/index.js';

/**
 * The properties gated under faults: every safety property, with no exception for an open bug. (Before the pipeline
 * moved to librdkafka, broker kills were gated without no-lost-writes and processed-equals-accepted, and no test
 * gated aggregates-equal-recomputed: kafkajs's idempotent producer lost acknowledged events on leader changes.)
 */
export const HOLDING = [
  'history-well-formed',
  'no-lost-writes',
  'no-duplicates',
  'no-aborted-reads',
  'offsets-monotonic',
  'processed-equals-accepted',
  'no-duplicates (processed)',
  'aggregates-equal-recomputed',
  'recovery-bounds',
  'stages-caught-up',
];
/**
 * Jest's bound on a test that runs one experiment. An experiment bounds itself (full ISR 180 s, each stage's catch-up
 * 240 s, after a load of 25-60 s), and this must be above that: at jest's 240 s default, a run whose stage was stuck
 * failed its test and went on beside the next experiment, which it skewed in turn (a CI chaos matrix: four runs
 * overlapped, one after another, until the harness died of a segmentation fault).
 */
export const EXPERIMENT_TIMEOUT_MS = 15 * 60_000;
/** Broker kills also prove the traces went on while a broker was gone. */
export const HOLDING_UNDER_BROKER_KILL = [...HOLDING, 'observed: faultline-ingest traces during the faults'];
export const holds = (r: RunResult, names = HOLDING) => {
  for (const name of names) expect([name, r.checks.find((c) => c.name === name)?.valid]).toEqual([name, true]);
};

/** A negative control caught for the right reason: INVALID, and by the very checks it targets. */
export const invalidBecause = (r: RunResult, check: string) => {
  expect(r.expectInvalid).toBe(true);
  expect(r.mustFail).toContain(check);
  expect(r.verdict).toBe(false);
  expect([check, r.checks.find((c) => c.name === check)?.valid]).toEqual([check, false]);
  expect(passed(r)).toBe(true);
};
