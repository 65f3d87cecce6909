// `just bench-pipeline`: saturate the deployed pipeline with exactly-once on and print what it sustains.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deployedOrExit } from './deployed.js';
import { DEFAULT_OUT } from '../reports/index.js';
import { benchPipeline, type BenchResult } from './pipeline-bench.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '6' },
    'event-bytes': { type: 'string', default: '512' },
  },
});
const num = (name: string, v: string | undefined, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer from ${min} to ${max} (got ${v})`);
    process.exit(2);
  }
  return n;
};
const options = {
  durationS: num('duration', values.duration, 5, 3600),
  warmupS: num('warmup', values.warmup, 0, 300),
  batch: num('batch', values.batch, 1, 1000),
  concurrency: num('concurrency', values.concurrency, 1, 64),
  eventBytes: num('event-bytes', values['event-bytes'], 200, 8192),
};

const { provider, processes } = await deployedOrExit('bench-pipeline');

const r: BenchResult = await benchPipeline(provider.topology, options, processes, (l) => console.log(`bench-pipeline: ${l}`));
const f = (n: number | null | undefined, d = 0) => (n === null || n === undefined ? '–' : n.toLocaleString('en', { maximumFractionDigits: d }));
console.log(`
pipeline, exactly-once, ${r.options.batch} events/request, ${r.options.concurrency} requests in flight, ~${r.options.eventBytes} B/event, ${r.measuredS.toFixed(0)} s measured on ${r.machine.cores} cores
  ingest accepted        ${f(r.ingest.acceptedPerS)} events/s (client side; Prometheus: ${f(r.stages.ingest)})
  process (exactly once) ${f(r.stages.process)} events/s
  aggregate (exactly once) ${f(r.stages.aggregate)} events/s
  HTTP request           p50 ${f(r.ingest.httpP50Ms)} ms, p99 ${f(r.ingest.httpP99Ms)} ms  (503: ${r.ingest.status503}, failed: ${r.ingest.failedRequests})
  end to end             p50 ${f(r.endToEnd.p50Ms)} ms, p95 ${f(r.endToEnd.p95Ms)} ms, p99 ${f(r.endToEnd.p99Ms)} ms, max ${f(r.endToEnd.maxMs)} ms over ${f(r.endToEnd.seen)} events
                         (client send -> committed in logs.processed, read_committed)
  target                 50,000 events/s end to end with p99 < 1 s: ${(r.stages.aggregate ?? 0) >= 50_000 && (r.endToEnd.p99Ms ?? Infinity) < 1000 ? 'met' : 'NOT met'}
  CPU (cores used)       ${r.cpu.filter((c) => c.cores >= 0.01).map((c) => `${c.name} ${c.cores.toFixed(2)}`).join(', ')}
`);
const dir = join(DEFAULT_OUT, 'bench-pipeline');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${r.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(r, null, 2));
console.log(`bench-pipeline: figures in ${file}`);
process.exit(0);
