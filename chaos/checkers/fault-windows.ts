// Fault windows from the nemesis ops of a history, and which faults were
// active at a moment: the `during` of every counterexample.
import type { FaultValue, FaultWindow, Op } from '../core/types.js';

const isFaultValue = (v: unknown): v is FaultValue =>
  typeof v === 'object' && v !== null && typeof (v as FaultValue).fault === 'string' && Array.isArray((v as FaultValue).targets);

const keyOf = (v: FaultValue) => `${v.fault}|${[...v.targets].sort().join(',')}`;

/** How a fault reads in a report, e.g. `broker-kill broker-b`. */
export const faultLabel = (w: Pick<FaultWindow, 'fault' | 'targets'>) => [w.fault, ...w.targets].join(' ');

/**
 * One window per nemesis `start`, closed by the first `stop` of the same fault and
 * targets (a stop with no targets closes the earliest open start of that fault).
 * A nemesis that records invoke + completion is read widely: the window opens at
 * the start's invoke and closes at the stop's completion, so a fault is never
 * active for less time than it may really have been. A failed start still opens
 * a window (a partial fault is possible). Sorted by start.
 */
export function faultWindows(history: Op[]): FaultWindow[] {
  const windows: FaultWindow[] = [];
  const open: { key: string; fault: string; window: FaultWindow }[] = [];
  const pending: { f: string; key: string; fault: string; window?: FaultWindow }[] = [];

  const close = (v: FaultValue, time: number): FaultWindow | undefined => {
    const key = keyOf(v);
    let i = open.findIndex((o) => o.key === key);
    if (i === -1 && v.targets.length === 0) i = open.findIndex((o) => o.fault === v.fault);
    if (i === -1) return undefined;
    const [o] = open.splice(i, 1);
    o!.window.end = time;
    return o!.window;
  };

  for (const op of history) {
    if (op.process !== 'nemesis' || (op.f !== 'start' && op.f !== 'stop') || !isFaultValue(op.value)) continue;
    const v = op.value;
    const key = keyOf(v);
    if (op.type !== 'invoke') {
      let i = pending.findIndex((p) => p.f === op.f && p.key === key);
      // a nemesis learns its targets while it starts: an invoke with none is completed by the start naming them
      if (i === -1) i = pending.findIndex((p) => p.f === op.f && p.fault === v.fault && p.key === keyOf({ fault: v.fault, targets: [] }));
      if (i !== -1) {
        // the completion of an invoke already counted: a stop's completion widens its window
        const [p] = pending.splice(i, 1);
        if (p!.window) {
          // only a stop's completion moves the end: a start's completion leaves a held fault open
          if (op.f === 'stop') p!.window.end = Math.max(p!.window.end ?? op.time, op.time);
          if (op.f === 'start' && !p!.window.targets.length) {
            p!.window.targets = [...v.targets];
            const o = open.find((x) => x.window === p!.window);
            if (o) o.key = key;
          }
        }
        continue;
      }
    }
    if (op.f === 'start') {
      const window: FaultWindow = { fault: v.fault, targets: [...v.targets], start: op.time };
      windows.push(window);
      open.push({ key, fault: v.fault, window });
      if (op.type === 'invoke') pending.push({ f: 'start', key, fault: v.fault, window });
    } else {
      const window = close(v, op.time);
      if (op.type === 'invoke') pending.push({ f: 'stop', key, fault: v.fault, window });
    }
  }
  return windows.sort((a, b) => a.start - b.start);
}

/** Labels of the faults active at `time` (both ends of a window included; an unstopped window never ends). */
export function activeFaults(windows: FaultWindow[], time: number): string[] {
  return windows.filter((w) => w.start <= time && (w.end === undefined || time <= w.end)).map(faultLabel);
}
