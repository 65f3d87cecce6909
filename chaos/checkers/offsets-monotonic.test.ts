import { offsetsMonotonic } from './offsets-monotonic.js';
import { historyBuilder, rec } from './test-fixtures.js';

const RAW = 'logs.raw';
const acked = (id: string, partition: number, offset: number) => ({ id, partition, offset: String(offset) });

describe('offsets-monotonic', () => {
  test('increasing offsets per partition holding their acked ids are valid', () => {
    const h = historyBuilder().write(1, ['a', 'b'], 0, 'ok', { acked: [acked('a', 0, 5), acked('b', 1, 3)] });
    const reads = [rec(RAW, 0, 5, 'a'), rec(RAW, 1, 3, 'b'), rec(RAW, 0, 9, 'x'), rec(RAW, 1, 4, 'y')];
    const r = offsetsMonotonic(h.ops, reads, { topic: RAW });
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ records: 4, partitions: 2, ackedOffsets: 2, ackedOffsetsRead: 2 });
  });

  test('offsets compare as integers, not strings or doubles', () => {
    const reads = [rec(RAW, 0, '9', 'a'), rec(RAW, 0, '10', 'b'), rec(RAW, 0, '9007199254740993', 'c'), rec(RAW, 0, '9007199254740994', 'd')];
    expect(offsetsMonotonic([], reads, { topic: RAW }).valid).toBe(true);
  });

  test('an offset read after a higher one in the same partition is a violation', () => {
    const r = offsetsMonotonic([], [rec(RAW, 0, 1, 'a'), rec(RAW, 0, 3, 'b'), rec(RAW, 1, 0, 'z'), rec(RAW, 0, 2, 'c')], { topic: RAW });
    expect(r.valid).toBe(false);
    expect(r.counterexamples[0]).toMatchObject({
      id: 'c',
      where: [
        { topic: RAW, partition: 0, offset: '3' },
        { topic: RAW, partition: 0, offset: '2' },
      ],
    });
    expect(r.summary).toMatch(/only read order was checked/);
  });

  test('an acked offset holding another id is an inconsistent offset', () => {
    const h = historyBuilder().fault('leader-kill', ['broker-a'], 0, 20).write(1, ['a'], 5, 'ok', { acked: [acked('a', 0, 5)], traces: { a: 'tr' } });
    const r = offsetsMonotonic(h.ops, [rec(RAW, 0, 5, 'other'), rec(RAW, 0, 6, 'a')], { topic: RAW });
    expect(r.valid).toBe(false);
    expect(r.stats.inconsistentOffsets).toBe(2);
    expect(r.counterexamples.map((c) => c.what)).toEqual([
      'offset 0/5 was acknowledged for a but holds other',
      'acknowledged at offset 0/5 but read at 0/6',
    ]);
    expect(r.counterexamples[0]).toMatchObject({ id: 'a', during: ['leader-kill broker-a'], traceId: 'tr', time: 5 });
  });

  test('two ids acknowledged at the same offset are inconsistent even before reading', () => {
    const h = historyBuilder().write(1, ['a'], 0, 'ok', { acked: [acked('a', 0, 1)] }).write(2, ['b'], 1, 'ok', { acked: [acked('b', 0, 1)] });
    const r = offsetsMonotonic(h.ops, [], { topic: RAW });
    expect(r.valid).toBe(false);
    expect(r.counterexamples[0]!.what).toBe('offset 0/1 acknowledged for two ids: a and b');
  });

  test('nothing read proves nothing', () => {
    expect(offsetsMonotonic(historyBuilder().write(1, ['a'], 0, 'ok').ops, [rec('logs.dlq', 0, 0, 'a')], { topic: RAW }).valid).toBe('unknown');
  });
});
