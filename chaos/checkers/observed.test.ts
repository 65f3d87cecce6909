import { absoluteWindows, alertFiredAndResolved, lagBackUnder, openDuring, tracesDuringFaults } from './observed.js';

const alert = { kind: 'alert' as const, alert: 'KafkaBrokerDown', firesWithinMs: 30_000, resolvesWithinMs: 60_000 };
const T0 = 1_800_000_000_000;
const windows = [{ start: T0, end: T0 + 25_000 }];
const samples = (fromS: number, toS: number) => Array.from({ length: (toS - fromS) / 2 + 1 }, (_, i) => T0 + (fromS + 2 * i) * 1000);

test('an alert that fires after the fault and resolves after the heal is valid, with when', () => {
  const r = alertFiredAndResolved(alert, windows, { firing: samples(16, 34), firingNow: false, nowMs: T0 + 80_000, stepMs: 2000 });
  expect(r.valid).toBe(true);
  expect(r.summary).toBe('fired 16.0 s after the first fault, resolved 11.0 s after the last fault ended');
  expect(r.stats).toMatchObject({ firedAfterMs: 16_000, resolvedAfterHealMs: 11_000 });
});

test('an alert that never fired is invalid', () => {
  const r = alertFiredAndResolved(alert, windows, { firing: [], firingNow: false, nowMs: T0 + 80_000, stepMs: 2000 });
  expect(r.valid).toBe(false);
  expect(r.summary).toMatch(/did not fire within 30.0 s of the first fault \(never firing in the run\)/);
});

test('an alert that fired too late, or still fires long after the heal, is invalid', () => {
  expect(alertFiredAndResolved(alert, windows, { firing: samples(40, 44), firingNow: false, nowMs: T0 + 80_000, stepMs: 2000 }).valid).toBe(false);
  const stuck = alertFiredAndResolved(alert, windows, { firing: samples(16, 120), firingNow: true, nowMs: T0 + 120_000, stepMs: 2000 });
  expect(stuck.valid).toBe(false);
  expect(stuck.counterexamples[0]!.what).toMatch(/still firing/);
});

test('Prometheus unreachable: unknown, not valid', () => {
  expect(alertFiredAndResolved(alert, windows, { firing: [], firingNow: false, nowMs: T0, stepMs: 2000, queryError: 'connect ECONNREFUSED' }).valid).toBe('unknown');
});

test('lag: every group under the bound is valid; one over it or without a series is not', () => {
  const o = { kind: 'lag' as const, groups: ['faultline-process', 'faultline-aggregate'], belowS: 30 };
  expect(lagBackUnder(o, { lagS: new Map([['faultline-process', 0], ['faultline-aggregate', 2.5]]) }).valid).toBe(true);
  const over = lagBackUnder(o, { lagS: new Map([['faultline-process', 0], ['faultline-aggregate', 95]]) });
  expect(over.valid).toBe(false);
  expect(over.counterexamples[0]!.what).toBe('faultline-aggregate: 95.0 s behind at the end of the run');
  expect(lagBackUnder(o, { lagS: new Map([['faultline-process', 0]]) }).valid).toBe(false);
});

test('traces: some inside the windows is valid, none is not', () => {
  const o = { kind: 'traces' as const, service: 'faultline-ingest' };
  expect(tracesDuringFaults(o, { traceIds: ['abc'], windows: 1 }).valid).toBe(true);
  expect(tracesDuringFaults(o, { traceIds: [], windows: 1 }).valid).toBe(false);
  // no fault was injected (a run shorter than its schedule): nothing to judge, not a failure
  expect(tracesDuringFaults(o, { traceIds: [], windows: 0 }).valid).toBe('unknown');
});

test('traces: a span open during the window counts, one that ended before or began after it does not', () => {
  const w = { start: 10_000, end: 18_000 };
  const hit = (traceID: string, startMs: number, endMs: number) => ({ traceID, startMs, spans: [{ startMs, endMs }] });
  // waited through the outage (began before it), inside it, ended before it, began after it
  expect(openDuring([hit('waited', 9_800, 18_700), hit('inside', 12_000, 12_050), hit('before', 5_000, 9_999), hit('after', 18_001, 18_100)], w)).toEqual(['waited', 'inside']);
  // without span times, the trace's start decides
  expect(openDuring([{ traceID: 'bare', startMs: 11_000, spans: [] }, { traceID: 'late', startMs: 19_000, spans: [] }], w)).toEqual(['bare']);
});

test('fault windows become absolute; one never stopped ends at the final heal', () => {
  expect(absoluteWindows([{ fault: 'broker-kill', targets: ['broker-a'], start: 5000, end: 30_000 }, { fault: 'x', targets: [], start: 40_000 }], T0, T0 + 50_000)).toEqual([
    { start: T0 + 5000, end: T0 + 30_000 },
    { start: T0 + 40_000, end: T0 + 50_000 },
  ]);
});
