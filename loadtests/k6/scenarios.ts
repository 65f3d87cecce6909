// The k6 scenarios against HTTP ingest, as k6 options: smoke, soak, spike and
// stress, all arrival-rate executors (the load does not slow down when the
// system does, so a slow system shows as latency and dropped iterations, not
// as a politely lower rate). Pure and dependency-free: k6 imports it into the
// script (k6 runs TypeScript itself) and the unit tests import it in Node.

export type ScenarioName = 'smoke' | 'soak' | 'spike' | 'stress';
export const SCENARIOS: ScenarioName[] = ['smoke', 'soak', 'spike', 'stress'];

export interface ScenarioParams {
  /** Events per second (the scenario's peak for spike and stress). */
  rate: number;
  durationS: number;
  /** Events per POST. */
  batch: number;
  /** The HTTP p99 bound of the thresholds, ms. */
  p99Ms?: number;
  /** The most virtual users k6 may start (requests in flight). */
  maxVUs?: number;
}

export interface K6Options {
  scenarios: Record<string, Record<string, unknown>>;
  thresholds: Record<string, (string | { threshold: string; abortOnFail: boolean; delayAbortEval: string })[]>;
  summaryTrendStats: string[];
}

/** POSTs per second for an event rate (at least one). */
export const requestsPerSecond = (p: Pick<ScenarioParams, 'rate' | 'batch'>) => Math.max(1, Math.round(p.rate / p.batch));

const seconds = (s: number) => `${Math.max(1, Math.round(s))}s`;

/**
 * The k6 options of a scenario. Thresholds fail the run (k6 exits 99): any failed request, HTTP p99 over its bound,
 * any dropped iteration (k6 had no VU free to start a request on time: the system fell behind the arrival rate), any
 * failed check (a reply that did not account for every event). Stress aborts at the first crossing: its report is
 * where the ceiling is.
 */
export function k6Options(name: ScenarioName, p: ScenarioParams): K6Options {
  if (!SCENARIOS.includes(name)) throw new Error(`unknown k6 scenario ${name}: one of ${SCENARIOS.join(', ')}`);
  if (!(p.rate > 0) || !(p.durationS > 0) || !(p.batch > 0)) throw new Error(`rate, duration and batch must be positive (got ${p.rate}, ${p.durationS}, ${p.batch})`);
  const peak = requestsPerSecond(p);
  const low = Math.max(1, Math.round(peak / 5));
  const d = p.durationS;
  // enough VUs for two seconds of requests (a 2 s response time), all allocated before the start: a VU that k6 must
  // initialise mid-run is not there in time, and its iteration counts as dropped (seen: 7 of 150 at 10 requests/s)
  const maxVUs = p.maxVUs ?? Math.min(300, Math.max(10, peak * 2));
  const preAllocatedVUs = maxVUs;
  const common = { exec: 'post', timeUnit: '1s', preAllocatedVUs, maxVUs, gracefulStop: '30s' };
  let scenario: Record<string, unknown>;
  switch (name) {
    case 'smoke':
    case 'soak':
      scenario = { ...common, executor: 'constant-arrival-rate', rate: peak, duration: seconds(d) };
      break;
    case 'spike':
      // a calm baseline, a sudden jump to the peak, held, then back down: does the pipeline absorb it and recover?
      scenario = {
        ...common,
        executor: 'ramping-arrival-rate',
        startRate: low,
        stages: [
          { target: low, duration: seconds(d * 0.3) },
          { target: peak, duration: seconds(d * 0.05) },
          { target: peak, duration: seconds(d * 0.3) },
          { target: low, duration: seconds(d * 0.05) },
          { target: low, duration: seconds(d * 0.3) },
        ],
      };
      break;
    case 'stress':
      // four even steps up to the peak: the step where the thresholds first cross is the ceiling
      scenario = {
        ...common,
        executor: 'ramping-arrival-rate',
        startRate: Math.max(1, Math.round(peak / 4)),
        stages: [1, 2, 3, 4].flatMap((k) => [
          { target: Math.max(1, Math.round((peak * k) / 4)), duration: seconds(d * 0.05) },
          { target: Math.max(1, Math.round((peak * k) / 4)), duration: seconds(d * 0.2) },
        ]),
      };
      break;
  }
  const p99 = `p(99)<${p.p99Ms ?? 2000}`;
  const abort = name === 'stress';
  const t = (threshold: string) => (abort ? { threshold, abortOnFail: true, delayAbortEval: '10s' } : threshold);
  return {
    scenarios: { [name]: scenario },
    thresholds: {
      http_req_failed: [t('rate==0')],
      http_req_duration: [t(p99)],
      dropped_iterations: [t('count==0')],
      checks: [t('rate==1')],
    },
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  };
}

/**
 * The ids of one POST: `<run>-k<iteration>-<i>` for i < batch (the iteration counted over the whole scenario, so
 * unique), and every tenth iteration one invalid event (`-bad`), which ingest must refuse and which must never be
 * read. The k6 script and the history both derive ids from the iteration with this, so a line need not carry them.
 */
export function idsOf(runId: string, iteration: number, batch: number): { prefix: string; valid: string[]; invalid?: string } {
  const prefix = `${runId}-k${iteration}-`;
  return { prefix, valid: Array.from({ length: batch }, (_, i) => `${prefix}${i}`), ...(iteration % 10 === 9 ? { invalid: `${prefix}bad` } : {}) };
}

/** One POST's outcome as the script prints it: `FL <vu> <iteration> <status> <t0> <t1> <trace> <accepted> <refused> <unknown>`. */
export interface PostLine {
  /** The VU that sent it (a VU sends one request at a time). */
  vu: number;
  /** The iteration over the whole scenario (the ids derive from it). */
  iteration: number;
  /** HTTP status; 0 when no response came (k6's `error` says why, in `error`). */
  status: number;
  t0: number;
  t1: number;
  traceId: string;
  /** Id suffixes after `<run>-k<iteration>-`; `*` = every valid id. */
  accepted: string[] | '*';
  refused: string[];
  /** The server said the outcome of these is unknown. */
  unknown: string[];
  /** No response: was the connection refused (nothing sent), or something else (the outcome is unknown)? */
  error?: 'refused' | 'other';
}

const list = (xs: string[] | '*') => (xs === '*' ? '*' : xs.length ? xs.join(',') : '-');
const unlist = (s: string | undefined): string[] => (!s || s === '-' ? [] : s.split(','));

export function formatPostLine(l: PostLine): string {
  return ['FL', l.vu, l.iteration, l.status, l.t0, l.t1, l.traceId, list(l.accepted), list(l.refused), list(l.unknown), l.error ?? '-'].join(' ');
}

/** Parses a `FL ...` line out of a k6 console-output line (logfmt: `msg="FL ..."`); undefined for anything else. */
export function parsePostLine(line: string): PostLine | undefined {
  const m = /FL (\d+) (\d+) (\d+) (\d+) (\d+) ([0-9a-f]+) (\S+) (\S+) (\S+) (\S+)/.exec(line);
  if (!m) return undefined;
  return {
    vu: Number(m[1]),
    iteration: Number(m[2]),
    status: Number(m[3]),
    t0: Number(m[4]),
    t1: Number(m[5]),
    traceId: m[6]!,
    accepted: m[7] === '*' ? '*' : unlist(m[7]),
    refused: unlist(m[8]),
    unknown: unlist(m[9]),
    ...(m[10] === 'refused' || m[10] === 'other' ? { error: m[10] } : {}),
  };
}
