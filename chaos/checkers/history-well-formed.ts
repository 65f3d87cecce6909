// The history itself is sound: without that no other verdict means anything.
// A violation here is a workload (or recorder) bug, not a system bug.
import type { CheckResult, Counterexample, Op } from '../core/types.js';
import { result } from './evidence.js';
import { activeFaults, faultWindows } from './fault-windows.js';
import { writeValueOf } from './write-outcomes.js';

const NAME = 'history-well-formed';
const PROPERTY =
  'Every client invoke has exactly one completion (ok/fail/info) by the same process, of the same f, no earlier than the invoke, and no event id is carried by two invokes unless the later one is a retry of an attempt whose outcome was unknown or failed.';

export function historyWellFormed(history: Op[]): CheckResult {
  const windows = faultWindows(history);
  const bad: Counterexample[] = [];
  const pending = new Map<number, Op>();
  const firstInvoke = new Map<string, Op>();
  /** Per id: how its latest attempt completed, so a retry is told from a repeat. */
  const lastOutcome = new Map<string, Op['type']>();
  const stats = { ops: 0, invokes: 0, completions: 0, unpaired: 0, pendingInvokes: 0, repeatedIds: 0, mismatched: 0, retries: 0 };
  const at = (op: Op, what: string, id?: string): Counterexample => ({ ...(id ? { id } : {}), what, during: activeFaults(windows, op.time), time: op.time });

  for (const op of history) {
    if (op.process === 'nemesis') continue;
    stats.ops++;
    if (op.type === 'invoke') {
      stats.invokes++;
      const open = pending.get(op.process);
      if (open) {
        stats.pendingInvokes++;
        bad.push(at(open, `process ${op.process}: ${open.f} invoked at t=${open.time} has no completion before its next invoke at t=${op.time}`));
      }
      pending.set(op.process, op);
      const retry = Boolean(writeValueOf(op.value)?.retry);
      for (const id of writeValueOf(op.value)?.ids ?? []) {
        const first = firstInvoke.get(id);
        if (!first) firstInvoke.set(id, op);
        else if (retry && first !== op && (lastOutcome.get(id) === 'info' || lastOutcome.get(id) === 'fail')) {
          stats.retries++;
          lastOutcome.delete(id);
        } else {
          stats.repeatedIds++;
          const where = first === op ? `twice in one ${op.f} by process ${op.process} at t=${op.time}` : `by process ${first.process} at t=${first.time} and by process ${op.process} at t=${op.time}`;
          bad.push(at(op, `id written twice: ${where} (values must be unique)`, id));
        }
      }
      continue;
    }
    stats.completions++;
    const open = pending.get(op.process);
    if (!open) {
      stats.unpaired++;
      bad.push(at(op, `process ${op.process}: ${op.type} ${op.f} at t=${op.time} completes no open invoke`));
      continue;
    }
    pending.delete(op.process);
    if (open.f !== op.f) {
      stats.mismatched++;
      bad.push(at(op, `process ${op.process}: ${op.type} of ${op.f} at t=${op.time} completes an invoke of ${open.f} (t=${open.time})`));
    }
    if (op.time < open.time) {
      stats.mismatched++;
      bad.push(at(op, `process ${op.process}: ${op.f} completes at t=${op.time}, before its invoke at t=${open.time}`));
    }
    const iv = writeValueOf(open.value);
    const cv = writeValueOf(op.value);
    for (const id of iv?.ids ?? []) lastOutcome.set(id, op.type);
    if (iv && cv) {
      const invoked = new Set(iv.ids);
      const strays = [...cv.ids, ...(cv.acked ?? []).map((a) => a.id), ...(cv.refused ?? [])].filter((id) => !invoked.has(id));
      for (const id of new Set(strays)) {
        stats.mismatched++;
        bad.push(at(op, `process ${op.process}: completion at t=${op.time} names an id its invoke (t=${open.time}) did not carry`, id));
      }
    }
  }
  for (const open of pending.values()) {
    stats.pendingInvokes++;
    bad.push(at(open, `process ${open.process}: ${open.f} invoked at t=${open.time} never completed (record info for an unknown outcome)`));
  }

  const violations = bad.length;
  const valid = violations > 0 ? false : stats.invokes === 0 ? 'unknown' : true;
  const summary =
    stats.invokes === 0
      ? 'no client operations in the history'
      : `${stats.invokes} invokes, ${stats.completions} completions, ${violations} problems (${stats.pendingInvokes} without completion, ${stats.unpaired} unpaired completions, ${stats.repeatedIds} repeated ids, ${stats.mismatched} mismatched); ${stats.retries} ids retried after an unknown or failed attempt`;
  return result(NAME, PROPERTY, valid, summary, { ...stats, violations }, bad);
}
