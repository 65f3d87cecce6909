import { noAbortedReads } from './no-aborted-reads.js';
import { historyBuilder, readsOf } from './test-fixtures.js';

const RAW = 'logs.raw';
const base = () =>
  historyBuilder()
    .write(1, ['ok1'], 0, 'ok', { refused: [] })
    .write(2, ['f1'], 1, 'fail')
    .write(3, ['i1'], 2, 'info')
    .write(4, ['ok2', 'ref1'], 3, 'ok', { refused: ['ref1'] })
    .aborted(5, ['ab1'], 4, 'ok');

describe('no-aborted-reads', () => {
  test('acknowledged and unknown ids may be read; failed, refused and aborted ones are not', () => {
    const r = noAbortedReads(base().ops, readsOf(RAW, 0, ['ok1', 'i1', 'ok2']), { topic: RAW });
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ forbidden: 3, failed: 1, refused: 1, aborted: 1, abortedReads: 0 });
  });

  test('an id of a failed write that is read is a violation', () => {
    const h = base().fault('broker-pause', ['broker-c'], 0, 10);
    const r = noAbortedReads(h.ops, readsOf(RAW, 0, ['ok1', 'f1']), { topic: RAW });
    expect(r.valid).toBe(false);
    expect(r.counterexamples).toEqual([
      { id: 'f1', what: expect.stringContaining('its write failed'), where: [{ topic: RAW, partition: 0, offset: '1' }], during: ['broker-pause broker-c'], time: 1 },
    ]);
  });

  test('an id of an aborted transaction (write-aborted ok) that is read is a violation', () => {
    const r = noAbortedReads(base().ops, readsOf(RAW, 3, ['ab1']), { topic: RAW });
    expect(r.valid).toBe(false);
    expect(r.counterexamples[0]).toMatchObject({ id: 'ab1', what: expect.stringContaining('aborted') });
  });

  test('an id the server refused that is read is a violation', () => {
    const r = noAbortedReads(base().ops, readsOf(RAW, 0, ['ref1']), { topic: RAW });
    expect(r.valid).toBe(false);
    expect(r.counterexamples[0]).toMatchObject({ id: 'ref1', what: expect.stringContaining('refused') });
  });

  test('with no failed, refused or aborted writes nothing is proven', () => {
    const r = noAbortedReads(historyBuilder().write(1, ['a'], 0, 'ok').ops, readsOf(RAW, 0, ['a']), { topic: RAW });
    expect(r.valid).toBe('unknown');
  });
});
