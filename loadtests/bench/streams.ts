// The Kafka Streams reference of the pipeline pair of `just bench`: the process
// and aggregate stages as one Kafka Streams app (loadtests/streams, built by
// setup into the cache), exactly_once_v2, on the same cluster and input. The
// parser is pure; the runner spawns the JVM with a bounded time.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheLayout, paths } from '../../cluster/index.js';
import { steadyPart } from './ours.js';

/** One progress line of the app (a second apart): in-memory counts, the group's committed offsets, its CPU so far. */
export interface StreamsProgress {
  /** Epoch ms. */
  t: number;
  /** Input records the process sub-topology handled (in memory: at-least-once). */
  consumed: number;
  /** Processed events the aggregate sub-topology applied (in memory: at-least-once). */
  aggregated: number;
  /** Sum of the group's committed offsets on the input topic. */
  committedInput: number;
  /** Sum of the group's committed offsets on the processed topic (its transaction markers counted too). */
  committedProcessed: number;
  /** The JVM's CPU time so far (user + system), ms. */
  cpuMs: number;
}

/** The app's last line: `done` when its committed offsets covered the input and the processed topic; else why not. */
export interface StreamsEnd extends StreamsProgress {
  done: boolean;
  error?: string;
  /** Whether KafkaStreams.close returned within its bound, and how long it took. */
  closed: boolean;
  closeMs: number;
  /** From the JVM's main to the end of close. */
  wallMs: number;
}

export interface StreamsParsed {
  points: StreamsProgress[];
  end?: StreamsEnd;
  /**
   * The steady part (`steadyPart`, as for our side): the aggregate side's committed records from the line where they
   * first reach a fifth of the final count to the last line, that time, and the CPU spent in it.
   */
  steady?: { records: number; ms: number; cpuMs: number };
}

const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Reads the app's stdout: its JSON progress lines and its last line; anything else (a stray print) is skipped. */
export function parseStreamsApp(out: string): StreamsParsed {
  const points: StreamsProgress[] = [];
  let end: StreamsEnd | undefined;
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const p = { t: j.t, consumed: j.consumed, aggregated: j.aggregated, committedInput: j.committedInput, committedProcessed: j.committedProcessed, cpuMs: j.cpuMs };
    if (!(num(p.t) && num(p.consumed) && num(p.aggregated) && num(p.committedInput) && num(p.committedProcessed) && num(p.cpuMs))) continue;
    const point = p as StreamsProgress;
    if (typeof j.done === 'boolean')
      end = { ...point, done: j.done, closed: j.closed === true, closeMs: num(j.closeMs) ? j.closeMs : 0, wallMs: num(j.wallMs) ? j.wallMs : 0, ...(typeof j.error === 'string' ? { error: j.error } : {}) };
    else points.push(point);
  }
  // the same rule as our side's (steadyPart): from the point where the aggregate side's commits reach a fifth of
  // the final count, so the JVM's start, its first compilations and the restore are left out
  const part = steadyPart(points.map((p) => ({ t: p.t, n: p.committedProcessed, cpuS: p.cpuMs / 1000 })));
  const steady = part ? { records: part.records, ms: part.ms, cpuMs: part.cpuS * 1000 } : undefined;
  return { points, ...(end ? { end } : {}), ...(steady ? { steady } : {}) };
}

/** What the app reached, in words: for an error that says how far it got. */
export function reached(p: StreamsParsed, expectedInputs: number): string {
  const l = p.end ?? p.points[p.points.length - 1];
  if (!l) return 'it printed no progress line (JVM start, or the cluster unreachable)';
  return `committed ${l.committedInput} of ${expectedInputs} input records and ${l.committedProcessed} offsets of the processed topic; processed ${l.consumed} and aggregated ${l.aggregated} in memory; ${(l.cpuMs / 1000).toFixed(1)} CPU s`;
}

export interface KafkaStreamsRunOptions {
  bootstrap: string;
  input: string;
  processed: string;
  dlq: string;
  aggregates: string;
  applicationId: string;
  commitIntervalMs: number;
  /** The input records to wait for: the app exits once its group's committed input offsets sum to this. */
  expectedInputs: number;
  threads: number;
  timeoutMs: number;
}

export interface KafkaStreamsResult {
  /** Input records committed (the group's offsets on the input topic at the end). */
  processed: number;
  /** Processed events applied by the aggregate sub-topology (in memory; exact when nothing failed). */
  aggregated: number;
  /** From spawning the JVM to the progress line that saw everything committed (JVM start included, close not). */
  ms: number;
  /** Aggregate-side committed records per second from its first commit to completion (start-up left out). */
  steadyPerS?: number;
  /** The JVM's whole CPU time, user + system, start to exit (its own count, at the end). */
  cpuSeconds: number;
  /** The JVM's CPU time over the steady interval (the one `steadyPerS` is measured over). */
  steadyCpuSeconds?: number;
  /** Aggregate-side committed records in the steady interval. */
  steadyRecords?: number;
  /** How long KafkaStreams.close took at the end. */
  closeMs: number;
}

/** The app's classpath: its jar and its dependencies, as setup builds them. */
export function streamsClasspath(cache = paths().cache): string {
  const lib = join(cacheLayout(cache).streamsApp, 'lib');
  if (!existsSync(join(lib, 'faultline-streams.jar'))) throw new Error(`the Kafka Streams app is not built (no ${lib}/faultline-streams.jar): run \`just setup\``);
  return join(lib, '*');
}

/**
 * Runs the Kafka Streams app over the input until its committed offsets cover `expectedInputs` input records and
 * all of the processed topic it wrote; rejects when it fails, or past `timeoutMs` (the JVM killed), with how far it got.
 */
export async function kafkaStreamsRun(opts: KafkaStreamsRunOptions): Promise<KafkaStreamsResult> {
  const cp = streamsClasspath();
  const stateDir = mkdtempSync(join(tmpdir(), 'faultline-streams-'));
  // the app's own bound leaves time for its close (60 s at most) before the runner's kill
  const appTimeoutMs = Math.round(Math.max(opts.timeoutMs / 2, opts.timeoutMs - 75_000));
  const args = [opts.bootstrap, opts.input, opts.processed, opts.dlq, opts.aggregates, opts.applicationId, String(opts.commitIntervalMs), String(opts.threads), String(opts.expectedInputs), stateDir, String(appTimeoutMs)];
  const t0 = Date.now();
  try {
    const { out, err, code } = await new Promise<{ out: string; err: string; code: number | null }>((resolve, reject) => {
      const child = spawn('java', ['-Xmx1g', '-cp', cp, 'dev.faultline.streams.Main', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.length > 200_000) err = err.slice(-100_000);
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the Kafka Streams app did not finish within ${opts.timeoutMs / 1000} s (killed); it ${reached(parseStreamsApp(out), opts.expectedInputs)}; its stderr ended: ${tail(err)}`));
      }, opts.timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`the Kafka Streams app could not start: ${e.message}`));
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ out, err, code });
      });
    });
    const p = parseStreamsApp(out);
    if (code !== 0 || !p.end?.done) {
      throw new Error(`the Kafka Streams app exited ${code}${p.end?.error ? `: ${p.end.error}` : ''}; it ${reached(p, opts.expectedInputs)}; its stderr ended: ${tail(err)}`);
    }
    const last = p.points[p.points.length - 1] ?? p.end;
    return {
      processed: p.end.committedInput,
      aggregated: p.end.aggregated,
      ms: last.t - t0,
      cpuSeconds: p.end.cpuMs / 1000,
      closeMs: p.end.closeMs,
      ...(p.steady ? { steadyPerS: p.steady.records / (p.steady.ms / 1000), steadyCpuSeconds: p.steady.cpuMs / 1000, steadyRecords: p.steady.records } : {}),
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const tail = (s: string) => s.trim().split('\n').slice(-3).join(' | ') || '(nothing)';
