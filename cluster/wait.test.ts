import { TimeoutError, waitFor } from './wait.js';

describe('waitFor', () => {
  test('returns the first truthy value', async () => {
    let n = 0;
    await expect(waitFor('n to reach 3', () => (++n >= 3 ? n : undefined), { timeoutMs: 2000, intervalMs: 1 })).resolves.toBe(3);
  });

  test('times out with the condition and the last error in the message', async () => {
    const p = waitFor('the impossible', () => {
      throw new Error('still broken');
    }, { timeoutMs: 30, intervalMs: 5 });
    await expect(p).rejects.toThrow(TimeoutError);
    await expect(p).rejects.toThrow(/the impossible.*still broken/);
  });

  test('can report a timeout without throwing', async () => {
    await expect(waitFor('never', () => false, { timeoutMs: 20, intervalMs: 5, throwOnTimeout: false })).resolves.toBeUndefined();
  });
});
