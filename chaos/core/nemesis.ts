// Nemeses (Jepsen's word): a fault that starts, records itself in the history,
// and is undone. Schedules say when: once, every N seconds, or at random gaps
// from the run's seed. Every injected fault is undone in a `finally`.
import type { ChaosContext } from './context.js';
import { sleep } from './context.js';
import type { FaultValue } from './types.js';
import { errorMessage } from '../../cluster/index.js';

/** A fault in place, and how to take it back. */
export interface Injected {
  targets: string[];
  detail?: string;
  undo(): Promise<void>;
  /**
   * After the undo is recorded (the fault's window has ended), wait until the system is whole again before the
   * schedule goes on: a broker brought back waits for every partition's full ISR. Not part of the fault's window.
   */
  settle?(): Promise<void>;
}

export interface Fault {
  /** verb-noun, e.g. `broker-kill`. */
  name: string;
  description: string;
  /** Coordination modes it applies to (zookeeper-kill has no meaning under KRaft). */
  modes?: ('zookeeper' | 'kraft')[];
  /**
   * The fault can hold writes for its whole length by design: a frozen broker keeps its connections open, so the
   * requests in flight to it wait the freeze out (a client's request timeout is longer than the freeze) and its
   * leadership moves only once its session expires. Its recovery bound counts from the fault's end, not its start.
   */
  holdsWrites?: boolean;
  inject(ctx: ChaosContext): Promise<Injected>;
}

export type Schedule =
  /** One fault `atMs` after the load starts, held for `holdMs`. */
  | { kind: 'once'; atMs: number; holdMs: number }
  /** A fault every `everyMs` (first after `firstMs`), each held `holdMs`. */
  | { kind: 'every'; firstMs: number; everyMs: number; holdMs: number }
  /** Gaps and holds drawn from the run's seed; each fault picked from `faults` of the nemesis. */
  | { kind: 'random'; firstMs: number; minGapMs: number; maxGapMs: number; minHoldMs: number; maxHoldMs: number };

/** Runs faults on a schedule until `durationMs` (or abort), then undoes whatever is still in place. */
export async function runNemesis(
  ctx: ChaosContext,
  faults: Fault[],
  schedule: Schedule,
  durationMs: number,
  signal: AbortSignal,
  // faults end before the load does: the tail shows whether writes came back
  tailMs = Math.max(5000, durationMs / 5),
): Promise<number> {
  const { rng, log } = ctx;
  // a load test is a run without faults: the same history, drain and checkers
  if (!faults.length) return 0;
  const start = Date.now();
  const left = () => durationMs - tailMs - (Date.now() - start);
  let injected = 0;
  const maxFaults = 1000; // every loop is bounded in count as well as time
  const draw = (lo: number, hi: number) => lo + Math.floor(rng() * Math.max(0, hi - lo));
  let wait = schedule.kind === 'once' ? schedule.atMs : schedule.firstMs;
  while (injected < maxFaults && !signal.aborted) {
    if (wait > 0) await sleep(Math.min(wait, Math.max(0, left())), signal);
    const hold = schedule.kind === 'random' ? draw(schedule.minHoldMs, schedule.maxHoldMs) : schedule.holdMs;
    // a fault that cannot be held and undone inside the load is not started
    if (signal.aborted || left() < Math.min(hold, 2000) || left() <= 0) break;
    const fault = schedule.kind === 'random' ? faults[Math.floor(rng() * faults.length)]! : faults[injected % faults.length]!;
    const began = Date.now();
    await once(ctx, fault, Math.min(hold, Math.max(0, left())), signal);
    injected++;
    if (schedule.kind === 'once') break;
    // every N s from one fault's start to the next, or as soon as the last one has settled if that took longer
    wait = schedule.kind === 'every' ? schedule.everyMs - (Date.now() - began) : draw(schedule.minGapMs, schedule.maxGapMs);
  }
  log(`nemesis: ${injected} fault(s) injected`);
  return injected;
}

/** One fault: start, record, hold, undo (always), record. */
export async function once(ctx: ChaosContext, fault: Fault, holdMs: number, signal?: AbortSignal): Promise<void> {
  const { history, log } = ctx;
  history.record({ process: 'nemesis', type: 'invoke', f: 'start', value: { fault: fault.name, targets: [] } satisfies FaultValue });
  let injected: Injected;
  try {
    injected = await fault.inject(ctx);
  } catch (e) {
    const error = errorMessage(e);
    history.record({ process: 'nemesis', type: 'fail', f: 'start', value: { fault: fault.name, targets: [] } satisfies FaultValue, error });
    log(`nemesis: ${fault.name} could not start: ${error}`);
    return;
  }
  const value: FaultValue = { fault: fault.name, targets: injected.targets, detail: injected.detail };
  history.record({ process: 'nemesis', type: 'ok', f: 'start', value });
  log(`nemesis: ${fault.name} ${injected.targets.join(', ')}${injected.detail ? ` (${injected.detail})` : ''} for ${(holdMs / 1000).toFixed(0)} s`);
  try {
    await sleep(holdMs, signal);
  } finally {
    history.record({ process: 'nemesis', type: 'invoke', f: 'stop', value });
    try {
      await injected.undo();
      history.record({ process: 'nemesis', type: 'ok', f: 'stop', value });
      log(`nemesis: ${fault.name} undone`);
      await injected.settle?.().catch((e: unknown) => log(`nemesis: after ${fault.name}, ${errorMessage(e)}; the schedule goes on`));
    } catch (e) {
      // the final phase's heal-all takes over; the history says the undo failed
      const error = errorMessage(e);
      history.record({ process: 'nemesis', type: 'info', f: 'stop', value, error });
      log(`nemesis: undoing ${fault.name} failed (${error}); the final phase heals everything`);
    }
  }
}
