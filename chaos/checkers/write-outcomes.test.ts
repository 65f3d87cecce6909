import { historyBuilder } from './test-fixtures.js';
import { writeOutcomes } from './write-outcomes.js';

describe('write outcomes', () => {
  test('each id gets the outcome of the op that carried it', () => {
    const h = historyBuilder()
      .write(1, ['ok1', 'ref1'], 0, 'ok', { refused: ['ref1'], acked: [{ id: 'ok1', partition: 2, offset: '7' }], traces: { ok1: 't-ok1' } })
      .write(2, ['f1'], 1, 'fail')
      .write(3, ['i1'], 2, 'info')
      .write(4, ['p1'], 3, 'none')
      .aborted(5, ['ab1'], 4, 'ok')
      .aborted(6, ['ab2'], 5, 'fail');
    const o = writeOutcomes(h.ops);
    expect(Object.fromEntries([...o].map(([id, w]) => [id, w.outcome]))).toEqual({ ok1: 'ok', ref1: 'refused', f1: 'fail', i1: 'info', p1: 'info', ab1: 'aborted', ab2: 'fail' });
    expect(o.get('ok1')).toEqual({ id: 'ok1', outcome: 'ok', f: 'write', process: 1, invokeTime: 0, completeTime: 1, traceId: 't-ok1', acked: { partition: 2, offset: '7' }, invokes: 1 });
    expect(o.get('p1')?.completeTime).toBeUndefined();
  });

  test('an invoke left open by the next invoke of the same process is info', () => {
    const h = historyBuilder().write(1, ['a'], 0, 'none').write(1, ['b'], 5, 'ok');
    const o = writeOutcomes(h.ops);
    expect([o.get('a')?.outcome, o.get('b')?.outcome]).toEqual(['info', 'ok']);
  });

  test('an id written twice (a workload bug) is acknowledged if any of its writes was', () => {
    const h = historyBuilder().write(1, ['a'], 0, 'fail').write(2, ['a'], 5, 'ok').write(3, ['b'], 6, 'info').write(4, ['b'], 7, 'fail');
    const o = writeOutcomes(h.ops);
    expect([o.get('a')?.outcome, o.get('a')?.invokes, o.get('b')?.outcome]).toEqual(['ok', 2, 'info']);
  });
});
