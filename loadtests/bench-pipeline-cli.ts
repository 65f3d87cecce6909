// `just bench-pipeline`: saturate the deployed pipeline with exactly-once on and print what it sustains, or offer it a
// fixed rate (--rate) and print the latency it gives at that rate.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, orUsage, parseDuration, parseNumber } from '../cluster/index.js';
import { deployedOrExit } from './deployed.js';
import { verdictHolds, verdictSummary } from './bench/verify.js';
import { DEFAULT_OUT } from '../reports/index.js';
import { benchPipeline, type BenchResult } from './pipeline-bench.js';

const usage = `usage: just bench-pipeline [--duration 30|30s|1m] [--warmup 5s] [--start-up-wait 120s] [--batch N] [--concurrency N] [--event-bytes N] [--rate N]
  saturates the deployed pipeline (exactly-once) over HTTP for --duration after --warmup (or, with --rate, offers it N
  events/s in all from --concurrency paced clients, open model: requests leave on schedule whatever the answers, to read
  the latency at a rate); then waits at most
  --start-up-wait for events out of every output partition (stages that just started restore their state first; a run
  that measures before that says NOT STEADY); --batch events per request, --concurrency requests in flight,
  --event-bytes the size of each event (200-8192)`;
const { values } = orUsage(usage, () => parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    'start-up-wait': { type: 'string', default: '120' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '6' },
    'event-bytes': { type: 'string', default: '512' },
    rate: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
}));
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const options = orUsage(usage, () => ({
  durationS: parseDuration('duration', values.duration, { minS: 5, maxS: 3600 })!,
  warmupS: parseDuration('warmup', values.warmup, { minS: 0, maxS: 300 })!,
  startUpWaitS: parseDuration('start-up-wait', values['start-up-wait'], { minS: 0, maxS: 600 })!,
  batch: parseNumber('batch', values.batch, { max: 1000 })!,
  concurrency: parseNumber('concurrency', values.concurrency, { max: 64 })!,
  eventBytes: parseNumber('event-bytes', values['event-bytes'], { min: 200, max: 8192 })!,
  ...(values.rate !== undefined ? { ratePerS: parseNumber('rate', values.rate, { max: 1_000_000 })! } : {}),
}));
// paced, each client sends a request every batch x concurrency / rate seconds: one longer than the run measures nothing
orUsage(usage, () => {
  const everyS = options.ratePerS ? (options.batch * options.concurrency) / options.ratePerS : 0;
  if (everyS > options.durationS)
    throw new UsageError(`--rate ${options.ratePerS} with --batch ${options.batch} and --concurrency ${options.concurrency} sends each client's requests ${everyS.toFixed(0)} s apart, longer than the ${options.durationS} s measured: lower --batch or --concurrency, or raise --rate`);
});

const { provider, processes } = await deployedOrExit('bench-pipeline');

const r: BenchResult = await benchPipeline(provider.topology, options, processes, (l) => console.log(`bench-pipeline: ${l}`));
const f = (n: number | null | undefined, d = 0) => (n === null || n === undefined ? '–' : n.toLocaleString('en', { maximumFractionDigits: d }));
console.log(`
pipeline, exactly-once, ${r.options.ratePerS ? `offered ${f(r.options.ratePerS)} events/s, ` : 'saturated, '}${r.options.batch} events/request, ${r.options.concurrency} ${r.options.ratePerS ? 'paced clients' : 'requests in flight'}, ~${r.options.eventBytes} B/event, ${r.measuredS.toFixed(0)} s measured on ${r.machine.cores} cores${
  r.startUp.flowingPartitions < r.startUp.partitions
    ? `\n  NOT STEADY             only ${r.startUp.flowingPartitions} of ${r.startUp.partitions} output partitions had events after ${r.startUp.waitedS} s: these figures include the stages' start-up; run again once the stages are caught up`
    : ''
}
  ingest accepted        ${f(r.ingest.acceptedPerS)} events/s (client side; Prometheus: ${f(r.stages.ingest)})
  process (exactly once) ${f(r.stages.process)} events/s
  aggregate (exactly once) ${f(r.stages.aggregate)} events/s
  HTTP request           p50 ${f(r.ingest.httpP50Ms)} ms, p99 ${f(r.ingest.httpP99Ms)} ms  (503: ${r.ingest.status503}, failed: ${r.ingest.failedRequests})
  end to end             p50 ${f(r.endToEnd.p50Ms)} ms, p95 ${f(r.endToEnd.p95Ms)} ms, p99 ${f(r.endToEnd.p99Ms)} ms, max ${f(r.endToEnd.maxMs)} ms over ${f(r.endToEnd.seen)} events
                         (client send -> committed in logs.processed, read_committed)
  target                 50,000 events/s end to end with p99 < 1 s: ${(r.stages.aggregate ?? 0) >= 50_000 && (r.endToEnd.p99Ms ?? Infinity) < 1000 ? 'met' : 'NOT met'}
  CPU (cores used)       ${r.cpu.filter((c) => c.cores >= 0.01).map((c) => `${c.name} ${c.cores.toFixed(2)}`).join(', ')}
  output                 ${r.verdict ? `${verdictSummary(r.verdict)}: ${verdictHolds(r.verdict) ? 'exactly once' : 'BROKEN'}` : 'not checked'}
  cost per 1,000 events  ${r.model.map((m) => `${m.kind} ${m.cpuSecondsPer1000.toFixed(3)} CPU s`).join(', ')}
                         -> ${r.model.reduce((s, m) => s + m.coresFor50k, 0).toFixed(1)} cores for 50,000 events/s at this cost
`);
const dir = join(DEFAULT_OUT, 'bench-pipeline');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${r.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(r, null, 2));
console.log(`bench-pipeline: figures in ${file}`);
process.exit(0);
