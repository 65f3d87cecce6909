// The system comes back: during and after each fault, the longest stretch
// without an acknowledged write stays under a bound, as does the time back to full ISR.
import type { CheckResult, Counterexample, Op, Validity } from '../core/types.js';
import { result } from './evidence.js';
import { activeFaults, faultLabel, faultWindows } from './fault-windows.js';

export interface RecoveryBoundsOptions {
  /** Longest acceptable stretch without an acknowledged write that overlaps a fault. */
  boundMs: number;
  /**
   * Faults that may hold writes for their whole length by design (a frozen broker): for their windows the bound is
   * the window's length plus `boundMs`.
   */
  holdingFaults?: string[];
  /**
   * A fault's own bound where it is not `boundMs`: an experiment that draws several kinds of fault judges each
   * window by the bound of its kind (a zone partition's, as the zone-partition experiment has it).
   */
  boundsByFault?: Record<string, number>;
  /** Measured time from the last heal to full ISR on every partition, if the runner measured it. */
  fullIsrMs?: number;
  fullIsrBoundMs?: number;
}

const NAME = 'recovery-bounds';
const PROPERTY = 'For every fault, the longest interval without an acknowledged write that overlaps it stays within the bound, and the cluster is back to full ISR within its bound.';

interface Gap {
  from: number;
  to: number;
  /** The gap has not ended: no acknowledged write after it, so its length is a lower bound. */
  open: boolean;
}

export function recoveryBounds(history: Op[], opts: RecoveryBoundsOptions): CheckResult {
  const windows = faultWindows(history);
  const okTimes = history
    .filter((op) => op.process !== 'nemesis' && op.f === 'write' && op.type === 'ok')
    .map((op) => op.time)
    .sort((a, b) => a - b);
  const historyEnd = history.reduce((m, op) => Math.max(m, op.time), 0);
  const lastOk = okTimes.at(-1);
  const stats: Record<string, number> = { faults: windows.length, okWrites: okTimes.length, maxUnavailableMs: 0, failedDuringFaults: 0, infoDuringFaults: 0 };
  const bad: Counterexample[] = [];
  let valid: Validity = true;
  const notes: string[] = [];

  // write attempts per window, by the outcome of the op invoked inside it
  const attempts = windows.map(() => ({ failed: 0, info: 0 }));
  const open = new Map<number, Op>();
  const tally = (invoke: Op, outcome: 'fail' | 'info' | 'ok') => {
    windows.forEach((w, i) => {
      if (invoke.time < w.start || invoke.time > (w.end ?? historyEnd) || outcome === 'ok') return;
      if (outcome === 'fail') attempts[i]!.failed++;
      else attempts[i]!.info++;
    });
  };
  for (const op of history) {
    if (op.process === 'nemesis' || op.f !== 'write') continue;
    if (op.type === 'invoke') {
      const prev = open.get(op.process);
      if (prev) tally(prev, 'info');
      open.set(op.process, op);
      continue;
    }
    const inv = open.get(op.process);
    if (!inv) continue;
    open.delete(op.process);
    tally(inv, op.type === 'fail' ? 'fail' : op.type === 'info' ? 'info' : 'ok');
  }
  for (const inv of open.values()) tally(inv, 'info');

  for (const [i, w] of windows.entries()) {
    const end = w.end ?? historyEnd;
    const gaps: Gap[] = [];
    for (let k = 1; k < okTimes.length; k++) {
      const a = okTimes[k - 1]!;
      const b = okTimes[k]!;
      if (a < end && b > w.start) gaps.push({ from: a, to: b, open: false });
    }
    const first = okTimes.find((t) => t >= w.start);
    if (first !== undefined) gaps.push({ from: w.start, to: first, open: false });
    const healed = okTimes.some((t) => t > end);
    if (!healed) gaps.push({ from: lastOk ?? w.start, to: historyEnd, open: true });
    const worst = gaps.reduce<Gap | undefined>((m, g) => (!m || g.to - g.from > m.to - m.from ? g : m), undefined);
    const ms = worst ? worst.to - worst.from : 0;
    const label = faultLabel(w);
    const own = opts.boundsByFault?.[w.fault] ?? opts.boundMs;
    const bound = opts.holdingFaults?.includes(w.fault) ? own + (end - w.start) : own;
    stats[`maxUnavailableMs:${i}`] = ms;
    stats[`boundMs:${i}`] = bound;
    stats[`failedWrites:${i}`] = attempts[i]!.failed;
    stats[`infoWrites:${i}`] = attempts[i]!.info;
    stats.failedDuringFaults! += attempts[i]!.failed;
    stats.infoDuringFaults! += attempts[i]!.info;
    stats.maxUnavailableMs = Math.max(stats.maxUnavailableMs!, ms);
    if (worst && ms > bound) {
      valid = false;
      bad.push({
        what: `${label} (t=${w.start}..${w.end ?? 'final heal'}): no acknowledged write for ${worst.open ? 'at least ' : ''}${ms} ms (t=${worst.from}..${worst.open ? 'end of history' : worst.to}), bound ${bound} ms${bound !== own ? ` (the fault's ${end - w.start} ms, which hold writes by design, and ${own} ms)` : own !== opts.boundMs ? ` (${w.fault}'s own)` : ''}`,
        during: activeFaults(windows, Math.max(worst.from, w.start)),
        time: worst.from,
      });
    } else if (!healed) {
      if (valid === true) valid = 'unknown';
      notes.push(`no acknowledged write after ${label} healed`);
    }
  }

  if (opts.fullIsrMs !== undefined) stats.fullIsrMs = opts.fullIsrMs;
  if (opts.fullIsrBoundMs !== undefined) {
    if (opts.fullIsrMs === undefined) {
      if (valid === true) valid = 'unknown';
      notes.push('time back to full ISR was not measured');
    } else if (opts.fullIsrMs > opts.fullIsrBoundMs) {
      valid = false;
      bad.push({ what: `back to full ISR after ${opts.fullIsrMs} ms, bound ${opts.fullIsrBoundMs} ms`, time: windows.reduce((m, w) => Math.max(m, w.end ?? historyEnd), 0) });
    }
  }
  if (windows.length === 0 && valid === true) {
    valid = 'unknown';
    notes.push('no faults in the history');
  }

  const summary =
    (windows.length === 0
      ? 'no faults'
      : `${windows.length} faults, max unavailability ${stats.maxUnavailableMs} ms (bound ${opts.boundMs} ms${Object.keys(opts.boundsByFault ?? {}).some((f) => windows.some((w) => w.fault === f)) ? `; ${Object.entries(opts.boundsByFault!).map(([f, ms]) => `${f} ${ms} ms`).join(', ')}` : ''}${opts.holdingFaults?.some((f) => windows.some((w) => w.fault === f)) ? `, plus the length of ${opts.holdingFaults.join(', ')}` : ''}), ${stats.failedDuringFaults} failed and ${stats.infoDuringFaults} unknown writes during faults`) +
    (opts.fullIsrMs !== undefined ? `, full ISR after ${opts.fullIsrMs} ms${opts.fullIsrBoundMs !== undefined ? ` (bound ${opts.fullIsrBoundMs} ms)` : ''}` : '') +
    (notes.length ? `; ${notes.join('; ')}` : '');
  return result(NAME, PROPERTY, valid, summary, stats, bad);
}
