import { addEvent, emptyAggregate, LATENCY_BUCKETS, quantile, recompute, windowStartOf } from './window.js';

describe('tumbling windows', () => {
  test('an event belongs to the 10 s window that holds its timestamp', () => {
    expect(new Date(windowStartOf('2026-01-01T00:00:09.999Z')).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new Date(windowStartOf('2026-01-01T00:00:10.000Z')).toISOString()).toBe('2026-01-01T00:00:10.000Z');
    expect(new Date(windowStartOf('2026-01-01T01:00:15+01:00')).toISOString()).toBe('2026-01-01T00:00:10.000Z');
  });

  test('percentiles are the upper bound of the bucket holding the rank', () => {
    const a = emptyAggregate(0, 's', 'info', 0);
    for (let i = 0; i < 98; i++) addEvent(a, { latencyMs: 3 });
    addEvent(a, { latencyMs: 150 });
    addEvent(a, { latencyMs: 60_000 });
    expect(a.count).toBe(100);
    expect([a.p50Ms, a.p95Ms, a.p99Ms]).toEqual([5, 5, 200]);
    expect(quantile(a.latency.buckets, 1)).toBe(Infinity);
    expect(a.latency.maxMs).toBe(60_000);
    expect(a.latency.buckets).toHaveLength(LATENCY_BUCKETS.length + 1);
  });

  test('events without latency count but do not enter the percentiles', () => {
    const a = emptyAggregate(0, 's', 'info', 0);
    addEvent(a, {});
    expect([a.count, a.latency.count, a.p50Ms]).toEqual([1, 0, null]);
  });

  test('recompute groups by window, service, level and input partition', () => {
    const ev = (timestamp: string, service: string, level: 'info' | 'error', latencyMs?: number) => ({ timestamp, service, level, latencyMs });
    const r = recompute([
      { event: ev('2026-01-01T00:00:01Z', 'a', 'info', 10), inputPartition: 0 },
      { event: ev('2026-01-01T00:00:02Z', 'a', 'info', 20), inputPartition: 0 },
      { event: ev('2026-01-01T00:00:03Z', 'a', 'info'), inputPartition: 1 },
      { event: ev('2026-01-01T00:00:11Z', 'a', 'info'), inputPartition: 0 },
      { event: ev('2026-01-01T00:00:04Z', 'a', 'error'), inputPartition: 0 },
    ]);
    expect(new Map([...r].map(([k, v]) => [k, v.count]))).toEqual(
      new Map([
        ['2026-01-01T00:00:00.000Z|a|info|0', 2],
        ['2026-01-01T00:00:00.000Z|a|info|1', 1],
        ['2026-01-01T00:00:10.000Z|a|info|0', 1],
        ['2026-01-01T00:00:00.000Z|a|error|0', 1],
      ]),
    );
  });
});
