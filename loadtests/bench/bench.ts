// `just bench`: our paths against Kafka's own tools in one run, on the same
// cluster, record size (512 B) and acks=all; each pair repeated with the order
// alternating, the ratios with their spread, and a report (kind `bench`) whose
// verdict lines say which goal is met and whose charts show the trend over
// earlier bench runs.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapServers, ensureTopics, kafka, promQuery, type Topology } from '../../cluster/index.js';
import type { CheckResult, RunResult, Series } from '../../reports/index.js';
import { benchPipeline, quantileOf } from '../pipeline-bench.js';
import { endToEndLatency, producerPerformance, transactionalCopy } from './kafka-tools.js';
import { partitionCounts } from './per-partition.js';
import { fillWithEvents, kafkajsEndToEnd, kafkajsProducer, processorCopy } from './ours.js';
import { k6Accepted } from '../k6/workload.js';

export interface BenchPlan {
  reps: number;
  recordSize: number;
  producerRecords: number;
  eosRecords: number;
  transactionSize: number;
  e2eMessages: number;
  pipelineS: number;
  /** k6 against HTTP ingest: seconds, and an arrival rate above what ingest takes (events/s). */
  httpS: number;
  httpRate: number;
}

export const FULL: BenchPlan = { reps: 3, recordSize: 512, producerRecords: 200_000, eosRecords: 10_000, transactionSize: 1000, e2eMessages: 1000, pipelineS: 30, httpS: 20, httpRate: 20_000 };
export const QUICK: BenchPlan = { reps: 1, recordSize: 512, producerRecords: 20_000, eosRecords: 5000, transactionSize: 1000, e2eMessages: 100, pipelineS: 10, httpS: 8, httpRate: 20_000 };

/** One pair: our figure and the reference's per repetition; `lowerIsBetter` for latencies (the ratio is then theirs / ours). */
export interface Pair {
  name: string;
  what: string;
  unit: string;
  ours: number[];
  theirs: number[];
  oursLabel: string;
  theirsLabel: string;
  lowerIsBetter?: boolean;
  /** The ratio to reach (ours relative to theirs, >= goal). */
  goal: number;
}

export interface PairFigures {
  oursMedian: number;
  theirsMedian: number;
  /** Per repetition, ours relative to theirs (>1: we are better). */
  ratios: number[];
  ratio: number;
  min: number;
  max: number;
}

const median = (xs: number[]) => quantileOf([...xs].sort((a, b) => a - b), 0.5) ?? NaN;

/** The ratio of each repetition (ours / theirs, or theirs / ours for a latency), its median and its spread. */
export function figures(p: Pick<Pair, 'ours' | 'theirs' | 'lowerIsBetter'>): PairFigures {
  const n = Math.min(p.ours.length, p.theirs.length);
  const ratios = Array.from({ length: n }, (_, i) => (p.lowerIsBetter ? p.theirs[i]! / p.ours[i]! : p.ours[i]! / p.theirs[i]!));
  return { oursMedian: median(p.ours), theirsMedian: median(p.theirs), ratios, ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: d }) : '–');

/** A pair as a verdict line: valid when the median ratio reaches the goal. */
export function pairCheck(p: Pair): CheckResult {
  const f = figures(p);
  return {
    name: `${p.name} = ${p.lowerIsBetter ? `${p.theirsLabel} / ${p.oursLabel}` : `${p.oursLabel} / ${p.theirsLabel}`}`,
    property: `${p.what}; goal: ${p.name} >= ${p.goal}`,
    valid: Number.isFinite(f.ratio) ? f.ratio >= p.goal : 'unknown',
    summary: `${p.name} ${fmt(f.ratio, 2)} (spread ${fmt(f.min, 2)}-${fmt(f.max, 2)} over ${f.ratios.length}): ours ${fmt(f.oursMedian, p.unit === 'ms' ? 1 : 0)} ${p.unit}, ${p.theirsLabel} ${fmt(f.theirsMedian, p.unit === 'ms' ? 1 : 0)} ${p.unit}`,
    stats: { ratio: Number(f.ratio.toFixed(3)), min: Number(f.min.toFixed(3)), max: Number(f.max.toFixed(3)), ours: Number(f.oursMedian.toFixed(1)), theirs: Number(f.theirsMedian.toFixed(1)), goal: p.goal },
    counterexamples: [],
  };
}

/** The sustained pipeline figure as a verdict line against the product's goal. */
export function pipelineCheck(eventsPerS: number[], p50Ms: number[], p99Ms: number[], goal = 50_000): CheckResult {
  const rate = median(eventsPerS);
  return {
    name: 'pipeline sustained, exactly-once end to end',
    property: `HTTP ingest -> process -> aggregate with exactly-once on, saturated; goal: >= ${fmt(goal)} events/s`,
    valid: Number.isFinite(rate) ? rate >= goal : 'unknown',
    summary: `${fmt(rate)} events/s (aggregate stage, median of ${eventsPerS.length}), end to end p50 ${fmt(median(p50Ms))} ms, p99 ${fmt(median(p99Ms))} ms: ${fmt((rate / goal) * 100, 1)}% of the goal`,
    stats: { eventsPerS: Math.round(rate), p50Ms: Math.round(median(p50Ms)), p99Ms: Math.round(median(p99Ms)), goal },
    counterexamples: [],
  };
}

/** The trend: per verdict line with a `ratio` (or `eventsPerS`) stat, one point per earlier bench run and this one. */
export function trend(runs: Pick<RunResult, 'epochMs' | 'checks'>[], current: CheckResult[], nowMs: number): Series[] {
  const all = [...runs, { epochMs: nowMs, checks: current }].sort((a, b) => a.epochMs - b.epochMs);
  return current.map((c) => {
    const key = 'ratio' in c.stats ? 'ratio' : 'eventsPerS';
    const points = all.flatMap((r) => {
      const v = r.checks.find((x) => x.name === c.name)?.stats[key];
      return typeof v === 'number' ? [[r.epochMs, v] as [number, number]] : [];
    });
    return { title: `${c.name}: ${key === 'ratio' ? 'ratio' : 'events/s'} over bench runs`, unit: key === 'ratio' ? 'ratio' : 'events/s', query: 'from the results.json of earlier bench runs', lines: [{ label: key, points }] };
  });
}

/** Waits (at most 5 minutes) until the lag exporter says both stage groups are within a few hundred records of their input's end. */
async function caughtUp(t: Topology, log: (line: string) => void): Promise<void> {
  const q = 'max(faultline_consumer_lag_offsets{group=~"faultline-process|faultline-aggregate"})';
  let lag = NaN;
  for (let i = 0; i < 150; i++) {
    lag = Number((await promQuery(t, q).catch(() => []))[0]?.value[1] ?? NaN);
    if (lag < 500) return;
    if (i % 10 === 0) log(`  waiting for the stages to catch up: ${Number.isFinite(lag) ? `${fmt(lag)} records behind` : 'no lag figure yet'}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  log(`  the stages are still ${fmt(lag)} records behind after 5 minutes: the pipeline figure below starts with a backlog`);
}

export interface BenchOutcome {
  checks: CheckResult[];
  pairs: Pair[];
  pipeline: { eventsPerS: number[]; p50Ms: number[]; p99Ms: number[] };
}

export async function runBench(t: Topology, plan: BenchPlan, processes: { name: string; pid: number }[], log: (line: string) => void): Promise<BenchOutcome> {
  const id = randomUUID().slice(0, 6);
  const k = kafka(t);
  const bootstrap = bootstrapServers(t).join(',');
  const brokers = bootstrapServers(t);
  const topics: string[] = [];
  const topic = async (name: string, partitions: number) => {
    const full = `bench.${id}.${name}`;
    await ensureTopics(t, [{ name: full, partitions }]);
    topics.push(full);
    // the brokers' metadata caches may not know it yet: ask (retrying) before any client of ours uses it
    await partitionCounts(k, [full]);
    return full;
  };
  const client: Pair = { name: 'R_client', what: `acks=all, idempotent, ${plan.recordSize} B records, ${fmt(plan.producerRecords)} per run, 6 partitions`, unit: 'records/s', ours: [], theirs: [], oursLabel: 'kafkajs (ingest path)', theirsLabel: 'ProducerPerformance', goal: 0.7 };
  const eos: Pair = { name: 'R_eos', what: `exactly-once copy of one partition, ${fmt(plan.eosRecords)} records of ${plan.recordSize} B, transactions of ${plan.transactionSize} (Java's) / a fetched batch (ours); steady rate, from the first progress seen to the end (start-up left out; a wall time that short falls back to the whole)`, unit: 'records/s', ours: [], theirs: [], oursLabel: 'process stage', theirsLabel: 'TransactionalMessageCopier', goal: 1.0 };
  const http: Pair = { name: 'R_http', what: `events/s HTTP ingest accepted from k6 (${fmt(plan.httpRate)} events/s offered in requests of 500, above what it takes) with the pipeline running, against our producer writing directly`, unit: 'events/s', ours: [], theirs: [], oursLabel: 'HTTP ingest (k6)', theirsLabel: 'direct kafkajs', goal: 0.8 };
  const e2e: Pair = { name: 'R_e2e', what: `one ${plan.recordSize} B record at a time, acks=all, produce -> consumed, p50`, unit: 'ms', ours: [], theirs: [], oursLabel: 'kafkajs', theirsLabel: 'EndToEndLatency', lowerIsBetter: true, goal: 0.7 };
  const pipeline = { eventsPerS: [] as number[], p50Ms: [] as number[], p99Ms: [] as number[] };
  try {
    for (let rep = 0; rep < plan.reps; rep++) {
      const theirsFirst = rep % 2 === 0;
      const both = async (ours: () => Promise<void>, theirs: () => Promise<void>) => {
        for (const f of theirsFirst ? [theirs, ours] : [ours, theirs]) await f();
      };
      log(`repetition ${rep + 1}/${plan.reps} (${theirsFirst ? "Kafka's tool" : 'ours'} first in each pair)`);
      await both(
        async () => {
          const r = await kafkajsProducer(k, await topic(`client-ours-${rep}`, 6), plan.producerRecords, plan.recordSize);
          client.ours.push(r.recordsPerS);
          log(`  R_client ours: ${fmt(r.recordsPerS)} records/s (${fmt(r.mbPerS, 1)} MB/s)`);
        },
        async () => {
          const r = await producerPerformance(bootstrap, await topic(`client-java-${rep}`, 6), plan.producerRecords, plan.recordSize);
          client.theirs.push(r.recordsPerS);
          log(`  R_client ProducerPerformance: ${fmt(r.recordsPerS)} records/s (${fmt(r.mbPerS, 1)} MB/s, p99 ${r.p99Ms} ms)`);
        },
      );
      const input = await topic(`eos-in-${rep}`, 1);
      await fillWithEvents(k, input, plan.eosRecords, plan.recordSize);
      await both(
        async () => {
          const r = await processorCopy(brokers, k, input, await topic(`eos-ours-${rep}`, 1), await topic(`eos-dlq-${rep}`, 1), `bench-${id}-ours-${rep}`, 600_000);
          eos.ours.push(r.steadyPerS ?? r.processed / (r.ms / 1000));
          log(`  R_eos process stage: ${fmt(r.processed)} records, ${fmt(r.ms / 1000, 1)} s with its start; steady ${fmt(r.steadyPerS ?? NaN)} records/s`);
        },
        async () => {
          const r = await transactionalCopy(bootstrap, input, await topic(`eos-java-${rep}`, 1), `bench-${id}-java-${rep}`, plan.transactionSize);
          eos.theirs.push(r.steadyPerS ?? r.processed / (r.ms / 1000));
          log(`  R_eos TransactionalMessageCopier: ${fmt(r.processed)} records, ${fmt(r.ms / 1000, 1)} s with the JVM's start; steady ${fmt(r.steadyPerS ?? NaN)} records/s`);
        },
      );
      await both(
        async () => {
          const r = await kafkajsEndToEnd(k, await topic(`e2e-ours-${rep}`, 1), plan.e2eMessages, plan.recordSize, `bench-${id}-e2e-${rep}`);
          e2e.ours.push(r.p50Ms);
          log(`  R_e2e kafkajs: p50 ${fmt(r.p50Ms, 1)} ms, p99 ${fmt(r.p99Ms, 1)} ms`);
        },
        async () => {
          const r = await endToEndLatency(bootstrap, await topic(`e2e-java-${rep}`, 1), plan.e2eMessages, plan.recordSize);
          e2e.theirs.push(r.p50Ms);
          log(`  R_e2e EndToEndLatency: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
        },
      );
      const k6 = await k6Accepted(t, { rate: plan.httpRate, durationMs: plan.httpS * 1000, batch: 500, dir: mkdtempSync(join(tmpdir(), 'faultline-bench-k6-')), runId: `bench-${id}-${rep}` });
      http.ours.push(k6.acceptedPerS);
      http.theirs.push(client.ours[client.ours.length - 1]!);
      log(`  R_http HTTP ingest under k6: ${fmt(k6.acceptedPerS)} events/s accepted (${k6.requests} requests, ${k6.failed} not 200)`);
      // k6 left a backlog (it offers more than the stages process): the pipeline figure starts from caught-up stages
      await caughtUp(t, log);
      const b = await benchPipeline(t, { durationS: plan.pipelineS, warmupS: Math.min(5, plan.pipelineS / 2), batch: 500, concurrency: 6, eventBytes: plan.recordSize }, processes, (l) => log(`  pipeline: ${l}`));
      pipeline.eventsPerS.push(b.stages.aggregate ?? NaN);
      pipeline.p50Ms.push(b.endToEnd.p50Ms ?? NaN);
      pipeline.p99Ms.push(b.endToEnd.p99Ms ?? NaN);
      log(`  pipeline: ${fmt(b.stages.aggregate ?? NaN)} events/s exactly-once, end to end p99 ${fmt(b.endToEnd.p99Ms ?? NaN)} ms`);
    }
  } finally {
    const admin = k.admin();
    await admin.connect();
    await admin.deleteTopics({ topics, timeout: 30_000 }).catch((e: Error) => log(`could not delete the bench topics (${topics.join(', ')}): ${e.message}`));
    // and its consumer groups: one left committed to a deleted topic is noise in every lag view
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`bench-${id}-`));
    if (groups.length) await admin.deleteGroups(groups).catch((e: Error) => log(`could not delete the bench's consumer groups (${groups.join(', ')}): ${e.message}`));
    await admin.disconnect();
  }
  // leave the pipeline as we found it: caught up (the next user of the deployment, a test or a chaos run, must not
  // wait behind the bench's backlog: a pipeline live test after it timed out so)
  await caughtUp(t, log);
  const pairs = [client, eos, http, e2e];
  return { pairs, pipeline, checks: [...pairs.map(pairCheck), pipelineCheck(pipeline.eventsPerS, pipeline.p50Ms, pipeline.p99Ms)] };
}
