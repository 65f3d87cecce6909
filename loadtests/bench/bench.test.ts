import { figures, outputCheck, pacedCheck, pairCheck, pipelineCheck, trend, type Pair } from './bench.js';
import { parseConsumerPerformance, parseEndToEndLatency, parseProducerPerformance, parseProducerWindows, steadyRate } from './kafka-tools.js';
import { steadyOf, steadyPart } from './ours.js';
import { costModel } from '../pipeline-bench.js';

test("ProducerPerformance's summary line; output without one is a clear error", () => {
  const out = '5001 records sent, 1000.2 records/sec (0.49 MB/sec), 12.3 ms avg latency, 400.0 ms max latency.\n' +
    '20000 records sent, 6646.726487 records/sec (3.25 MB/sec), 1562.78 ms avg latency, 3512.00 ms max latency, 1617 ms 50th, 3200 ms 95th, 3486 ms 99th, 3501 ms 99.9th.\n';
  expect(parseProducerPerformance(out)).toEqual({ records: 20000, recordsPerS: 6646.726487, mbPerS: 3.25, p50Ms: 1617, p99Ms: 3486 });
  expect(() => parseProducerPerformance('Exception in thread "main" org.apache.kafka.common.errors.TimeoutException')).toThrow(/no summary line.*TimeoutException/);
});

test("ProducerPerformance's 5 s windows, and the steady rate past the warm-up", () => {
  const out = ['noise', '250000 records sent, 50000.0 records/sec (9.00 MB/sec), 160.5 ms avg latency, 1224.0 ms max latency.', '300000 records sent, 60000.0 records/sec (10.80 MB/sec), 100.5 ms avg latency, 400.0 ms max latency.', '100 records sent, 0.0 records/sec (0.00 MB/sec), 0.0 ms avg latency, 0.0 ms max latency.', '550000 records sent, 55000.0 records/sec (9.9 MB/sec), 130.0 ms avg latency, 1224.0 ms max latency, 117 ms 50th, 451 ms 95th, 652 ms 99th, 750 ms 99.9th.'].join('\n');
  const w = parseProducerWindows(out);
  // the summary line is not a window, nor is a window with no rate
  expect(w).toEqual([{ records: 250_000, s: 5 }, { records: 300_000, s: 5 }]);
  expect(steadyRate(w, 3)).toBe(60_000);
  expect(steadyRate(w, 0)).toBe(55_000);
  // no window starts past the warm-up: no steady rate rather than a guess
  expect(steadyRate(w, 20)).toBeUndefined();
});

test("ConsumerPerformance's result line by its header; output without one is a clear error", () => {
  const out = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n2026-12-03 19:40:01:000, 2026-12-03 19:40:05:000, 93.0, 23.2, 500000, 125000.0, 3000, 1000, 93.0, 500000.0\n';
  expect(parseConsumerPerformance(out)).toEqual({ records: 500_000, fetchPerS: 500_000, mbPerS: 93 });
  expect(() => parseConsumerPerformance('WARN timed out')).toThrow(/no result line/);
});

test('the steady part of a stream processor: from a fifth of its records; a run too fast for that, from its first commit', () => {
  const pts = [{ t: 0, n: 0, cpuS: 0 }, { t: 1000, n: 1000, cpuS: 1 }, { t: 2000, n: 5000, cpuS: 2 }, { t: 3000, n: 10_000, cpuS: 3 }];
  expect(steadyPart(pts)).toEqual({ records: 5000, ms: 1000, cpuS: 1 });
  expect(steadyPart([{ t: 0, n: 0, cpuS: 0 }, { t: 1000, n: 1000, cpuS: 1 }, { t: 2000, n: 60_000, cpuS: 2 }])).toEqual({ records: 59_000, ms: 1000, cpuS: 1 });
  expect(steadyPart([{ t: 0, n: 60_000, cpuS: 0 }])).toBeUndefined();
});

test('our steady rate leaves the warm-up out', () => {
  const points = [{ at: 0, n: 0 }, { at: 1000, n: 500 }, { at: 3000, n: 2500 }, { at: 5000, n: 6500 }];
  expect(steadyOf(points, 2000)).toBe(2000);
  expect(steadyOf(points, 9000)).toBeUndefined();
});

test('the cost model per kind of component, and the cores 50,000 events/s would take', () => {
  const m = costModel([{ name: 'broker-a', cores: 0.3 }, { name: 'broker-b', cores: 0.2 }, { name: 'process-a', cores: 0.1 }, { name: 'lag-exporter', cores: 0.05 }, { name: 'bench client (this process)', cores: 0.05 }], 5000);
  expect(m[0]).toEqual({ kind: 'broker', cores: 0.5, cpuSecondsPer1000: 0.1, coresFor50k: 5 });
  expect(m.map((x) => x.kind).sort()).toEqual(['bench client', 'broker', 'ops', 'process']);
});

test('the paced latency line and the output lines decide, and an output that broke a rule is named', () => {
  const run = { ratePerS: 4000, p99Ms: 800, offered: 40_000, accepted: 40_000, failedOr503: 0 };
  expect(pacedCheck([run]).valid).toBe(true);
  expect(pacedCheck([{ ...run, p99Ms: 1500 }]).valid).toBe(false);
  // an accepted event never read is infinitely late
  expect(pacedCheck([{ ...run, p99Ms: Infinity }]).valid).toBe(false);
  // a low p99 does not count when the pipeline did not take the offer
  expect(pacedCheck([{ ...run, accepted: 30_000 }]).valid).toBe(false);
  expect(pacedCheck([{ ...run, failedOr503: 1 }]).summary).toMatch(/did not take the offer/);
  expect(pacedCheck([]).valid).toBe('unknown');
  expect(pacedCheck([run, { ...run, p99Ms: NaN }]).valid).toBe('unknown');
  const good = { expected: 10, lost: 0, duplicated: 0, unexpected: 0, altered: 0, windows: 2, wrongWindows: 0, examples: [] };
  expect(outputCheck('x', 'y', [good]).valid).toBe(true);
  const bad = outputCheck('x', 'y', [good, { ...good, duplicated: 1, examples: ['e-1 2 times'] }]);
  expect(bad.valid).toBe(false);
  expect(bad.counterexamples).toEqual([{ what: 'e-1 2 times' }]);
  // nothing checked is not a pass
  expect(outputCheck('x', 'y', []).valid).toBe(false);
});

test("EndToEndLatency's average and percentiles", () => {
  expect(parseEndToEndLatency('0\t16.2\nAvg latency: 17.1234 ms\nPercentiles: 50th = 15, 99th = 151, 99.9th = 160\n')).toEqual({ avgMs: 17.1234, p50Ms: 15, p99Ms: 151 });
  expect(() => parseEndToEndLatency('nothing')).toThrow(/no latency summary/);
});

const pair = (o: Partial<Pair>): Pair => ({ name: 'R_x', what: 'w', unit: 'records/s', ours: [], theirs: [], oursLabel: 'ours', theirsLabel: 'theirs', goal: 0.7, ...o });

test('ratios per repetition with their median and spread; a latency pair is theirs over ours; a repetition not counted makes the line unknown', () => {
  expect(pairCheck(pair({ ours: [NaN, 5000, 5200], theirs: [4000, 4000, 4000] })).valid).toBe('unknown');
  expect(pairCheck(pair({ ours: [5000, NaN, 5200], theirs: [4000, 4000, 4000] })).valid).toBe('unknown');
  expect(figures(pair({ ours: [700, 900, 800], theirs: [1000, 1000, 1000] }))).toEqual({ oursMedian: 800, theirsMedian: 1000, ratios: [0.7, 0.9, 0.8], ratio: 0.8, min: 0.7, max: 0.9 });
  expect(figures(pair({ ours: [5], theirs: [15], lowerIsBetter: true })).ratio).toBe(3);
});

test('a pair below its goal is an invalid line that says by how much; at or above it is valid', () => {
  const below = pairCheck(pair({ ours: [600], theirs: [1000] }));
  expect(below.valid).toBe(false);
  expect(below.name).toBe('R_x = ours / theirs');
  expect(below.summary).toBe('R_x 0.6 (spread 0.6-0.6 over 1): ours 600 records/s, theirs 1,000 records/s');
  expect(pairCheck(pair({ ours: [700], theirs: [1000] })).valid).toBe(true);
  expect(pairCheck(pair({ ours: [], theirs: [] })).valid).toBe('unknown');
  expect(pipelineCheck([4300], [2518], [4184]).valid).toBe(false);
  expect(pipelineCheck([4300], [2518], [4184]).summary).toMatch(/^4,300 events\/s .*8.6% of the goal$/);
  expect(pipelineCheck([60_000], [200], [800]).valid).toBe(true);
});

test('the trend: one point per earlier run that has the line, then this run, in time order', () => {
  const now = pairCheck(pair({ ours: [800], theirs: [1000] }));
  const old = (epochMs: number, ratio: number) => ({ epochMs, checks: [{ ...now, stats: { ...now.stats, ratio } }] });
  const [s] = trend([old(2000, 0.5), old(1000, 0.4), { epochMs: 1500, checks: [] }], [now], 3000);
  expect(s!.lines[0]!.points).toEqual([[1000, 0.4], [2000, 0.5], [3000, 0.8]]);
});
