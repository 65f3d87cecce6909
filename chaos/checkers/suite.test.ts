import { judge, type RunEvidence } from './suite.js';

const base: RunEvidence = { ops: [], reads: new Map(), topics: { input: 'raw' }, mayAbort: false, idOf: (r) => r.key, services: ['s'], caughtUp: [] };
const names = (e: Partial<RunEvidence>) => judge({ ...base, ...e }).map((c) => c.name);

test('a direct, non-transactional workload without stages is judged on its topic alone', () => {
  expect(names({ faults: { names: ['broker-kill'], boundMs: 10_000, holdingFaults: [] } })).toEqual(['history-well-formed', 'no-lost-writes', 'no-duplicates', 'offsets-monotonic', 'recovery-bounds']);
});

test('the pipeline is judged on every property, in the order the verdict lists them', () => {
  const e = {
    topics: { input: 'raw', processed: 'processed', aggregates: 'aggregates' },
    mayAbort: true,
    faults: { names: ['zone-partition'], boundMs: 45_000, holdingFaults: [] },
    caughtUp: [{ group: 'faultline-process', ms: 1000 }],
  };
  expect(names(e)).toEqual([
    'history-well-formed',
    'no-lost-writes',
    'no-duplicates',
    'offsets-monotonic',
    'no-aborted-reads',
    'processed-equals-accepted',
    'no-duplicates (processed)',
    'aggregates-equal-recomputed',
    'recovery-bounds',
    'stages-caught-up',
  ]);
});

test('a load without faults has no recovery to bound; processors without aggregates are not recomputed', () => {
  expect(names({ topics: { input: 'raw', processed: 'p' }, caughtUp: [{ group: 'g', error: 'stuck' }] })).toEqual([
    'history-well-formed',
    'no-lost-writes',
    'no-duplicates',
    'offsets-monotonic',
    'processed-equals-accepted',
    'no-duplicates (processed)',
    'stages-caught-up',
  ]);
  expect(judge({ ...base, caughtUp: [{ group: 'g', error: 'stuck' }] }).find((c) => c.name === 'stages-caught-up')!.valid).toBe(false);
});
