import { MAX_COUNTEREXAMPLES } from './evidence.js';
import { noLostWrites } from './no-lost-writes.js';
import { historyBuilder, readsOf, rec } from './test-fixtures.js';

const RAW = 'logs.raw';

describe('no-lost-writes', () => {
  test('every acknowledged id read back is valid', () => {
    const h = historyBuilder().write(1, ['a', 'b'], 0, 'ok').write(2, ['c'], 1, 'ok').write(3, ['d'], 2, 'fail');
    const r = noLostWrites(h.ops, readsOf(RAW, 0, ['b', 'a', 'c']), { topic: RAW });
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ acknowledged: 3, read: 3, lost: 0 });
    expect(r.summary).toMatch(/^3 acknowledged, 3 read, 0 lost/);
  });

  test('an acknowledged id never read is lost, with the fault active at its invoke, its trace and its acked offset', () => {
    const h = historyBuilder()
      .fault('broker-kill', ['broker-b'], 5, 50)
      .write(1, ['a'], 0, 'ok')
      .write(2, ['b'], 10, 'ok', { acked: [{ id: 'b', partition: 1, offset: '42' }], traces: { b: 'trace-b' } });
    const r = noLostWrites(h.ops, readsOf(RAW, 0, ['a']), { topic: RAW });
    expect(r.valid).toBe(false);
    expect(r.stats.lost).toBe(1);
    expect(r.counterexamples).toEqual([
      {
        id: 'b',
        what: expect.stringContaining('never read from logs.raw'),
        where: [{ topic: RAW, partition: 1, offset: '42' }],
        during: ['broker-kill broker-b'],
        traceId: 'trace-b',
        time: 10,
      },
    ]);
  });

  test('reads of another topic do not count', () => {
    const h = historyBuilder().write(1, ['a'], 0, 'ok');
    expect(noLostWrites(h.ops, readsOf('logs.processed', 0, ['a']), { topic: RAW }).valid).toBe(false);
  });

  test('info ids are neither acknowledged nor lost, read or not', () => {
    const h = historyBuilder().write(1, ['a'], 0, 'ok').write(2, ['i1'], 1, 'info').write(3, ['i2'], 2, 'none').write(4, ['i3'], 3, 'info');
    const r = noLostWrites(h.ops, readsOf(RAW, 0, ['a', 'i1']), { topic: RAW });
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ acknowledged: 1, lost: 0, unknownOutcome: 3, unknownRead: 1 });
  });

  test('ids the server refused are not owed', () => {
    const h = historyBuilder().write(1, ['a', 'bad'], 0, 'ok', { refused: ['bad'] });
    const r = noLostWrites(h.ops, readsOf(RAW, 0, ['a']), { topic: RAW });
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ acknowledged: 1, refused: 1 });
  });

  test('nothing acknowledged proves nothing', () => {
    const h = historyBuilder().write(1, ['a'], 0, 'info').write(2, ['b'], 0, 'fail');
    expect(noLostWrites(h.ops, [], { topic: RAW }).valid).toBe('unknown');
  });

  test('idOf reads the id from wherever the workload put it', () => {
    const h = historyBuilder().write(1, ['a'], 0, 'ok');
    const reads = [rec(RAW, 0, 0, undefined, JSON.stringify({ id: 'a' }))];
    expect(noLostWrites(h.ops, reads, { topic: RAW }).valid).toBe(false);
    expect(noLostWrites(h.ops, reads, { topic: RAW, idOf: (r) => (JSON.parse(r.value) as { id: string }).id }).valid).toBe(true);
  });

  test(`at most ${MAX_COUNTEREXAMPLES} counterexamples, the stats keep the full count`, () => {
    const ids = Array.from({ length: 120 }, (_, i) => `e${i}`);
    const r = noLostWrites(historyBuilder().write(1, ids, 0, 'ok').ops, [], { topic: RAW });
    expect(r.stats.lost).toBe(120);
    expect(r.counterexamples).toHaveLength(MAX_COUNTEREXAMPLES);
    expect(r.summary).toMatch(/first 50 of 120/);
  });
});
