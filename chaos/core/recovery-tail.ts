// The load's end. A run's load lasts its duration; but a fault healed near the
// end can leave writes stalled past it (a killed leader's clients wait out
// their timeouts), and then recovery-bounds has no write after the heal and
// can only say UNKNOWN. Jepsen's answer is a recovery period after the last
// heal: the load goes on, past its duration, until a write is acknowledged
// after the last heal or the recovery bound has passed since it. Either way
// the verdict is decidable: the gap is measured, or it is over the bound.
import { sleep } from './context.js';
import type { History } from './history.js';
import type { Op } from './types.js';

/** How far past the recovery bound the tail may run (the workloads are given this much more too). */
export const TAIL_MARGIN_MS = 2000;

export interface SinceLastHeal {
  /** When the last fault was undone (or its undo failed), ms into the run; none when no fault ended. */
  lastHealMs?: number;
  /** The first write acknowledged after it, ms into the run. */
  firstWriteMs?: number;
}

export function sinceLastHeal(ops: readonly Op[]): SinceLastHeal {
  let lastHealMs: number | undefined;
  for (const op of ops) if (op.process === 'nemesis' && op.f === 'stop' && op.type !== 'invoke') lastHealMs = lastHealMs === undefined ? op.time : Math.max(lastHealMs, op.time);
  if (lastHealMs === undefined) return {};
  const first = ops.find((op) => op.process !== 'nemesis' && op.f === 'write' && op.type === 'ok' && op.time > lastHealMs!);
  return { lastHealMs, firstWriteMs: first?.time };
}

/**
 * Resolves when the load should stop: at `endMs` (ms into the run: the load's planned end) when no fault was healed
 * or a write has been acknowledged since the last heal; otherwise when one is, or `recoveryMs` after the last heal,
 * whichever is first (and never later than `endMs + recoveryMs`). Returns a note when the load ran past its end.
 */
export async function recoveryTail(history: History, endMs: number, recoveryMs: number, signal: AbortSignal, log: (l: string) => void): Promise<string | undefined> {
  await sleep(Math.max(0, endMs - history.now()), signal);
  const first = sinceLastHeal(history.ops);
  if (signal.aborted || first.lastHealMs === undefined || first.firstWriteMs !== undefined || recoveryMs <= 0) return undefined;
  // a little past the bound, so that a gap that reaches it is measured as over it, not as equal
  const until = Math.min(first.lastHealMs + recoveryMs, endMs + recoveryMs) + TAIL_MARGIN_MS;
  if (history.now() >= until) return undefined;
  log(`  no write acknowledged since the last heal (t=${(first.lastHealMs / 1000).toFixed(1)} s): the load goes on until one is, at most until t=${(until / 1000).toFixed(1)} s`);
  let s = first;
  for (let i = 0; i < 100_000 && !signal.aborted && history.now() < until && s.firstWriteMs === undefined; i++) {
    await sleep(Math.min(250, Math.max(0, until - history.now())), signal);
    s = sinceLastHeal(history.ops);
  }
  const endedMs = history.now();
  const why =
    s.firstWriteMs !== undefined
      ? `a write was acknowledged at t=${(s.firstWriteMs / 1000).toFixed(1)} s`
      : signal.aborted
        ? `the load ended first, at t=${(endedMs / 1000).toFixed(1)} s`
        : `none was acknowledged by t=${(until / 1000).toFixed(1)} s, the recovery bound (${(recoveryMs / 1000).toFixed(0)} s) after it`;
  const note = `the load ran ${(Math.max(0, endedMs - endMs) / 1000).toFixed(1)} s past its planned end: no write had been acknowledged since the last heal (t=${(first.lastHealMs / 1000).toFixed(1)} s); ${why}`;
  log(`  ${note}`);
  return note;
}
