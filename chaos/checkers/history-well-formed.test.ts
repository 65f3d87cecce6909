import { historyWellFormed } from './history-well-formed.js';
import { historyBuilder } from './test-fixtures.js';

describe('history-well-formed', () => {
  test('paired ops with unique ids are well formed, nemesis ops aside', () => {
    const h = historyBuilder().fault('broker-kill', ['broker-b'], 0, 10).write(1, ['a', 'b'], 0, 'ok').write(2, ['c'], 0, 'info').write(1, ['d'], 5, 'fail').aborted(3, ['e'], 6);
    const r = historyWellFormed(h.ops);
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ invokes: 4, completions: 4, violations: 0 });
  });

  test('an id in two invokes is reported as a workload bug', () => {
    const r = historyWellFormed(historyBuilder().write(1, ['a'], 0, 'ok').write(2, ['a', 'b'], 3, 'ok').write(3, ['c', 'c'], 5, 'ok').ops);
    expect(r.valid).toBe(false);
    expect(r.stats.repeatedIds).toBe(2);
    expect(r.counterexamples.map((c) => c.id)).toEqual(['a', 'c']);
    expect(r.counterexamples[0]!.what).toMatch(/written twice/);
  });

  test('a retry of ids whose attempt was unknown or failed is well formed; a retry of acknowledged ids, or an unmarked repeat, is not', () => {
    const ok = historyBuilder().write(1, ['a'], 0, 'info').write(1, ['a'], 5, 'fail', { retry: 1 }).write(1, ['a'], 9, 'ok', { retry: 2 });
    expect(historyWellFormed(ok.ops)).toMatchObject({ valid: true, stats: { retries: 2, repeatedIds: 0 } });
    const afterOk = historyBuilder().write(1, ['a'], 0, 'ok').write(1, ['a'], 5, 'ok', { retry: 1 });
    expect(historyWellFormed(afterOk.ops)).toMatchObject({ valid: false, stats: { repeatedIds: 1 } });
    const unmarked = historyBuilder().write(1, ['a'], 0, 'info').write(1, ['a'], 5, 'ok');
    expect(historyWellFormed(unmarked.ops)).toMatchObject({ valid: false, stats: { repeatedIds: 1 } });
  });

  test('an invoke without completion, a completion without invoke, and a completion before its invoke are reported', () => {
    const h = historyBuilder()
      .write(1, ['a'], 0, 'none')
      .raw({ process: 2, type: 'ok', f: 'write', value: { ids: ['x'] }, time: 3 })
      .write(3, ['b'], 10, 'ok', { took: -5 });
    const r = historyWellFormed(h.ops);
    expect(r.valid).toBe(false);
    // in time order the early completion of process 3 pairs with nothing and its invoke stays open
    expect(r.stats).toMatchObject({ pendingInvokes: 2, unpaired: 2 });
    expect(r.counterexamples.map((c) => c.what).join('\n')).toMatch(/never completed/);
  });

  test('a completion recorded after its invoke but stamped earlier is reported', () => {
    const r = historyWellFormed([
      { process: 1, type: 'invoke', f: 'write', value: { ids: ['a'] }, time: 10 },
      { process: 1, type: 'ok', f: 'write', value: { ids: ['a'] }, time: 4 },
    ]);
    expect(r.valid).toBe(false);
    expect(r.counterexamples[0]!.what).toMatch(/before its invoke/);
  });

  test('a completion of another f, or naming ids the invoke did not carry, is reported', () => {
    const h = historyBuilder()
      .raw({ process: 1, type: 'invoke', f: 'write', value: { ids: ['a'] }, time: 0 })
      .raw({ process: 1, type: 'ok', f: 'write-aborted', value: { ids: ['a'] }, time: 1 })
      .raw({ process: 2, type: 'invoke', f: 'write', value: { ids: ['b'] }, time: 2 })
      .raw({ process: 2, type: 'ok', f: 'write', value: { ids: ['b'], acked: [{ id: 'z', partition: 0, offset: '1' }] }, time: 3 });
    const r = historyWellFormed(h.ops);
    expect(r.valid).toBe(false);
    expect(r.stats.mismatched).toBe(2);
    expect(r.counterexamples[1]!.id).toBe('z');
  });

  test('a history without client ops proves nothing', () => {
    expect(historyWellFormed(historyBuilder().fault('broker-kill', ['broker-a'], 0, 1).ops).valid).toBe('unknown');
  });
});
