// Kafka's own tools, run from the jars setup fetched (kafka-tools 3.9), and
// the parsers of what they print: the reference side of every `just bench`
// pair. Parsers are pure; the runners spawn a JVM with a bounded time.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheLayout, paths } from '../../cluster/index.js';

export interface ProducerFigures {
  records: number;
  recordsPerS: number;
  mbPerS: number;
  p50Ms: number;
  p99Ms: number;
}

/** ProducerPerformance's last line: `N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th.` */
export function parseProducerPerformance(out: string): ProducerFigures {
  const m = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(out);
  if (!m) throw new Error(`ProducerPerformance printed no summary line; its output ended: ${out.trim().split('\n').slice(-3).join(' | ')}`);
  return { records: Number(m[1]), recordsPerS: Number(m[2]), mbPerS: Number(m[3]), p50Ms: Number(m[4]), p99Ms: Number(m[5]) };
}

export interface LatencyFigures {
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
}

/** EndToEndLatency's `Avg latency: X ms` and `Percentiles: 50th = A, 99th = B, 99.9th = C`. */
export function parseEndToEndLatency(out: string): LatencyFigures {
  const avg = /Avg latency: ([\d.]+) ms/.exec(out);
  const pct = /Percentiles: 50th = (\d+), 99th = (\d+)/.exec(out);
  if (!avg || !pct) throw new Error(`EndToEndLatency printed no latency summary; its output ended: ${out.trim().split('\n').slice(-3).join(' | ')}`);
  return { avgMs: Number(avg[1]), p50Ms: Number(pct[1]), p99Ms: Number(pct[2]) };
}

/**
 * Runs a class of the Kafka jars; resolves with its stdout+stderr and the wall time; rejects past `timeoutMs`. With
 * `stopAfterMs`, the tool is stopped (SIGTERM) then and its output so far is the result: a time-boxed run.
 */
export function runKafkaTool(mainClass: string, args: string[], timeoutMs: number, o: { stopAfterMs?: number } = {}): Promise<{ out: string; ms: number; code: number | null }> {
  const cp = join(cacheLayout(paths().cache).kafkaLibs, '*');
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx512m', '-Dlog4j.configuration=file:/dev/null', '-cp', cp, mainClass, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${mainClass} did not finish within ${timeoutMs / 1000} s (killed); its output ended: ${out.trim().split('\n').slice(-3).join(' | ')}`));
    }, timeoutMs);
    const stop = o.stopAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), o.stopAfterMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearTimeout(stop);
      resolve({ out, ms: performance.now() - t0, code });
    });
  });
}

/**
 * ProducerPerformance's 5-second window lines (`N records sent, X records/sec (...), ... max latency.`, the summary
 * aside): records and seconds per window, in order.
 */
export function parseProducerWindows(out: string): { records: number; s: number }[] {
  const windows: { records: number; s: number }[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\d+) records sent, ([\d.]+) records\/sec .* max latency\.\s*$/.exec(line.trim());
    if (m && Number(m[2]) > 0) windows.push({ records: Number(m[1]), s: Number(m[1]) / Number(m[2]) });
  }
  return windows;
}

/** The steady rate of windows past the first `warmupS` seconds (the JVM's warm-up and the first metadata left out); undefined when none is. */
export function steadyRate(windows: { records: number; s: number }[], warmupS: number): number | undefined {
  let t = 0;
  let records = 0;
  let s = 0;
  for (const w of windows) {
    if (t >= warmupS) {
      records += w.records;
      s += w.s;
    }
    t += w.s;
  }
  return s > 0 ? records / s : undefined;
}

export interface ProducerRun {
  /** Records acknowledged in its whole windows (all of them are in the topic). */
  records: number;
  /** records/s over the whole windows past the warm-up (undefined when none is). */
  steadyPerS?: number;
}

/**
 * ProducerPerformance with a payload file (one record per line) and the producer settings given, time-boxed: it sends
 * as fast as it can for `seconds` (from its start; the JVM's start aside) and is stopped. Its rate is over its whole
 * 5 s windows past `warmupS`; the last, partial one is left out (at close it is the buffer draining, a burst of
 * acknowledgements at several times the steady rate).
 */
export async function producerPerformance(bootstrap: string, topic: string, o: { seconds: number; payloadFile: string; props: Record<string, string>; warmupS: number }): Promise<ProducerRun> {
  // records enough for `seconds` at twice the fastest rate seen here (690,000/s), so a JVM orphaned by a killed bench
  // stops by itself soon after
  const props = Object.entries(o.props).map(([k, v]) => `${k}=${v}`);
  const { out } = await runKafkaTool('org.apache.kafka.tools.ProducerPerformance', ['--topic', topic, '--num-records', String(1_500_000 * o.seconds), '--payload-file', o.payloadFile, '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`, ...props], o.seconds * 1000 + 120_000, { stopAfterMs: o.seconds * 1000 + 2000 });
  const windows = parseProducerWindows(out);
  if (!windows.length) throw new Error(`ProducerPerformance printed no 5 s window in ${o.seconds} s; its output ended: ${out.trim().split('\n').slice(-3).join(' | ')}`);
  const steady = steadyRate(windows, o.warmupS);
  return { records: windows.reduce((n, w) => n + w.records, 0), ...(steady !== undefined ? { steadyPerS: steady } : {}) };
}

export interface ConsumerFigures {
  records: number;
  /** records/s over the fetch time (ConsumerPerformance's fetch.nMsg.sec: the group's join left out). */
  fetchPerS: number;
  mbPerS: number;
}

/**
 * ConsumerPerformance's result line, under its header `start.time, end.time, data.consumed.in.MB, MB.sec,
 * data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec`.
 */
export function parseConsumerPerformance(out: string): ConsumerFigures {
  const lines = out.split('\n').map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith('start.time'));
  const names = h >= 0 ? lines[h]!.split(',').map((x) => x.trim()) : [];
  const values = h >= 0 ? (lines[h + 1] ?? '').split(',').map((x) => x.trim()) : [];
  const get = (name: string) => Number(values[names.indexOf(name)]);
  const r = { records: get('data.consumed.in.nMsg'), fetchPerS: get('fetch.nMsg.sec'), mbPerS: get('fetch.MB.sec') };
  if (!Number.isFinite(r.records) || !Number.isFinite(r.fetchPerS)) throw new Error(`ConsumerPerformance printed no result line; its output ended: ${out.trim().split('\n').slice(-3).join(' | ')}`);
  return r;
}

/** ConsumerPerformance reading `messages` records of a topic from its start in a group of its own, with the consumer settings given. */
export async function consumerPerformance(bootstrap: string, topic: string, messages: number, props: Record<string, string>, dir: string): Promise<ConsumerFigures> {
  const config = join(dir, `consumer-${topic}.properties`);
  writeFileSync(config, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const { out } = await runKafkaTool('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', bootstrap, '--topic', topic, '--messages', String(messages), '--consumer.config', config, '--group', `bench-cp-${topic}`, '--timeout', '30000'], 600_000);
  return parseConsumerPerformance(out);
}

export async function endToEndLatency(bootstrap: string, topic: string, messages: number, size: number): Promise<LatencyFigures> {
  const { out } = await runKafkaTool('org.apache.kafka.tools.EndToEndLatency', [bootstrap, topic, String(messages), 'all', String(size)], 300_000);
  return parseEndToEndLatency(out);
}
