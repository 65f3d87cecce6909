import type { CheckResult } from '../core/types.js';

/** How long a stage's consumer group took to commit to the end of its input after the heal, or why it did not. */
export interface CaughtUp {
  group: string;
  ms?: number;
  error?: string;
}

/** Liveness: after healing, every stage's consumer group commits to the end of its input within the bound. */
export function stagesCaughtUp(groups: CaughtUp[]): CheckResult {
  const stuck = groups.filter((g) => g.error);
  return {
    name: 'stages-caught-up',
    property: 'After the faults are healed, every stage commits up to the end of its input within 240 s (the pipeline makes progress again).',
    valid: stuck.length === 0,
    summary: groups.map((g) => (g.error ? `${g.group}: STUCK` : `${g.group}: ${((g.ms ?? 0) / 1000).toFixed(1)} s`)).join(', '),
    stats: Object.fromEntries(groups.map((g) => [`${g.group}Ms`, g.ms ?? -1])),
    counterexamples: stuck.map((g) => ({ what: `${g.group}: ${g.error}` })),
  };
}
