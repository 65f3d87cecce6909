import { exportedGroup, offsetLag, timeLag } from './lag.js';

test('offset lag: end minus committed, clamped at the log start and never negative', () => {
  expect(offsetLag(10n, 0n, 25n)).toBe(15n);
  expect(offsetLag(25n, 0n, 25n)).toBe(0n);
  // committed below the log start: the deleted records are not owed
  expect(offsetLag(3n, 5n, 25n)).toBe(20n);
  // nothing committed: everything still in the log
  expect(offsetLag(null, 5n, 25n)).toBe(20n);
  // a committed offset past the end (a truncated log) is not a negative lag
  expect(offsetLag(30n, 0n, 25n)).toBe(0n);
});

test('time lag: seconds since the oldest unconsumed record; 0 when caught up; unknown stays unknown', () => {
  expect(timeLag({ timestamp: 1_000 }, 61_000)).toBe(60);
  expect(timeLag('caught-up', 61_000)).toBe(0);
  expect(timeLag('unknown', 61_000)).toBeNull();
  // a record stamped in the future (producer clock skew) is no negative lag
  expect(timeLag({ timestamp: 70_000 }, 61_000)).toBe(0);
});

test('exported groups: not transient readers with a UUID, not the probe itself', () => {
  expect(exportedGroup('faultline-process')).toBe(true);
  expect(exportedGroup('faultline-lag-probe-0b6f5c1e-8d1b-4c3e-9a55-2f1e0c9d7a10')).toBe(false);
  expect(exportedGroup('faultline-drain-0b6f5c1e-8d1b-4c3e-9a55-2f1e0c9d7a10')).toBe(false);
});
