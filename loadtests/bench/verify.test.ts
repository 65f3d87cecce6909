import { recompute, type ProcessedEvent } from '../../pipeline/contract/index.js';
import { verdictHolds, verifyOutput } from './verify.js';

const event = (i: number, partition = i % 3): ProcessedEvent => ({
  id: `e-${i}`,
  service: ['a', 'b'][i % 2]!,
  level: 'info',
  message: 'm',
  timestamp: new Date(Date.UTC(2026, 11, 3, 19, 0, i % 30)).toISOString(),
  latencyMs: i * 7,
  ingestedAt: '2026-12-03T19:00:00.000Z',
  processedAt: '2026-12-03T19:00:00.000Z',
  severity: 1,
  category: 'other',
  source: { partition, offset: String(i) },
});

const events = Array.from({ length: 60 }, (_, i) => event(i));
const processed = events.map((e) => ({ key: e.id, value: JSON.stringify(e) }));
const aggregates = [...recompute(events.map((e) => ({ event: e, inputPartition: e.source.partition })))].map(([key, a]) => ({ key, value: JSON.stringify(a) }));
const ids = events.map((e) => e.id);

describe('bench output verification', () => {
  test('the right output holds', () => {
    const v = verifyOutput(ids, processed, aggregates);
    expect(v).toMatchObject({ expected: 60, lost: 0, duplicated: 0, unexpected: 0, altered: 0, wrongWindows: 0 });
    expect(v.windows).toBeGreaterThan(3);
    expect(verdictHolds(v)).toBe(true);
  });

  test('a lost event is caught, by name', () => {
    const v = verifyOutput(ids, processed.slice(1), aggregates);
    expect(v.lost).toBe(1);
    expect(v.examples).toContain('lost e-0');
    expect(verdictHolds(v)).toBe(false);
  });

  test('a duplicate is caught', () => {
    const v = verifyOutput(ids, [...processed, processed[7]!], aggregates);
    expect(v.duplicated).toBe(1);
    expect(verdictHolds(v)).toBe(false);
  });

  test('an aggregate that counted an event twice, or is missing, is caught', () => {
    const bad = JSON.parse(aggregates[0]!.value) as { count: number };
    bad.count++;
    expect(verifyOutput(ids, processed, [...aggregates, { key: aggregates[0]!.key, value: JSON.stringify(bad) }]).wrongWindows).toBe(1);
    expect(verifyOutput(ids, processed, aggregates.slice(1)).wrongWindows).toBe(1);
    // the latest update per key decides: a stale one earlier does not matter
    expect(verifyOutput(ids, processed, [{ key: aggregates[0]!.key, value: JSON.stringify(bad) }, ...aggregates]).wrongWindows).toBe(0);
  });

  test('a wrong percentile, an aggregate no event explains, a stray record and an altered event are each caught', () => {
    const bad = JSON.parse(aggregates[0]!.value) as { p99Ms: number | null };
    bad.p99Ms = 1;
    expect(verifyOutput(ids, processed, [...aggregates, { key: aggregates[0]!.key, value: JSON.stringify(bad) }]).wrongWindows).toBe(1);
    const stray = { ...JSON.parse(aggregates[0]!.value), level: 'error' };
    expect(verifyOutput(ids, processed, [...aggregates, { key: 'stray', value: JSON.stringify(stray) }]).wrongWindows).toBe(1);
    expect(verifyOutput(ids, [...processed, { key: 'x-1', value: processed[0]!.value }], aggregates).unexpected).toBe(1);
    expect(verifyOutput(ids, [...processed, { value: processed[0]!.value }], aggregates).unexpected).toBe(1);
    const sent = new Map(events.map((e) => [e.id, JSON.stringify({ id: e.id, service: e.service, level: e.level, message: e.message, timestamp: e.timestamp, latencyMs: e.latencyMs })]));
    expect(verifyOutput(ids, processed, aggregates, { sent })).toMatchObject({ altered: 0, wrongWindows: 0 });
    sent.set('e-3', sent.get('e-3')!.replace('"m"', '"changed"'));
    const v = verifyOutput(ids, processed, aggregates, { sent });
    expect(v.altered).toBe(1);
    expect(verdictHolds(v)).toBe(false);
  });

  test('an id of unknown outcome may be there or not; there twice is still a duplicate', () => {
    const maybe = new Set(['e-0']);
    expect(verdictHolds(verifyOutput(ids.slice(1), processed, aggregates, { maybe }))).toBe(true);
    expect(verdictHolds(verifyOutput(ids.slice(1), processed.slice(1), aggregates.filter((a) => !a.key.includes('|0')).concat(), { maybe }))).toBe(false);
    expect(verifyOutput(ids.slice(1), [...processed, processed[0]!], aggregates, { maybe }).duplicated).toBe(1);
  });

  test('nothing to compare is not a pass', () => {
    expect(verdictHolds(verifyOutput([], [], []))).toBe(false);
  });
});
