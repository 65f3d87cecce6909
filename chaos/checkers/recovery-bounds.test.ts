import { recoveryBounds } from './recovery-bounds.js';
import { historyBuilder } from './test-fixtures.js';

/** One ok write every `every` ms from `from` to `to`, skipping [gapFrom, gapTo). */
const steady = (from: number, to: number, every: number, ...gaps: [number, number][]) => {
  const h = historyBuilder();
  let n = 0;
  for (let t = from; t <= to; t += every) {
    if (gaps.some((g) => t >= g[0] && t < g[1])) h.write(1, [`g${n++}`], t, 'fail');
    else h.write(1, [`w${n++}`], t, 'ok');
  }
  return h;
};

describe('recovery-bounds', () => {
  test('steady acknowledgements through a fault are within the bound', () => {
    const h = steady(0, 10_000, 100).fault('broker-kill', ['broker-b'], 2_000, 4_000);
    const r = recoveryBounds(h.ops, { boundMs: 500 });
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ faults: 1, maxUnavailableMs: 100, 'maxUnavailableMs:0': 100, failedDuringFaults: 0 });
  });

  test('unavailability over the bound is a violation, and the failed attempts are counted per fault', () => {
    const h = steady(0, 10_000, 100, [2_000, 5_000]).fault('zone-kill', ['zone-a'], 2_000, 4_000).fault('broker-pause', ['broker-c'], 8_000, 8_500);
    const r = recoveryBounds(h.ops, { boundMs: 1_000 });
    expect(r.valid).toBe(false);
    // last ok completes at 1901, next at 5001
    expect(r.stats).toMatchObject({ 'maxUnavailableMs:0': 3_100, 'maxUnavailableMs:1': 100, maxUnavailableMs: 3_100, 'failedWrites:0': 21, 'failedWrites:1': 0 });
    expect(r.counterexamples).toEqual([
      { what: expect.stringContaining('zone-kill zone-a (t=2000..4000): no acknowledged write for 3100 ms (t=1901..5001)'), during: ['zone-kill zone-a'], time: 1_901 },
    ]);
  });

  test('a fault that holds writes by design (a frozen broker) is bounded from its end: its length plus the bound', () => {
    // a 3 s pause, writes back 0.8 s after it: 3.8 s unavailable
    const h = steady(0, 10_000, 100, [2_000, 5_800]).fault('broker-pause', ['broker-c'], 2_000, 5_000);
    expect(recoveryBounds(h.ops, { boundMs: 1_000 }).valid).toBe(false);
    const held = recoveryBounds(h.ops, { boundMs: 1_000, holdingFaults: ['broker-pause'] });
    expect(held.valid).toBe(true);
    expect(held.stats).toMatchObject({ 'maxUnavailableMs:0': 3_900, 'boundMs:0': 4_000 });
    // still a violation once writes stay away longer than the bound after the fault's end
    const late = steady(0, 10_000, 100, [2_000, 6_500]).fault('broker-pause', ['broker-c'], 2_000, 5_000);
    const r = recoveryBounds(late.ops, { boundMs: 1_000, holdingFaults: ['broker-pause'] });
    expect(r.valid).toBe(false);
    expect(r.counterexamples[0]!.what).toContain("bound 4000 ms (the fault's 3000 ms, which hold writes by design, and 1000 ms)");
  });

  test("an experiment that draws several kinds of fault judges each window by its kind's bound", () => {
    // a broker kill that stops writes 3 s (over its 1 s bound), then a zone partition that stops them 4 s (under its 5 s)
    const h = steady(0, 20_000, 100, [1_000, 4_000], [10_000, 14_000]).fault('broker-kill', ['broker-a'], 1_000, 2_000).fault('zone-partition', ['zone-a'], 10_000, 12_000);
    const r = recoveryBounds(h.ops, { boundMs: 1_000, boundsByFault: { 'zone-partition': 5_000 } });
    expect(r.stats).toMatchObject({ 'boundMs:0': 1_000, 'boundMs:1': 5_000 });
    expect(r.valid).toBe(false);
    expect(r.counterexamples.map((c) => c.what)).toEqual([expect.stringContaining('broker-kill broker-a')]);
    expect(recoveryBounds(h.ops, { boundMs: 4_000, boundsByFault: { 'zone-partition': 5_000 } }).valid).toBe(true);
    // the same zone partition under the single bound is over it
    expect(recoveryBounds(h.ops, { boundMs: 4_000 }).counterexamples.map((c) => c.what)).toEqual([expect.stringContaining('zone-partition zone-a')]);
  });

  test('writes of unknown outcome during a fault are counted', () => {
    const h = steady(0, 3_000, 100).write(2, ['x'], 1_500, 'info').write(3, ['y'], 1_600, 'none').fault('broker-kill', ['broker-a'], 1_000, 2_000);
    const r = recoveryBounds(h.ops, { boundMs: 1_000 });
    expect(r.stats).toMatchObject({ 'infoWrites:0': 2, infoDuringFaults: 2 });
  });

  test('no faults proves nothing', () => {
    expect(recoveryBounds(steady(0, 1_000, 100).ops, { boundMs: 1_000 }).valid).toBe('unknown');
  });

  test('no acknowledged write after the heal is unknown while under the bound, false once over it', () => {
    const h = steady(0, 2_000, 100).fault('broker-kill', ['broker-b'], 1_900, 2_050);
    const r = recoveryBounds(h.ops, { boundMs: 1_000 });
    expect(r.valid).toBe('unknown');
    expect(r.summary).toMatch(/no acknowledged write after broker-kill broker-b healed/);
    const late = steady(0, 2_000, 100).fault('broker-kill', ['broker-b'], 1_900, 2_050).write(2, ['late'], 9_000, 'fail');
    expect(recoveryBounds(late.ops, { boundMs: 1_000 }).valid).toBe(false);
  });

  test('time back to full ISR over its bound is a violation; a bound without a measurement is unknown', () => {
    const h = steady(0, 10_000, 100).fault('broker-kill', ['broker-b'], 2_000, 4_000);
    expect(recoveryBounds(h.ops, { boundMs: 500, fullIsrMs: 20_000, fullIsrBoundMs: 30_000 }).valid).toBe(true);
    const r = recoveryBounds(h.ops, { boundMs: 500, fullIsrMs: 45_000, fullIsrBoundMs: 30_000 });
    expect(r.valid).toBe(false);
    expect(r.stats.fullIsrMs).toBe(45_000);
    expect(r.counterexamples[0]!.what).toBe('back to full ISR after 45000 ms, bound 30000 ms');
    expect(recoveryBounds(h.ops, { boundMs: 500, fullIsrBoundMs: 30_000 }).valid).toBe('unknown');
  });
});
