// The report model: everything a run's report shows, as written to
// results.json. Chaos runs, soaks and benchmarks share it; the HTML is derived. It imports nothing of ours: the
// chaos harness fills it in (its checkers return CheckResults, its nemeses' windows are FaultWindows).

/** An event id where it was read: the location a counterexample points at. */
export interface Location {
  topic: string;
  partition: number;
  offset: string;
}

export type Validity = true | false | 'unknown';

/** What every checker returns: the property, the verdict and the evidence. */
export interface CheckResult {
  /** Named by the property it checks, e.g. `no-lost-writes`. */
  name: string;
  /** The property in one sentence, for the report. */
  property: string;
  valid: Validity;
  /** One line for people, e.g. "12034 acknowledged, 12034 read, 0 lost". */
  summary: string;
  /** Figures behind the verdict (counts, milliseconds). */
  stats: Record<string, number>;
  /** At most a few dozen concrete cases (event id, where, which fault was active, trace id). */
  counterexamples: Counterexample[];
}

export interface Counterexample {
  id?: string;
  what: string;
  where?: Location[];
  /** Nemesis fault(s) active when the op was invoked. */
  during?: string[];
  traceId?: string;
  /** Milliseconds since the run started. */
  time?: number;
}

/** A fault's time window, derived from the nemesis start/stop ops. */
export interface FaultWindow {
  fault: string;
  targets: string[];
  start: number;
  /** undefined: never stopped before the final phase healed it. */
  end?: number;
}

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
  /**
   * A negative control's targets: the checks that must be judged INVALID for it to be caught (e.g. `no-lost-writes`
   * for RF 1). A control judged INVALID only by other checks (a slow recovery) is not caught.
   */
  mustFail?: string[];
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

/** A negative control's outcome: caught when the verdict is INVALID and every check it targets is INVALID. */
export function controlOutcome(r: Pick<RunResult, 'verdict' | 'checks' | 'mustFail'>): { caught: boolean; why: string } {
  const targets = r.mustFail ?? [];
  const valid = (name: string) => r.checks.find((c) => c.name === name)?.valid;
  const held = targets.filter((name) => valid(name) !== false);
  const others = r.checks.filter((c) => c.valid === false && !targets.includes(c.name)).map((c) => c.name);
  if (r.verdict === false && held.length === 0)
    return { caught: true, why: targets.length ? `caught by ${targets.join(', ')}, as it must be` : 'caught, as it must be' };
  const missing = held.map((name) => `${name} ${valid(name) === undefined ? 'did not run' : valid(name) === true ? 'held' : 'had no verdict'}`);
  const besides = others.length ? `; judged INVALID only for another reason (${others.join(', ')})` : '';
  return { caught: false, why: `NOT CAUGHT: ${missing.length ? missing.join(', ') : `the verdict is ${String(r.verdict)}`}${besides}` };
}

/** Did the run pass? A control passes when the checks it targets judged it invalid. */
export const passed = (r: Pick<RunResult, 'verdict' | 'expectInvalid' | 'checks' | 'mustFail'>): boolean => (r.expectInvalid ? controlOutcome(r).caught : r.verdict === true);

/** A run's verdict as lines, the experiment's then one per check: what `just chaos` prints and the in-cluster runner's /verdict answers. */
export function verdictLines(r: Pick<RunResult, 'experiment' | 'verdict' | 'expectInvalid' | 'checks' | 'mustFail'>): string[] {
  const verdict = r.verdict === true ? 'VALID' : r.verdict === false ? 'INVALID' : 'UNKNOWN';
  return [
    `${r.experiment}: ${verdict}${r.expectInvalid ? ` (negative control: ${controlOutcome(r).why})` : ''}`,
    ...r.checks.map((c) => `  ${c.valid === true ? 'ok  ' : c.valid === false ? 'FAIL' : '??  '} ${c.name}: ${c.summary}`),
  ];
}
