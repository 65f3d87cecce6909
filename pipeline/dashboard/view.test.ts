import { LATENCY_BUCKETS, emptyAggregate, addEvent, quantile } from '../contract/index.js';
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

test('a window older than every one kept comes and goes at once: its row is empty and rows() never shows it', () => {
  const t = new WindowTable(2);
  for (const w of [10_000, 20_000]) t.put(partial(w, 'search', 'info', 0, [1]));
  expect(t.put(partial(0, 'search', 'info', 0, [1, 1]))).toMatchObject({ count: 0, p50Ms: null, p99Ms: null });
  expect(t.rows().map((r) => r.windowStart.slice(11, 19))).toEqual(['00:00:20', '00:00:10']);
});

type Entry = { w: number; s: string; l: string; p: number; lat: number[] };

/** The reference row: the partials of one (window, service, level) found by scanning the whole list, merged by hand. */
const scan = (all: Entry[], w: number, s: string, l: string) => {
  const buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  let count = 0;
  for (const e of all.filter((e) => e.w === w && e.s === s && e.l === l)) {
    const a = partial(e.w, e.s, e.l, e.p, e.lat);
    count += a.count;
    a.latency.buckets.forEach((b, i) => (buckets[i]! += b));
  }
  return { windowStart: new Date(w).toISOString(), service: s, level: l, count, p50Ms: quantile(buckets, 0.5), p99Ms: quantile(buckets, 0.99) };
};

test('the indexed table gives what a whole scan gives, put by put, over a long mixed sequence', () => {
  // a fixed pseudo-random sequence: windows arriving mostly in order, some late; services and levels that a '|'
  // joined key would confuse ('a|b' + 'c' against 'a' + 'b|c')
  // Park-Miller: every product stays below 2^53, so exact in a double
  let x = 12345;
  const next = (n: number) => ((x = (x * 48271) % 2147483647), x % n);
  const names: [string, string][] = [['a|b', 'c'], ['a', 'b|c'], ['checkout', 'error'], ['search', 'info']];
  const keep = 4;
  const t = new WindowTable(keep);
  // the reference: every partial in one list, merged and pruned by scanning it all
  let all: Entry[] = [];
  let late = 0;
  const used = new Set<string>();
  let newest = 0;
  for (let i = 0; i < 600; i++) {
    newest += next(5) === 0 ? 10_000 : 0;
    // mostly the newest windows; now and then one older than every window kept
    const w = Math.max(0, newest - 10_000 * (next(8) === 0 ? keep + next(3) : next(3)));
    const [s, l] = names[next(names.length)]!;
    const p = next(3);
    const lat = Array.from({ length: 1 + next(4) }, () => 1 + next(2000));
    all = all.filter((e) => !(e.w === w && e.s === s && e.l === l && e.p === p)).concat([{ w, s, l, p, lat }]);
    const windows = [...new Set(all.map((e) => e.w))].sort((a, b) => a - b);
    all = all.filter((e) => windows.slice(-keep).includes(e.w));
    const row = t.put(partial(w, s, l, p, lat));
    if (row.count === 0) late++;
    used.add(`${s}\u0000${l}`);
    // a window pruned at once has no partials left: its row is empty
    expect(row).toEqual(scan(all, w, s, l));
  }
  const keys = [...new Map(all.map((e) => [`${e.w}\u0000${e.s}\u0000${e.l}`, e])).values()];
  const rows = keys.map((e) => scan(all, e.w, e.s, e.l)).sort((a, b) => b.windowStart.localeCompare(a.windowStart) || a.service.localeCompare(b.service) || a.level.localeCompare(b.level));
  expect(t.rows()).toEqual(rows);
  expect(new Set(t.rows().map((r) => r.windowStart)).size).toBeLessThanOrEqual(keep);
  // the sequence did what it is for: late windows pruned at once, every name pair used
  expect(late).toBeGreaterThan(10);
  expect(used.size).toBe(names.length);
});
