// The deployed pipeline under k6 load: k6 runs a scenario of
// scenarios.ts against the ingest of every zone and prints one line per
// reply; this tails those lines into the run's history (an invoke and its
// completion per POST, with k6's own times), so every checker of a chaos run
// judges a load test too. k6 pushes its metrics to Prometheus (remote write)
// beside the pipeline's, and its thresholds become a verdict line.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addr, cacheLayout, paths, type Topology } from '../../cluster/index.js';
import { ingestUrls, type ChaosContext, type CheckResult, type ExternalLoad, type WriteValue } from '../../chaos/index.js';
import { idsOf, parsePostLine, type PostLine, type ScenarioName } from './scenarios.js';

export interface K6Totals {
  events: number;
  /** k6's exit code: 0, or 99 when a threshold was crossed. */
  exitCode: number | null;
  /** Per metric and threshold expression: crossed? (k6's summary export). */
  thresholds: { metric: string; threshold: string; crossed: boolean }[];
  summaryFile: string;
}

const SCRIPT = fileURLToPath(new URL('./ingest.ts', import.meta.url));

/** Turns one reply line into the history's invoke and completion (ids rebuilt from vu and iteration). */
export function opsOfLine(runId: string, batch: number, l: PostLine, epochMs: number, via: string) {
  const { prefix, valid, invalid } = idsOf(runId, l.iteration, batch);
  const ids = invalid ? [...valid, invalid] : valid;
  const full = (xs: string[]) => xs.map((s) => prefix + s);
  const traces = Object.fromEntries(ids.map((id) => [id, l.traceId]));
  const process = l.vu; // a k6 VU runs one request at a time: it is the history's process
  const invoke = { process, type: 'invoke' as const, f: 'write' as const, value: { ids, via, traces } satisfies WriteValue, time: l.t0 - epochMs };
  const time = l.t1 - epochMs;
  let done;
  if (l.status === 200) done = { process, type: 'ok' as const, f: 'write' as const, value: { ids: l.accepted === '*' ? valid : full(l.accepted), refused: full(l.refused), via } satisfies WriteValue, time };
  else if (l.unknown.length || (l.status === 0 && l.error !== 'refused'))
    done = { process, type: 'info' as const, f: 'write' as const, value: { ids, via } satisfies WriteValue, time, error: l.status ? `${l.status}: outcome unknown` : 'no response: outcome unknown' };
  else done = { process, type: 'fail' as const, f: 'write' as const, value: { ids, via } satisfies WriteValue, time, error: l.status ? `${l.status}: nothing written` : 'connection refused' };
  return { invoke, done };
}

export interface K6Run {
  scenario: ScenarioName;
  /** Events per second (the peak of spike and stress). */
  rate: number;
  durationMs: number;
  batch: number;
  services: string[];
  /** Where k6's console lines and summary go. */
  dir: string;
  /** Ids start with it; k6's metrics carry it as `testid`. */
  runId: string;
  p99Ms?: number;
}

/**
 * Runs k6's ingest script against the topology's ingests and hands every reply line to `onLine` as it comes (the
 * console file is tailed every 500 ms). k6 pushes its metrics to Prometheus. Bounded: k6 ends on its own after the
 * scenario and its 30 s graceful stop; past that, or on `signal`, it is interrupted.
 */
export async function runK6(t: Topology, o: K6Run, onLine: (l: PostLine) => void, signal?: AbortSignal): Promise<Omit<K6Totals, 'events'>> {
  const k6 = cacheLayout(paths().cache).k6;
  if (!existsSync(k6)) throw new Error(`k6 is not built at ${k6}: run \`just setup\` (or \`just deploy\`), which builds it from the Go module proxy; nothing was sent`);
  const consoleFile = join(o.dir, 'k6-console.log');
  const summaryFile = join(o.dir, 'k6-summary.json');
  mkdirSync(o.dir, { recursive: true });
  writeFileSync(consoleFile, '');
  const child = spawn(
    k6,
    ['run', '--quiet', '--no-color', '--no-usage-report', '--console-output', consoleFile, '--summary-export', summaryFile, '-o', 'experimental-prometheus-rw', '--tag', `testid=${o.runId}`, SCRIPT],
    {
      env: {
        ...process.env,
        SCENARIO: o.scenario,
        RATE: String(o.rate),
        DURATION_S: String(Math.round(o.durationMs / 1000)),
        BATCH: String(o.batch),
        TARGETS: ingestUrls(t).join(','),
        RUN_ID: o.runId,
        SERVICES: o.services.join(','),
        ...(o.p99Ms ? { P99_MS: String(o.p99Ms) } : {}),
        K6_PROMETHEUS_RW_SERVER_URL: `http://${addr(t.ops.prometheus)}/api/v1/write`,
        K6_PROMETHEUS_RW_TREND_STATS: 'p(50),p(99),max',
        K6_PROMETHEUS_RW_PUSH_INTERVAL: '5s',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdout.on('data', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = setTimeout(() => child.kill('SIGINT'), o.durationMs + 90_000);
  const onAbort = () => child.kill('SIGINT');
  signal?.addEventListener('abort', onAbort, { once: true });

  let offset = 0;
  let rest = '';
  const drainLines = () => {
    const fd = openSync(consoleFile, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      for (let i = 0; i < 1000; i++) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        rest += buf.subarray(0, n).toString('utf8');
      }
    } finally {
      closeSync(fd);
    }
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const l = parsePostLine(line);
      if (l) onLine(l);
    }
  };
  const tail = setInterval(drainLines, 500);
  let exitCode: number | null;
  try {
    exitCode = await exited;
  } finally {
    clearInterval(tail);
    clearTimeout(deadline);
    signal?.removeEventListener('abort', onAbort);
  }
  drainLines();
  if (exitCode !== 0 && exitCode !== 99 && !existsSync(summaryFile))
    throw new Error(`k6 exited with ${exitCode} before its summary: ${stderr.trim().split('\n').slice(-3).join(' | ')}; its console lines are in ${consoleFile}`);
  return { exitCode, thresholds: thresholdsOf(summaryFile), summaryFile };
}

/** k6 as a chaos workload: every reply becomes an invoke and its completion in the run's history. */
export async function runK6Workload(ctx: ChaosContext, o: Omit<K6Run, 'runId'>, signal: AbortSignal): Promise<K6Totals> {
  const urls = ingestUrls(ctx.topology);
  const via = (l: PostLine) => new URL(urls[l.iteration % urls.length]!).host;
  let events = 0;
  const r = await runK6(ctx.topology, { ...o, runId: ctx.runId }, (l) => {
    const { invoke, done } = opsOfLine(ctx.runId, o.batch, l, ctx.history.t0, via(l));
    events += o.batch;
    ctx.history.record(invoke);
    ctx.history.record(done);
  }, signal);
  return { events, ...r };
}

/** Events accepted per second through HTTP ingest under k6 at `rate` events/s (above capacity: what ingest takes). */
export async function k6Accepted(t: Topology, o: Omit<K6Run, 'scenario' | 'services'>): Promise<{ acceptedPerS: number; requests: number; failed: number }> {
  let accepted = 0;
  let requests = 0;
  let failed = 0;
  let first = Infinity;
  let last = 0;
  await runK6(t, { ...o, scenario: 'soak', services: [`${o.runId}-svc`] }, (l) => {
    requests++;
    first = Math.min(first, l.t0);
    last = Math.max(last, l.t1);
    if (l.status !== 200) return void failed++;
    accepted += l.accepted === '*' ? o.batch : l.accepted.length;
  });
  return { acceptedPerS: last > first ? accepted / ((last - first) / 1000) : 0, requests, failed };
}

/** The thresholds of k6's summary export: `true` there means crossed. */
export function thresholdsOf(summaryFile: string): K6Totals['thresholds'] {
  if (!existsSync(summaryFile)) return [];
  const s = JSON.parse(readFileSync(summaryFile, 'utf8')) as { metrics?: Record<string, { thresholds?: Record<string, boolean> }> };
  return Object.entries(s.metrics ?? {}).flatMap(([metric, m]) => Object.entries(m.thresholds ?? {}).map(([threshold, crossed]) => ({ metric, threshold, crossed })));
}

/** The verdict line of k6's thresholds: valid when none was crossed. */
export function k6ThresholdsHeld(t: Pick<K6Totals, 'thresholds' | 'exitCode' | 'summaryFile'>): CheckResult {
  const crossed = t.thresholds.filter((x) => x.crossed);
  const name = 'k6 thresholds';
  const property = 'No failed request, HTTP p99 under its bound, no dropped iteration (the pipeline kept up with the arrival rate), every reply accounted for every event.';
  if (!t.thresholds.length) return { name, property, valid: 'unknown', summary: `k6 left no thresholds (exit ${t.exitCode}; ${t.summaryFile})`, stats: {}, counterexamples: [] };
  return {
    name,
    property,
    valid: crossed.length === 0,
    summary: crossed.length ? `crossed: ${crossed.map((x) => `${x.metric} ${x.threshold}`).join(', ')}` : `${t.thresholds.length} held: ${t.thresholds.map((x) => `${x.metric} ${x.threshold}`).join(', ')}`,
    stats: { thresholds: t.thresholds.length, crossed: crossed.length },
    counterexamples: crossed.map((x) => ({ what: `${x.metric}: ${x.threshold} crossed (k6 summary ${t.summaryFile})` })),
  };
}

/** A k6 scenario as the chaos runner's external load: its writes in the history, its thresholds a verdict line. */
export function k6Load(scenario: ScenarioName, batch: number, p99Ms?: number): ExternalLoad {
  return async (ctx, o, signal) => {
    const totals = await runK6Workload(ctx, { scenario, rate: o.rate, durationMs: o.durationMs, batch, services: o.services, dir: o.dir, p99Ms }, signal);
    return { events: totals.events, checks: [k6ThresholdsHeld(totals)], config: { k6Scenario: scenario, k6Batch: batch, k6Exit: String(totals.exitCode) } };
  };
}
