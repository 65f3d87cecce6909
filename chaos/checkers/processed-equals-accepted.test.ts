import { processedEqualsAccepted } from './processed-equals-accepted.js';
import { historyBuilder, processedEvent, processedRecords } from './test-fixtures.js';

const records = (ids: string[], service?: string) => processedRecords(ids.map((id) => processedEvent(id, service ? { service } : {})));
const base = () => historyBuilder().write(1, ['a', 'b'], 0, 'ok').write(2, ['i1', 'i2'], 1, 'info').write(3, ['f1'], 2, 'fail').aborted(4, ['ab1'], 3);

describe('processed-equals-accepted', () => {
  test('processed ids equal acknowledged ids; info ids may go either way', () => {
    const r = processedEqualsAccepted(base().ops, records(['a', 'i1', 'b']));
    expect(r.valid).toBe(true);
    expect(r.stats).toMatchObject({ acknowledged: 2, processedIds: 3, missing: 0, phantom: 0, unknownOutcome: 2, unknownProcessed: 1 });
  });

  test('an acknowledged id never processed is lost downstream', () => {
    const h = base().fault('processor-kill', ['process-zone-a'], 0, 30);
    const r = processedEqualsAccepted(h.ops, records(['a']));
    expect(r.valid).toBe(false);
    expect(r.counterexamples).toEqual([{ id: 'b', what: expect.stringContaining('lost downstream'), during: ['processor-kill process-zone-a'], time: 0 }]);
  });

  test('a processed id that was never acknowledged is a phantom: unknown, failed or aborted', () => {
    const r = processedEqualsAccepted(base().ops, records(['a', 'b', 'zzz', 'f1', 'ab1']));
    expect(r.valid).toBe(false);
    expect(r.stats.phantom).toBe(3);
    expect(r.counterexamples.map((c) => [c.id, c.what])).toEqual([
      ['zzz', 'processed but never acknowledged: no write ever carried it (phantom)'],
      ['f1', 'processed but never acknowledged: its write failed (phantom)'],
      ['ab1', 'processed but never acknowledged: it was written in an aborted transaction (phantom)'],
    ]);
    expect(r.counterexamples[0]!.where).toEqual([{ topic: 'logs.processed', partition: 0, offset: '2' }]);
  });

  test('with services given, records of other runs are out of scope', () => {
    const processed = [...records(['a', 'b'], 'svc-run1'), ...records(['old-1'], 'svc-run0')];
    expect(processedEqualsAccepted(base().ops, processed).valid).toBe(false);
    const r = processedEqualsAccepted(base().ops, processed, { services: ['svc-run1'] });
    expect(r.valid).toBe(true);
    expect(r.stats.outOfScope).toBe(1);
  });

  test('nothing acknowledged proves nothing', () => {
    expect(processedEqualsAccepted(historyBuilder().write(1, ['i'], 0, 'info').ops, records(['i'])).valid).toBe('unknown');
  });
});
