// The de-duplication state's expiry: ids older than the horizon go, oldest first, and nothing newer.
import { expire } from './processor.js';

test('expire drops the ids first seen before the bound and keeps the rest in order', () => {
  const seen = new Map([['a', 1], ['b', 5], ['c', 9]]);
  expire(seen, 6);
  expect([...seen.keys()]).toEqual(['c']);
  expire(seen, 9);
  expect([...seen.keys()]).toEqual(['c']);
  expire(seen, 10);
  expect(seen.size).toBe(0);
});
