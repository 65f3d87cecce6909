// What became of every event id the workload tried to write, from the history
// alone: the single source every write-related checker reads.
import type { Op, WriteValue } from '../core/types.js';

/**
 * ok: acknowledged, must become readable. fail: definitely not written.
 * info: unknown (also an invoke that never completed). aborted: written in a
 * transaction that was aborted on purpose (`write-aborted` ok). refused: the
 * server said it did not store this id (in an ok write's `refused`).
 */
export type Outcome = 'ok' | 'fail' | 'info' | 'aborted' | 'refused';

export interface WriteOutcome {
  id: string;
  outcome: Outcome;
  /** `write` or `write-aborted`. */
  f: string;
  process: number | 'nemesis';
  invokeTime: number;
  completeTime?: number;
  traceId?: string;
  /** Where the producer was told the id landed (ok writes through Kafka). */
  acked?: { partition: number; offset: string };
  /** How many invokes carried this id: more than one is a workload bug (see history-well-formed). */
  invokes: number;
}

export const WRITE_FS = new Set(['write', 'write-aborted']);

export const writeValueOf = (v: unknown): WriteValue | undefined =>
  typeof v === 'object' && v !== null && Array.isArray((v as WriteValue).ids) ? (v as WriteValue) : undefined;

/** When an id was (wrongly) written twice, an ok anywhere makes it acknowledged, else an info makes it unknown: no checker then blames the workload's bug on the system. */
const RANK: Record<Outcome, number> = { ok: 3, info: 2, aborted: 1, refused: 1, fail: 1 };

function outcomeOf(invoke: Op, completion: Op | undefined, id: string, value: WriteValue | undefined): Outcome {
  if (!completion) return 'info';
  if (completion.type === 'fail') return 'fail';
  if (completion.type !== 'ok') return 'info';
  if (invoke.f === 'write-aborted') return 'aborted';
  return value?.refused?.includes(id) ? 'refused' : 'ok';
}

/** Per event id, the outcome of the client op that carried it. Completions pair with the open invoke of the same process. */
export function writeOutcomes(history: Op[]): Map<string, WriteOutcome> {
  const out = new Map<string, WriteOutcome>();
  const pending = new Map<number | 'nemesis', Op>();
  const settle = (invoke: Op, completion: Op | undefined) => {
    const iv = writeValueOf(invoke.value);
    if (!iv) return;
    const cv = completion ? writeValueOf(completion.value) : undefined;
    const traces = { ...iv.traces, ...cv?.traces };
    for (const id of new Set(iv.ids)) {
      const w: WriteOutcome = { id, outcome: outcomeOf(invoke, completion, id, cv), f: invoke.f, process: invoke.process, invokeTime: invoke.time, invokes: 1 };
      if (completion) w.completeTime = completion.time;
      if (traces[id]) w.traceId = traces[id];
      const acked = cv?.acked?.find((a) => a.id === id);
      if (acked && w.outcome === 'ok') w.acked = { partition: acked.partition, offset: acked.offset };
      const before = out.get(id);
      if (!before) out.set(id, w);
      else if (RANK[w.outcome] > RANK[before.outcome]) out.set(id, { ...w, invokes: before.invokes + 1 });
      else before.invokes++;
    }
  };
  for (const op of history) {
    if (op.process === 'nemesis' || !WRITE_FS.has(op.f)) continue;
    if (op.type === 'invoke') {
      const open = pending.get(op.process);
      if (open) settle(open, undefined);
      pending.set(op.process, op);
      continue;
    }
    const open = pending.get(op.process);
    if (!open || open.f !== op.f) continue;
    pending.delete(op.process);
    settle(open, op);
  }
  for (const open of pending.values()) settle(open, undefined);
  return out;
}
