import { noDuplicates } from './no-duplicates.js';
import { historyBuilder, readsOf, rec } from './test-fixtures.js';

const RAW = 'logs.raw';

describe('no-duplicates', () => {
  test('each id once is valid', () => {
    const r = noDuplicates([...readsOf(RAW, 0, ['a', 'b']), ...readsOf(RAW, 1, ['c'])], { topic: RAW });
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ records: 3, distinctIds: 3, duplicatedIds: 0 });
  });

  test('an id read twice is a duplicate; the counterexample lists every location and, given the history, its context', () => {
    const h = historyBuilder().fault('leader-kill', ['broker-a'], 0, 100).write(1, ['a'], 10, 'ok', { traces: { a: 'tr-a' } });
    const reads = [rec(RAW, 0, 0, 'a'), rec(RAW, 0, 1, 'b'), rec(RAW, 0, 2, 'a'), rec(RAW, 2, 9, 'a')];
    const r = noDuplicates(reads, { topic: RAW, history: h.ops });
    expect(r.valid).toBe(false);
    expect(r.stats).toMatchObject({ duplicatedIds: 1, extraCopies: 2 });
    expect(r.counterexamples[0]).toMatchObject({
      id: 'a',
      where: [
        { topic: RAW, partition: 0, offset: '0' },
        { topic: RAW, partition: 0, offset: '2' },
        { topic: RAW, partition: 2, offset: '9' },
      ],
      during: ['leader-kill broker-a'],
      traceId: 'tr-a',
    });
  });

  test('the same id in another topic is not a duplicate', () => {
    expect(noDuplicates([rec(RAW, 0, 0, 'a'), rec('logs.processed', 0, 0, 'a')], { topic: RAW }).valid).toBe(true);
  });

  test("a client's retried id may be read once per attempt in the retries' topic, never more, and never in a strict topic", () => {
    const h = historyBuilder().write(1, ['a', 'b'], 10, 'info').write(1, ['a', 'b'], 20, 'ok', { retry: 1 }).write(2, ['c'], 30, 'ok');
    const twice = [rec(RAW, 0, 0, 'a'), rec(RAW, 0, 1, 'a'), rec(RAW, 1, 0, 'b'), rec(RAW, 2, 0, 'c')];
    const ok = noDuplicates(twice, { topic: RAW, history: h.ops, retriesMayRepeat: true });
    expect(ok.valid).toBe(true);
    expect(ok.stats).toMatchObject({ retriedRepeats: 1, duplicatedIds: 0 });
    // three copies of an id sent twice, or two copies of an id sent once: duplicates
    expect(noDuplicates([...twice, rec(RAW, 0, 2, 'a')], { topic: RAW, history: h.ops, retriesMayRepeat: true }).valid).toBe(false);
    expect(noDuplicates([...twice, rec(RAW, 2, 1, 'c')], { topic: RAW, history: h.ops, retriesMayRepeat: true }).valid).toBe(false);
    // the processed topic is strict: a retried id twice there is a duplicate
    expect(noDuplicates(twice, { topic: RAW, history: h.ops }).valid).toBe(false);
  });

  test('nothing read proves nothing', () => {
    expect(noDuplicates([], { topic: RAW }).valid).toBe('unknown');
  });
});
