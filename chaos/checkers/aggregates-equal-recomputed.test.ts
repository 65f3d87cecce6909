import type { WindowAggregate } from '../../pipeline/contract/index.js';
import { aggregatesEqualRecomputed } from './aggregates-equal-recomputed.js';
import { aggregateRecords, correctAggregates, processedEvent, processedRecords, rec } from './test-fixtures.js';

const events = [
  processedEvent('a', { timestamp: '2026-01-01T00:00:01Z', latencyMs: 3 }),
  processedEvent('b', { timestamp: '2026-01-01T00:00:02Z', latencyMs: 30 }),
  processedEvent('c', { timestamp: '2026-01-01T00:00:03Z', level: 'error' }),
  processedEvent('d', { timestamp: '2026-01-01T00:00:12Z', partition: 1 }),
];
const processed = processedRecords(events);
const KEY = '2026-01-01T00:00:00.000Z|svc-run1|info|0';
const clone = (a: WindowAggregate): WindowAggregate => JSON.parse(JSON.stringify(a)) as WindowAggregate;

describe('aggregates-equal-recomputed', () => {
  test('the latest aggregate per key equals the recomputed one, earlier partial values are superseded', () => {
    const right = correctAggregates(events);
    const partial = correctAggregates(events.slice(0, 1));
    const r = aggregatesEqualRecomputed(processed, [...aggregateRecords(partial), ...aggregateRecords(right, 0, 10)]);
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ processedEvents: 4, expectedWindows: 3, actualWindows: 3, matching: 3 });
  });

  test('a wrong count shows expected against actual', () => {
    const aggs = correctAggregates(events).map(clone);
    const wrong = aggs.find((a) => a.level === 'info' && a.inputPartition === 0)!;
    wrong.count = 1;
    const r = aggregatesEqualRecomputed(processed, aggregateRecords(aggs));
    expect(r.valid).toBe(false);
    expect(r.stats.wrong).toBe(1);
    expect(r.counterexamples[0]!.what).toBe(`${KEY}: expected count 2, buckets [0,0,1,0,0,1,0,0,0,0,0,0,0,0], got count 1, buckets [0,0,1,0,0,1,0,0,0,0,0,0,0,0]`);
    expect(r.counterexamples[0]!.where).toHaveLength(1);
  });

  test('wrong latency buckets with the right count are a violation', () => {
    const aggs = correctAggregates(events).map(clone);
    const wrong = aggs.find((a) => a.level === 'info' && a.inputPartition === 0)!;
    wrong.latency.buckets = [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(aggregatesEqualRecomputed(processed, aggregateRecords(aggs)).valid).toBe(false);
  });

  test('a missing window is a violation', () => {
    const aggs = correctAggregates(events).filter((a) => a.inputPartition !== 1);
    const r = aggregatesEqualRecomputed(processed, aggregateRecords(aggs));
    expect(r.valid).toBe(false);
    expect(r.counterexamples.map((c) => c.what)).toEqual(['2026-01-01T00:00:10.000Z|svc-run1|info|1: missing window (expected count 1, buckets [0,0,0,0,0,0,0,0,0,0,0,0,0,0])']);
  });

  test('an extra window with no processed event in it is a violation', () => {
    const extra = correctAggregates([processedEvent('z', { timestamp: '2026-01-01T00:01:00Z' })]);
    const r = aggregatesEqualRecomputed(processed, aggregateRecords([...correctAggregates(events), ...extra]));
    expect(r.valid).toBe(false);
    expect(r.stats).toMatchObject({ extra: 1, matching: 3 });
  });

  test('services restrict both sides: windows of other runs are ignored', () => {
    const other = processedEvent('o', { service: 'svc-run0' });
    const otherAggs = correctAggregates([other]).map(clone);
    otherAggs[0]!.count = 99;
    const r = aggregatesEqualRecomputed([...processed, ...processedRecords([other], 3)], aggregateRecords([...correctAggregates(events), ...otherAggs]), { services: ['svc-run1'] });
    expect(r.valid).toBe(true);
    expect(aggregatesEqualRecomputed([...processed, ...processedRecords([other], 3)], aggregateRecords([...correctAggregates(events), ...otherAggs])).valid).toBe(false);
  });

  test('an unparseable aggregate in scope is a violation', () => {
    const r = aggregatesEqualRecomputed(processed, [...aggregateRecords(correctAggregates(events)), rec('logs.aggregates', 0, 50, KEY, 'not json')]);
    expect(r.valid).toBe(false);
    expect(r.stats.unparseableAggregates).toBe(1);
  });

  test('no processed events proves nothing', () => {
    expect(aggregatesEqualRecomputed([], []).valid).toBe('unknown');
  });
});
