import { emptyAggregate, addEvent } from '../contract/index.js';
import { WindowTable } from './view.js';

const partial = (windowStartMs: number, service: string, level: string, partition: number, latencies: number[]) => {
  const a = emptyAggregate(windowStartMs, service, level, partition);
  for (const l of latencies) addEvent(a, { latencyMs: l });
  return a;
};

test('partial aggregates of one window merge across input partitions; a newer value of a partition replaces the older', () => {
  const t = new WindowTable();
  t.put(partial(0, 'checkout', 'error', 0, [5, 5]));
  t.put(partial(0, 'checkout', 'error', 1, [5, 900]));
  // partition 0 again, grown: replaces, not adds
  const row = t.put(partial(0, 'checkout', 'error', 0, [5, 5, 5]), '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  expect(row).toMatchObject({ count: 5, p50Ms: 5, p99Ms: 1000, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  expect(t.rows()).toHaveLength(1);
});

test('rows come newest window first, and only the last windows are kept', () => {
  const t = new WindowTable(2);
  for (const w of [0, 10_000, 20_000]) t.put(partial(w, 'search', 'info', 0, [1]));
  t.put(partial(20_000, 'auth', 'info', 0, [1]));
  expect(t.rows().map((r) => `${r.windowStart.slice(11, 19)} ${r.service}`)).toEqual(['00:00:20 auth', '00:00:20 search', '00:00:10 search']);
});
