// What every workload, nemesis and phase of a run shares: the cluster, the
// history, a seeded random source, progress output, and the processes the
// experiment itself started (kill targets beside the deployed ones).
import type { Provider, Topology } from '../../cluster/index.js';
import type { History } from './history.js';

/** A process the experiment started itself (e.g. a processor with exactly-once off). */
export interface OwnedProcess {
  name: string;
  zone: string;
  /** Its Kafka client id, when it is a group member (processor-kill aims at the members holding partitions). */
  clientId?: string;
  kill(): void;
  restart(): Promise<void>;
  running(): boolean;
}

export interface ChaosContext {
  runId: string;
  topology: Topology;
  /** The local deployment (processes or containers); absent in the cluster, where Chaos Mesh injects the faults. */
  provider?: Provider;
  history: History;
  rng: () => number;
  log: (line: string) => void;
  /** Topics the workload writes: leader-kill aims at the leader of the first one's partition 0. */
  topics: string[];
  /** Consumer groups and transactional ids the pipeline uses: coordinator-kill aims at their coordinators. */
  groups: string[];
  /** Processors the experiment started; processor-kill aims at these when there are any. */
  owned: OwnedProcess[];
  /** The run's notes (the report prints them): what a nemesis had to do beyond its fault, e.g. an election it asked for. */
  notes: string[];
}

/** mulberry32: a small seeded PRNG, so `--seed` replays the same choices. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: () => number, xs: readonly T[]): T => {
  if (!xs.length) throw new Error('nothing to pick from');
  return xs[Math.floor(rng() * xs.length)]!;
};

/** Resolves after `ms`, or early when `signal` aborts: schedules wait on time, never on a guess about state. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * A workload client's loop: `step(seq)` every `intervalMs` after a first delay of `offsetMs` (clients are
 * staggered so the load is smooth, not in bursts), until `endAt` or abort, and at most 10 million steps.
 * Behind schedule it carries on at once, but never builds a backlog of more than 5 catch-up steps.
 */
export async function paced(o: { intervalMs: number; offsetMs: number; endAt: number; signal: AbortSignal }, step: (seq: number) => Promise<void>): Promise<void> {
  await sleep(o.offsetMs, o.signal);
  for (let seq = 0, next = Date.now(); Date.now() < o.endAt && !o.signal.aborted && seq < 10_000_000; seq++) {
    await step(seq);
    next += o.intervalMs;
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait, o.signal);
    else if (wait < -5 * o.intervalMs) next = Date.now();
  }
}

