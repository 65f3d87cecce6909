// The report model: everything a run's report shows, as written to
// results.json. Chaos runs, soaks and benchmarks share it; the HTML is derived.
import type { CheckResult, FaultWindow, Validity } from '../chaos/core/types.js';

export type { CheckResult, FaultWindow, Validity };

/** A timeline from Prometheus over the run's window (query_range), drawn with the fault bands. */
export interface Series {
  title: string;
  unit: string;
  /** The PromQL that produced it, shown under the chart. */
  query: string;
  lines: { label: string; points: [number, number][] }[];
}

export interface Phase {
  name: string;
  /** Milliseconds since the run started. */
  start: number;
  end: number;
}

export interface RunResult {
  runId: string;
  kind: 'chaos' | 'soak' | 'bench';
  /** e.g. `broker-kill`. */
  experiment: string;
  description: string;
  /** The composed verdict: false if any check is false, unknown if any is unknown, else true. */
  verdict: Validity;
  /** A negative control must be judged invalid: `expectInvalid` true means valid=false is the pass. */
  expectInvalid?: boolean;
  startedAt: string;
  durationMs: number;
  /** The command that replays this run (same seed, same settings). */
  command: string;
  config: Record<string, string | number | boolean>;
  checks: CheckResult[];
  faults: FaultWindow[];
  phases: Phase[];
  workload: { invoked: number; ok: number; fail: number; info: number; events: number; eventsAcknowledged: number };
  series: Series[];
  /** Wall-clock epoch ms of time 0, to place the series (which are epoch ms) against fault windows. */
  epochMs: number;
  /** Free notes: what the harness noticed (e.g. a Prometheus query that failed). */
  notes: string[];
}

/** Did the run pass? A control passes when it was judged invalid. */
export const passed = (r: Pick<RunResult, 'verdict' | 'expectInvalid'>): boolean => (r.expectInvalid ? r.verdict === false : r.verdict === true);

/** A run's verdict as lines, the experiment's then one per check: what `just chaos` prints and the in-cluster runner's /verdict answers. */
export function verdictLines(r: Pick<RunResult, 'experiment' | 'verdict' | 'expectInvalid' | 'checks'>): string[] {
  const ok = passed(r);
  const verdict = r.verdict === true ? 'VALID' : r.verdict === false ? 'INVALID' : 'UNKNOWN';
  return [
    `${r.experiment}: ${verdict}${r.expectInvalid ? ` (negative control: ${ok ? 'caught, as it must be' : 'NOT CAUGHT: the checkers are broken'})` : ''}`,
    ...r.checks.map((c) => `  ${c.valid === true ? 'ok  ' : c.valid === false ? 'FAIL' : '??  '} ${c.name}: ${c.summary}`),
  ];
}
