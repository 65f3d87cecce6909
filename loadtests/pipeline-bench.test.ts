import { benchId, cpuTicks, quantileOf, sentAtOf } from './pipeline-bench.js';

test('bench ids carry their send time and the run; others are not ours', () => {
  const id = benchId('r1', 1_795_000_000_123, 42);
  expect(sentAtOf(id, 'r1')).toBe(1_795_000_000_123);
  expect(sentAtOf(id, 'r2')).toBeUndefined();
  expect(sentAtOf('e2e-xyz-1', 'r1')).toBeUndefined();
});

test('nearest-rank quantiles', () => {
  const v = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(quantileOf(v, 0.5)).toBe(50);
  expect(quantileOf(v, 0.99)).toBe(99);
  expect(quantileOf(v, 1)).toBe(100);
  expect(quantileOf([], 0.5)).toBeNull();
});

test('cpu ticks of this process are read from /proc; a gone pid is undefined', () => {
  expect(cpuTicks(process.pid)).toBeGreaterThanOrEqual(0);
  expect(cpuTicks(2 ** 22 + 7)).toBeUndefined();
});
