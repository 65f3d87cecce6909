// Every experiment, short, against the live deployment, on whichever coordination mode it runs on (`just test` runs
// this file on ZooKeeper and again on KRaft): each is judged on every safety property, with no exception. The
// experiments chaos.live.test.ts runs on ZooKeeper with its own assertions are not repeated there; the negative
// controls are judged in chaos.live.test.ts against their pairs.
import { jest } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeRules, activeToxics } from '../cluster/index.js';
import { EXPERIMENT_TIMEOUT_MS, HOLDING, holds } from '../test/chaos-gates.js';
import { coordination, provider } from '../test/live.js';
import { notApplicable } from './core/campaign.js';
import { runExperiment } from './core/runner.js';
import { EXPERIMENTS } from './experiments/index.js';

jest.setTimeout(EXPERIMENT_TIMEOUT_MS);
const out = mkdtempSync(join(tmpdir(), 'faultline-matrix-'));
const quiet = (l: string) => void (process.env.FAULTLINE_VERBOSE && console.log(l));

/** Run by chaos.live.test.ts on ZooKeeper (with more said about each). */
const COVERED_ON_ZOOKEEPER = ['broker-kill', 'broker-down', 'zone-partition', 'rf3-zone-destroy', 'leader-partition', 'control-eos-on-processor-kill', 'txn-broker-kill'];
/** Short, but long enough for each schedule to inject its faults and let them settle before the load ends (an
 * experiment's own minDurationS raises it where it must). */
const DURATION_S: Record<string, number> = { mixed: 35 };
const SHORT_S = 25;

const matrix = EXPERIMENTS.filter((e) => !e.control && !notApplicable(e, coordination) && !(coordination === 'zookeeper' && COVERED_ON_ZOOKEEPER.includes(e.name)));

afterEach(async () => {
  // nothing of a fault outlives its run
  expect(activeRules()).toEqual([]);
  const p = provider();
  expect(await activeToxics(p.topology)).toEqual([]);
  for (const c of p.components()) expect([c.name, await p.running(c.name)]).toEqual([c.name, true]);
});

test('the matrix covers every experiment that is not a control, here or in chaos.live.test.ts', () => {
  const covered = new Set([...matrix.map((e) => e.name), ...(coordination === 'zookeeper' ? COVERED_ON_ZOOKEEPER : [])]);
  const missing = EXPERIMENTS.filter((e) => !e.control && !notApplicable(e, coordination) && !covered.has(e.name)).map((e) => e.name);
  expect(missing).toEqual([]);
  expect(matrix.length).toBeGreaterThan(10);
});

test.each(matrix.map((e) => [e.name]))(`%s on ${coordination}: every safety property holds`, async (name) => {
  const e = EXPERIMENTS.find((x) => x.name === name)!;
  const durationS = Math.max(DURATION_S[name] ?? SHORT_S, e.minDurationS ?? 0);
  const r = await runExperiment({ experiment: e, durationS, seed: 7, coordination, outRoot: out, log: quiet });
  const lines = r.result.checks.map((c) => `${c.valid === true ? 'ok  ' : c.valid === false ? 'FAIL' : '??  '} ${c.name}: ${c.summary}`);
  console.log(`${name} (${coordination}, ${durationS} s): verdict ${r.result.verdict}\n${lines.join('\n')}\n${r.report}`);
  expect(r.result.faults.length).toBeGreaterThan(0);
  holds(r.result, gated(e));
});

/** Every safety property the workload has: all of them through the pipeline; a direct workload's are its topic's. */
function gated(e: (typeof EXPERIMENTS)[number]): string[] {
  const w = e.workload;
  if (w.kind !== 'kafka') return HOLDING;
  return HOLDING.filter(
    (name) =>
      ['history-well-formed', 'no-lost-writes', 'no-duplicates', 'offsets-monotonic', 'recovery-bounds'].includes(name) ||
      (name === 'no-aborted-reads' && Boolean(w.transactional)) ||
      (['processed-equals-accepted', 'no-duplicates (processed)', 'stages-caught-up'].includes(name) && Boolean(w.processors)),
  );
}
