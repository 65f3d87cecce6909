import { figures, pairCheck, pipelineCheck, trend, type Pair } from './bench.js';
import { parseCopier, parseEndToEndLatency, parseProducerPerformance } from './kafka-tools.js';

test("ProducerPerformance's summary line; output without one is a clear error", () => {
  const out = '5001 records sent, 1000.2 records/sec (0.49 MB/sec), 12.3 ms avg latency, 400.0 ms max latency.\n' +
    '20000 records sent, 6646.726487 records/sec (3.25 MB/sec), 1562.78 ms avg latency, 3512.00 ms max latency, 1617 ms 50th, 3200 ms 95th, 3486 ms 99th, 3501 ms 99.9th.\n';
  expect(parseProducerPerformance(out)).toEqual({ records: 20000, recordsPerS: 6646.726487, mbPerS: 3.25, p50Ms: 1617, p99Ms: 3486 });
  expect(() => parseProducerPerformance('Exception in thread "main" org.apache.kafka.common.errors.TimeoutException')).toThrow(/no summary line.*TimeoutException/);
});

test("TransactionalMessageCopier's status lines: total, clean shutdown, steady rate between the first and last line", () => {
  const line = (stage: string, time: string, n: number) => JSON.stringify({ transactionalId: 'x', stage, time, totalProcessed: n, consumed: n, remaining: 5000 - n });
  const out = ['SLF4J: noise', line('ProcessLoop', '2026/11/25 18:52:53:000', 1000), line('ProcessLoop', '2026/11/25 18:52:54:000', 3000), line('ShutdownComplete', '2026/11/25 18:52:55:000', 5000)].join('\n');
  expect(parseCopier(out)).toEqual({ processed: 5000, complete: true, steady: { records: 4000, ms: 2000 } });
  const cut = parseCopier(line('ProcessLoop', '2026/11/25 18:52:53:000', 1000));
  expect(cut.complete).toBe(false);
  expect(cut.steady).toBeUndefined();
});

test("EndToEndLatency's average and percentiles", () => {
  expect(parseEndToEndLatency('0\t16.2\nAvg latency: 17.1234 ms\nPercentiles: 50th = 15, 99th = 151, 99.9th = 160\n')).toEqual({ avgMs: 17.1234, p50Ms: 15, p99Ms: 151 });
  expect(() => parseEndToEndLatency('nothing')).toThrow(/no latency summary/);
});

const pair = (o: Partial<Pair>): Pair => ({ name: 'R_x', what: 'w', unit: 'records/s', ours: [], theirs: [], oursLabel: 'ours', theirsLabel: 'theirs', goal: 0.7, ...o });

test('ratios per repetition with their median and spread; a latency pair is theirs over ours', () => {
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
