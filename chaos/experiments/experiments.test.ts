// The experiment table's own rules: every fault exists, every negative control names the checks it must fail and
// a safe pair that is not itself a control.
import { faultByName } from '../nemeses/index.js';
import { CONTROLS, EXPERIMENTS, experimentByName } from './index.js';

test('every experiment names faults that exist, and names are unique', () => {
  expect(new Set(EXPERIMENTS.map((e) => e.name)).size).toBe(EXPERIMENTS.length);
  for (const e of EXPERIMENTS) for (const f of e.faults) expect(faultByName(f.name)).toBe(f);
});

test('each negative control targets the checks of its property, and has a safe pair with the same workload shape and faults', () => {
  expect(CONTROLS.sort()).toEqual(['control-acks1-leader-partition', 'control-eos-off-processor-kill', 'control-rf1-zone-destroy']);
  for (const name of CONTROLS) {
    const c = experimentByName(name);
    const pair = experimentByName(c.control!.pair);
    expect([name, pair.control]).toEqual([name, undefined]);
    expect([name, pair.faults]).toEqual([name, c.faults]);
    expect([name, pair.workload.kind]).toEqual([name, c.workload.kind]);
    expect(c.control!.mustFail.length).toBeGreaterThan(0);
    // a check on the processed topic runs only when the workload has processors
    if (c.control!.mustFail.some((m) => m.endsWith('(processed)'))) expect(c.workload.kind === 'kafka' && c.workload.processors).toBeTruthy();
  }
  expect(experimentByName('control-rf1-zone-destroy').control!.mustFail).toEqual(['no-lost-writes']);
  expect(experimentByName('control-acks1-leader-partition').control!.mustFail).toEqual(['no-lost-writes']);
  expect(experimentByName('control-eos-off-processor-kill').control!.mustFail).toEqual(['no-duplicates (processed)']);
});
