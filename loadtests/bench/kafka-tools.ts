// Kafka's own tools, run from the jars setup fetched (kafka-tools 3.9), and
// the parsers of what they print: the reference side of every `just bench`
// pair. Parsers are pure; the runners spawn a JVM with a bounded time.
import { spawn } from 'node:child_process';
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

/**
 * TransactionalMessageCopier's JSON status lines (`{"stage":"ProcessLoop","time":"2026/11/25 18:52:53:933",
 * "totalProcessed":3882,...}`, last `"stage":"ShutdownComplete"`): the records copied, whether it shut down cleanly,
 * and its steady rate, from its first progress line to its last (JVM start and set-up left out).
 */
export function parseCopier(out: string): { processed: number; complete: boolean; steady?: { records: number; ms: number } } {
  let processed = 0;
  let complete = false;
  const points: { at: number; n: number }[] = [];
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const j = JSON.parse(line) as { stage?: string; time?: string; totalProcessed?: number };
      if (typeof j.totalProcessed === 'number') processed = Math.max(processed, j.totalProcessed);
      if (j.stage === 'ShutdownComplete') complete = true;
      const t = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d):(\d{3})$/.exec(j.time ?? '');
      if (t && typeof j.totalProcessed === 'number') points.push({ at: Date.UTC(+t[1]!, +t[2]! - 1, +t[3]!, +t[4]!, +t[5]!, +t[6]!, +t[7]!), n: j.totalProcessed });
    } catch {
      // not a status line
    }
  }
  const first = points[0];
  const last = points[points.length - 1];
  const steady = first && last && last.at > first.at && last.n > first.n ? { records: last.n - first.n, ms: last.at - first.at } : undefined;
  return { processed, complete, ...(steady ? { steady } : {}) };
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

/** Runs a class of the Kafka jars; resolves with its stdout+stderr and the wall time; rejects past `timeoutMs`. */
export function runKafkaTool(mainClass: string, args: string[], timeoutMs: number): Promise<{ out: string; ms: number; code: number | null }> {
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
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, ms: performance.now() - t0, code });
    });
  });
}

export async function producerPerformance(bootstrap: string, topic: string, records: number, recordSize: number): Promise<ProducerFigures> {
  const { out } = await runKafkaTool(
    'org.apache.kafka.tools.ProducerPerformance',
    ['--topic', topic, '--num-records', String(records), '--record-size', String(recordSize), '--throughput', '-1', '--producer-props', `bootstrap.servers=${bootstrap}`, 'acks=all', 'enable.idempotence=true', 'linger.ms=5'],
    300_000,
  );
  return parseProducerPerformance(out);
}

/** Copies one input partition to the output topic in transactions of `transactionSize`: its steady rate, and its wall time with the JVM's start. */
export async function transactionalCopy(bootstrap: string, input: string, output: string, group: string, transactionSize: number): Promise<{ processed: number; ms: number; steadyPerS?: number }> {
  const { out, ms, code } = await runKafkaTool(
    'org.apache.kafka.tools.TransactionalMessageCopier',
    ['--broker-list', bootstrap, '--input-topic', input, '--input-partition', '0', '--output-topic', output, '--consumer-group', group, '--transactional-id', `${group}-copier`, '--transaction-size', String(transactionSize), '--max-messages', '-1', '--use-group-metadata'],
    600_000,
  );
  const r = parseCopier(out);
  if (!r.complete) throw new Error(`TransactionalMessageCopier exited ${code} without completing (${r.processed} copied); its output ended: ${out.trim().split('\n').slice(-3).join(' | ')}`);
  return { processed: r.processed, ms, ...(r.steady ? { steadyPerS: r.steady.records / (r.steady.ms / 1000) } : {}) };
}

export async function endToEndLatency(bootstrap: string, topic: string, messages: number, size: number): Promise<LatencyFigures> {
  const { out } = await runKafkaTool('org.apache.kafka.tools.EndToEndLatency', [bootstrap, topic, String(messages), 'all', String(size)], 300_000);
  return parseEndToEndLatency(out);
}
