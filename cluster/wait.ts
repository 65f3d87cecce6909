// Waiting on conditions with a deadline: the only way Faultline synchronises (no bare sleeps).
import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from './args.js';

export class TimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastError?: unknown,
  ) {
    super(
      `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}` +
        (lastError ? ` (last check: ${errorMessage(lastError)})` : ''),
    );
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  throwOnTimeout?: boolean;
  onPoll?: (elapsedMs: number) => void;
}

/** Polls `check` until it returns truthy; a throwing check counts as not yet. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  opts: WaitOptions,
): Promise<T | undefined> {
  const start = Date.now();
  const interval = opts.intervalMs ?? 250;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    const elapsed = Date.now() - start;
    if (elapsed >= opts.timeoutMs) {
      if (opts.throwOnTimeout === false) return undefined;
      throw new TimeoutError(what, opts.timeoutMs, lastError);
    }
    opts.onPoll?.(elapsed);
    await delay(Math.min(interval, opts.timeoutMs - elapsed));
  }
}
