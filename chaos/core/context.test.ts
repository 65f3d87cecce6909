import { getEventListeners } from 'node:events';
import { paced, pick, seeded, sleep } from './context.js';

test('the same seed gives the same choices (a run replays with --seed), another seed others', () => {
  const a = seeded(42);
  const b = seeded(42);
  const xs = Array.from({ length: 20 }, () => a());
  expect(Array.from({ length: 20 }, () => b())).toEqual(xs);
  expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  const c = seeded(43);
  expect(Array.from({ length: 20 }, () => c())).not.toEqual(xs);
  expect(pick(seeded(1), ['broker-a', 'broker-b', 'broker-c'])).toBe(pick(seeded(1), ['broker-a', 'broker-b', 'broker-c']));
  expect(() => pick(seeded(1), [])).toThrow(/nothing to pick/);
});

test('sleep ends early on abort and leaves no listener behind when it times out', async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  const s = sleep(10_000, ac.signal);
  ac.abort();
  await s;
  expect(Date.now() - t0).toBeLessThan(1000);
  const ac2 = new AbortController();
  for (let i = 0; i < 20; i++) await sleep(1, ac2.signal);
  // Node warns past 10 listeners: the timed-out sleeps removed theirs
  expect(getEventListeners(ac2.signal, 'abort')).toHaveLength(0);
});

test('paced steps on schedule until the end, bounded, and stops on abort', async () => {
  const seqs: number[] = [];
  const t0 = Date.now();
  await paced({ intervalMs: 20, offsetMs: 0, endAt: t0 + 200, signal: new AbortController().signal }, async (seq) => void seqs.push(seq));
  expect(seqs[0]).toBe(0);
  expect(seqs.length).toBeGreaterThan(3);
  expect(seqs.length).toBeLessThanOrEqual(11);
  const ac = new AbortController();
  const steps: number[] = [];
  setTimeout(() => ac.abort(), 50);
  await paced({ intervalMs: 10, offsetMs: 0, endAt: Date.now() + 60_000, signal: ac.signal }, async (seq) => void steps.push(seq));
  expect(Date.now() - t0).toBeLessThan(5000);
});
