// `just bench`: our paths against Kafka's own tools and Kafka Streams, in one run, on the same cluster and the same
// realistic events (~190 B of JSON, the pipeline's schema), with the same producer settings on both sides of each
// pair. Each pair is repeated with the order alternating; the ratios come with their spread. Every run that writes
// through our stages or Kafka Streams has its output checked (no loss, no duplicate, aggregates equal to a
// recomputation): a figure bought by breaking exactly-once does not count. A report (kind `bench`) holds the verdict
// lines, the cost model (CPU per 1,000 events per component, and the cores 50,000 events/s would take) and the trend.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapServers, ensureTopics, kafka, promQuery, type Topology } from '../../cluster/index.js';
import type { CheckResult, RunResult, Series } from '../../reports/index.js';
import { ingestProducerSettings, readEnv } from '../../pipeline/ingest/index.js';
import { DEFAULT_COMMIT_INTERVAL_MS } from '../../pipeline/eos/index.js';
import { benchPipeline, cpuTicks, costModel, kindOf, quantileOf, type CostModel } from '../pipeline-bench.js';
import { consumerPerformance, endToEndLatency, producerPerformance } from './kafka-tools.js';
import { partitionCounts } from './partitions.js';
import { fillWithEvents, kafkajsEndToEnd, librdkafkaProducer, ourStages, readAll, stageConsumer } from './ours.js';
import { writePayloadFile } from './payload.js';
import { kafkaStreamsRun } from './streams.js';
import { unchecked, verdictHolds, verdictSummary, verifyOutput, type Verdict } from './verify.js';

export interface BenchPlan {
  reps: number;
  /** Seconds of each producer run (time-boxed on both sides: whole 5 s windows past the warm-up whatever the machine's speed). */
  producerS: number;
  /** At most this many of the records ProducerPerformance wrote are read back by the consumer pair. */
  consumerRecords: number;
  /** Seconds of each producer run left out of its steady rate (the JVM's and the connections' warm-up). */
  warmupS: number;
  /** Input events of the stream-processing pair (ours and Kafka Streams read the same filled topic). */
  streamsRecords: number;
  /** How often both stream processors commit their transactions: the pipeline's default, given to Kafka Streams too (its own exactly-once default is 100 ms). */
  commitIntervalMs: number;
  e2eMessages: number;
  /** Seconds of the saturated pipeline run, and of the run paced at 80% of what it sustained. */
  pipelineS: number;
  paceS: number;
}

export const FULL: BenchPlan = { reps: 3, producerS: 40, consumerRecords: 3_000_000, warmupS: 5, streamsRecords: 150_000, commitIntervalMs: DEFAULT_COMMIT_INTERVAL_MS, e2eMessages: 1000, pipelineS: 30, paceS: 30 };
// the stream pair keeps the full size even when quick: its steady part needs several commit steps, and a stage commits
// 15,000-45,000 events at a time (a transaction holds what one interval handed over), so at 60,000 our aggregate side
// once committed everything in one step and its line went undecided (CI, 2026-12-05)
export const QUICK: BenchPlan = { reps: 1, producerS: 20, consumerRecords: 1_500_000, warmupS: 5, streamsRecords: 150_000, commitIntervalMs: DEFAULT_COMMIT_INTERVAL_MS, e2eMessages: 100, pipelineS: 12, paceS: 12 };

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

/** The median; NaN when any figure is NaN (a repetition not measured, or whose output broke a rule, makes the line unknown). */
const median = (xs: number[]) => (xs.some((x) => Number.isNaN(x)) ? NaN : (quantileOf([...xs].sort((a, b) => a - b), 0.5) ?? NaN));

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
async function caughtUp(t: Topology, log: (line: string) => void): Promise<boolean> {
  const q = 'max(faultline_consumer_lag_offsets{group=~"faultline-process|faultline-aggregate"})';
  let lag = NaN;
  for (let i = 0; i < 150; i++) {
    lag = Number((await promQuery(t, q).catch(() => []))[0]?.value[1] ?? NaN);
    if (lag < 500) return true;
    if (i % 10 === 0) log(`  waiting for the stages to catch up: ${Number.isFinite(lag) ? `${fmt(lag)} records behind` : 'no lag figure yet'}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  log(`  the stages are still ${fmt(lag)} records behind after 5 minutes: the pipeline's figures of this repetition would measure a backlog's drain, and are not counted`);
  return false;
}

/** An output check as a verdict line: it holds, or the run's figure does not count. */
export function outputCheck(name: string, what: string, verdicts: Verdict[]): CheckResult {
  const bad = verdicts.filter((v) => !verdictHolds(v));
  return {
    name,
    property: `${what}: every event once in the processed topic, every aggregate equal to a recomputation from them`,
    valid: verdicts.length > 0 && bad.length === 0,
    summary: verdicts.map(verdictSummary).join('; ') || 'nothing was checked',
    stats: { runs: verdicts.length, lost: verdicts.reduce((s, v) => s + v.lost, 0), duplicated: verdicts.reduce((s, v) => s + v.duplicated, 0), wrongWindows: verdicts.reduce((s, v) => s + v.wrongWindows, 0) },
    counterexamples: bad.flatMap((v) => v.examples).slice(0, 20).map((what) => ({ what })),
  };
}

/** The end-to-end latency at 80% of the sustained rate, against its bound. */
export interface PacedRun {
  ratePerS: number;
  p99Ms: number;
  /** Events in requests sent during the measured window, and of them accepted; requests that failed or got a 503. */
  offered: number;
  accepted: number;
  failedOr503: number;
}

/**
 * The end-to-end latency at 80% of the sustained rate, against its bound. It counts only if the pipeline took that
 * offer: every request answered, none refused for saturation, at least 99% of the events accepted. An event accepted
 * and never read is infinitely late (p99 over the events sent in the window, read whenever).
 */
export function pacedCheck(runs: PacedRun[], boundMs = 1000): CheckResult {
  const p99 = median(runs.map((r) => r.p99Ms));
  const refused = runs.filter((r) => r.failedOr503 > 0 || r.accepted < 0.99 * r.offered);
  return {
    name: 'pipeline p99 at 80% of sustained',
    property: `end to end (client send -> committed in logs.processed, read_committed) of the events sent while the offer is paced (open model) at 80% of the saturated rate, every one accepted; goal: p99 < ${fmt(boundMs)} ms`,
    valid: refused.length ? false : Number.isNaN(p99) || !runs.length ? 'unknown' : p99 < boundMs,
    summary: `p99 ${Number.isFinite(p99) ? `${fmt(p99)} ms` : p99 === Infinity ? 'infinite (accepted events never read)' : '–'} at ${fmt(median(runs.map((r) => r.ratePerS)))} events/s offered (median of ${runs.length})${refused.length ? `; the pipeline did not take the offer in ${refused.length} run(s): ${refused.map((r) => `${fmt(r.accepted)} of ${fmt(r.offered)} accepted, ${r.failedOr503} requests failed or refused`).join('; ')}` : ''}`,
    stats: { p99Ms: Number.isFinite(p99) ? Math.round(p99) : -1, ratePerS: Math.round(median(runs.map((r) => r.ratePerS))), boundMs },
    counterexamples: [],
  };
}

export interface StreamsModel {
  side: string;
  /** CPU seconds per 1,000 events: the processor's own process, and the brokers over the same interval. */
  selfPer1000: number;
  brokersPer1000: number;
}

export interface BenchOutcome {
  checks: CheckResult[];
  pairs: Pair[];
  pipeline: { eventsPerS: number[]; p50Ms: number[]; p99Ms: number[] };
  /** The saturated pipeline's cost per component (the last repetition's), and the stream-processing pair's. */
  model: CostModel[];
  streamsModel: StreamsModel[];
  payloadBytes: number;
}

/**
 * Deletes the bench's topics (and Kafka Streams' changelogs, by their application id's prefix) and its consumer
 * groups. A group whose member is still leaving (a killed JVM's, for its session timeout) is asked again for up to
 * a minute. Says what it could not delete.
 */
async function cleanUp(k: ReturnType<typeof kafka>, id: string, topics: string[], log: (line: string) => void): Promise<void> {
  const admin = k.admin();
  try {
    await admin.connect();
    const all = await admin.listTopics();
    const doomed = all.filter((x) => topics.some((p) => x === p || (p.endsWith('-') && x.startsWith(p))));
    if (doomed.length) await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
    const mine = (g: string) => g.startsWith(`bench-${id}-`) || g.startsWith(`bench-cp-bench.${id}.`);
    let groups: string[] = [];
    for (let attempt = 0; attempt < 12; attempt++) {
      groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter(mine);
      if (!groups.length) return;
      await admin.deleteGroups(groups).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5000));
    }
    if (groups.length) log(`could not delete the bench's consumer groups ${groups.join(', ')} within a minute; delete them with kafka-consumer-groups --delete`);
  } catch (err) {
    log(`could not clean up the bench's topics (bench.${id}.*, bench-${id}-*) and groups: ${(err as Error).message}; delete them with kafka-topics --delete`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** CPU seconds the brokers spent while `f` ran (their ticks from /proc). */
async function brokersCpu<T>(processes: { name: string; pid: number }[], f: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const brokers = processes.filter((p) => kindOf(p.name) === 'broker');
  const before = brokers.map((b) => cpuTicks(b.pid) ?? 0);
  const value = await f();
  const seconds = brokers.reduce((s, b, i) => s + ((cpuTicks(b.pid) ?? before[i]!) - before[i]!), 0) / 100;
  return { value, seconds };
}

export async function runBench(t: Topology, plan: BenchPlan, processes: { name: string; pid: number }[], log: (line: string) => void): Promise<BenchOutcome> {
  const id = randomUUID().slice(0, 6);
  const k = kafka(t);
  const brokers = bootstrapServers(t);
  const bootstrap = brokers.join(',');
  const e = { brokers, clientId: `bench-${id}` };
  const dir = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
  const payloadFile = join(dir, 'events.txt');
  const { lines, meanBytes: payloadBytes } = writePayloadFile(payloadFile, 10_000);
  // the ingest's producer settings, given to ProducerPerformance as they are
  const settings = ingestProducerSettings(readEnv({}).lingerMs);
  const javaProps = Object.fromEntries(Object.entries(settings).map(([key, v]) => [key, String(v)]));
  const topics: string[] = [];
  const topic = async (name: string, partitions: number, config?: Record<string, string>) => {
    const full = `bench.${id}.${name}`;
    await ensureTopics(t, [{ name: full, partitions, ...(config ? { config } : {}) }]);
    topics.push(full);
    // the brokers' metadata caches may not know it yet: ask (retrying) before any client of ours uses it
    await partitionCounts(k, [full]);
    return full;
  };
  const same = `${payloadBytes} B JSON log events from one payload file, ${Object.entries(settings).map(([key, v]) => `${key}=${v}`).join(', ')}, no key, 6 partitions, ${plan.producerS} s each, the first ${plan.warmupS} s left out`;
  const client: Pair = { name: 'R_client', what: `producer records/s, the same settings on both sides: ${same}`, unit: 'records/s', ours: [], theirs: [], oursLabel: 'librdkafka (ingest producer)', theirsLabel: 'ProducerPerformance', goal: 0.7 };
  const consumer: Pair = { name: 'R_consumer', what: `read_committed consumer records/s over the topic ProducerPerformance wrote (up to ${fmt(plan.consumerRecords)} records), after the first batch (ours) and over the fetch time (ConsumerPerformance): the group's join left out on both sides`, unit: 'records/s', ours: [], theirs: [], oursLabel: 'librdkafka (stage consumer)', theirsLabel: 'ConsumerPerformance', goal: 0.7 };
  const streams: Pair = { name: 'R_streams', what: `exactly-once (v2) stream processing of the same ${fmt(plan.streamsRecords)} events from one filled topic (6 partitions): validate, enrich, classify -> processed (+ DLQ), 10 s tumbling windows per service and level -> aggregates, commit every ${plan.commitIntervalMs} ms; steady aggregate-side records/s from the first commit to the last. Ours: both stages in one Node process; Kafka Streams 3.9: one JVM, 1 stream thread. Ours also de-duplicates ids (Kafka Streams does not: less work on its side)`, unit: 'records/s', ours: [], theirs: [], oursLabel: 'our stages', theirsLabel: 'Kafka Streams', goal: 1.0 };
  const limit: Pair = { name: 'R_limit', what: `the pipeline (HTTP ingest -> processed -> aggregates, exactly-once, saturated: events/s through both stages, no more than ingest accepted) against ProducerPerformance's steady records/s with the same events and settings, as what this machine's brokers take from one plain producer; the pipeline writes each event twice (raw, processed) and reads it twice, so 0.5 is the goal`, unit: 'events/s', ours: [], theirs: [], oursLabel: 'pipeline', theirsLabel: 'ProducerPerformance', goal: 0.5 };
  const e2e: Pair = { name: 'R_e2e', what: `one ${payloadBytes} B record at a time, acks=all, produce -> consumed, p50`, unit: 'ms', ours: [], theirs: [], oursLabel: 'kafkajs', theirsLabel: 'EndToEndLatency', lowerIsBetter: true, goal: 0.7 };
  const pipeline = { eventsPerS: [] as number[], p50Ms: [] as number[], p99Ms: [] as number[] };
  const paced: PacedRun[] = [];
  const verdicts = { pipeline: [] as Verdict[], ours: [] as Verdict[], streams: [] as Verdict[] };
  let model: CostModel[] = [];
  const streamsCost = { ours: [] as { self: number; brokers: number; records: number }[], streams: [] as { self: number; brokers: number; records: number }[] };
  try {
    for (let rep = 0; rep < plan.reps; rep++) {
      const theirsFirst = rep % 2 === 0;
      const both = async (ours: () => Promise<void>, theirs: () => Promise<void>) => {
        for (const f of theirsFirst ? [theirs, ours] : [ours, theirs]) await f();
      };
      log(`repetition ${rep + 1}/${plan.reps} (${theirsFirst ? "Kafka's side" : 'ours'} first in each pair)`);
      let written = '';
      let writtenRecords = 0;
      await both(
        async () => {
          const r = await librdkafkaProducer(e, await topic(`client-ours-${rep}`, 6), lines, plan.producerS, settings, plan.warmupS);
          // a run too short to have a steady part is not counted (its whole-run rate holds its warm-up)
          client.ours.push(r.steadyPerS ?? NaN);
          log(`  R_client ours: ${fmt(r.steadyPerS ?? NaN)} records/s steady (${fmt(r.recordsPerS)} over the whole run)`);
        },
        async () => {
          written = await topic(`client-java-${rep}`, 6);
          const r = await producerPerformance(bootstrap, written, { seconds: plan.producerS, payloadFile, props: javaProps, warmupS: plan.warmupS });
          client.theirs.push(r.steadyPerS ?? NaN);
          writtenRecords = r.records;
          log(`  R_client ProducerPerformance: ${fmt(r.steadyPerS ?? NaN)} records/s steady (${fmt(r.records)} records in its whole windows)`);
        },
      );
      await both(
        async () => {
          const r = await stageConsumer(e, written, Math.min(writtenRecords, plan.consumerRecords), `bench-${id}-consumer-${rep}`, 300_000);
          consumer.ours.push(r.perS);
          log(`  R_consumer ours: ${fmt(r.perS)} records/s`);
        },
        async () => {
          const r = await consumerPerformance(bootstrap, written, Math.min(writtenRecords, plan.consumerRecords), { 'isolation.level': 'read_committed' }, dir);
          consumer.theirs.push(r.fetchPerS);
          log(`  R_consumer ConsumerPerformance: ${fmt(r.fetchPerS)} records/s`);
        },
      );
      // the stream-processing pair: the same filled input, each side its own output topics
      const input = await topic(`streams-in-${rep}`, 6);
      const sent = await fillWithEvents(e, input, plan.streamsRecords, `bench-${id}-${rep}`, settings);
      const outputs = async (side: string) => ({
        input,
        processed: await topic(`${side}-processed-${rep}`, 6),
        dlq: await topic(`${side}-dlq-${rep}`, 3),
        aggregates: await topic(`${side}-aggregates-${rep}`, 3, { 'cleanup.policy': 'compact' }),
        aggregatePartitions: 3,
      });
      const check = async (o: { processed: string; aggregates: string }) => verifyOutput(sent.keys(), await readAll(e, o.processed), await readAll(e, o.aggregates), { sent });
      await both(
        async () => {
          const o = await outputs('ours');
          const { value: r, seconds } = await brokersCpu(processes, () => ourStages(e, k, o, `bench-${id}-ours-${rep}`, plan.streamsRecords, plan.commitIntervalMs, 600_000));
          const v = await check(o);
          verdicts.ours.push(v);
          // a figure whose output broke a rule does not count
          streams.ours.push(verdictHolds(v) ? (r.steadyPerS ?? NaN) : NaN);
          if (r.steadyCpuSeconds !== undefined) streamsCost.ours.push({ self: r.steadyCpuSeconds, brokers: seconds * (r.steadyRecords! / plan.streamsRecords), records: r.steadyRecords! });
          log(`  R_streams our stages: ${fmt(r.steadyPerS ?? NaN)} records/s steady, ${fmt(r.ms / 1000, 1)} s in all; output: ${verdictSummary(v)}`);
        },
        async () => {
          const o = await outputs('kstreams');
          // its internal topics (changelogs) are named after its application id: deleted afterwards whatever happens
          topics.push(`bench-${id}-kstreams-${rep}-`);
          const { value: r, seconds } = await brokersCpu(processes, () =>
            kafkaStreamsRun({ bootstrap, input, processed: o.processed, dlq: o.dlq, aggregates: o.aggregates, applicationId: `bench-${id}-kstreams-${rep}`, commitIntervalMs: plan.commitIntervalMs, expectedInputs: plan.streamsRecords, threads: 1, timeoutMs: 600_000 }),
          );
          const v = await check(o);
          verdicts.streams.push(v);
          streams.theirs.push(verdictHolds(v) ? (r.steadyPerS ?? NaN) : NaN);
          if (r.steadyCpuSeconds !== undefined) streamsCost.streams.push({ self: r.steadyCpuSeconds, brokers: seconds * (r.steadyRecords! / plan.streamsRecords), records: r.steadyRecords! });
          log(`  R_streams Kafka Streams: ${fmt(r.steadyPerS ?? NaN)} records/s steady, ${fmt(r.ms / 1000, 1)} s with the JVM's start; output: ${verdictSummary(v)}`);
        },
      );
      await both(
        async () => {
          const r = await kafkajsEndToEnd(k, await topic(`e2e-ours-${rep}`, 1), plan.e2eMessages, payloadBytes, `bench-${id}-e2e-${rep}`);
          e2e.ours.push(r.p50Ms);
          log(`  R_e2e kafkajs: p50 ${fmt(r.p50Ms, 1)} ms, p99 ${fmt(r.p99Ms, 1)} ms`);
        },
        async () => {
          const r = await endToEndLatency(bootstrap, await topic(`e2e-java-${rep}`, 1), plan.e2eMessages, payloadBytes);
          e2e.theirs.push(r.p50Ms);
          log(`  R_e2e EndToEndLatency: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
        },
      );
      // the pipeline, saturated, then paced at 80% of what it sustained; each from caught-up stages
      const clean = await caughtUp(t, log);
      const b = await benchPipeline(t, { durationS: plan.pipelineS, warmupS: Math.min(5, plan.pipelineS / 2), batch: 500, concurrency: 6, eventBytes: payloadBytes }, processes, (l) => log(`  pipeline: ${l}`));
      // sustained: what went through both stages, no more than ingest took (a backlog's drain is not a sustained
      // rate), from caught-up stages, and only if the output held; else this repetition's figures are not counted
      const checked = b.verdict ? [b.verdict] : [];
      verdicts.pipeline.push(...(checked.length ? checked : [unchecked('the saturated run')]));
      const rate = clean && checked.every(verdictHolds) ? Math.min(b.stages.aggregate ?? NaN, b.ingest.acceptedPerS) : NaN;
      pipeline.eventsPerS.push(rate);
      pipeline.p50Ms.push(b.endToEnd.p50Ms ?? NaN);
      pipeline.p99Ms.push(b.endToEnd.p99Ms ?? NaN);
      limit.ours.push(rate);
      limit.theirs.push(client.theirs[client.theirs.length - 1]!);
      model = b.model;
      log(`  pipeline saturated: ${fmt(rate)} events/s exactly-once, end to end p99 ${fmt(b.endToEnd.p99Ms ?? NaN)} ms; output: ${b.verdict ? verdictSummary(b.verdict) : 'not checked'}`);
      // paced at 80% of what it sustained: only when that figure counted
      if (!Number.isFinite(rate) || !(await caughtUp(t, log))) {
        log('  pipeline paced: not run (no sustained figure to pace at, or the stages did not catch up)');
        paced.push({ ratePerS: NaN, p99Ms: NaN, offered: 0, accepted: 0, failedOr503: 0 });
        continue;
      }
      const pace = Math.round(0.8 * rate);
      const p = await benchPipeline(t, { durationS: plan.paceS, warmupS: Math.min(5, plan.paceS / 2), batch: 100, concurrency: 6, eventBytes: payloadBytes, ratePerS: pace }, processes, (l) => log(`  paced: ${l}`));
      const pv = p.verdict ?? unchecked('the paced run');
      verdicts.pipeline.push(pv);
      paced.push({ ratePerS: pace, p99Ms: verdictHolds(pv) ? (p.endToEnd.p99Ms ?? NaN) : NaN, offered: p.ingest.offered, accepted: p.ingest.accepted, failedOr503: p.ingest.failedRequests + p.ingest.status503 });
      log(`  pipeline paced at ${fmt(pace)} events/s: end to end p50 ${fmt(p.endToEnd.p50Ms ?? NaN)} ms, p99 ${fmt(p.endToEnd.p99Ms ?? NaN)} ms; output: ${p.verdict ? verdictSummary(p.verdict) : 'not checked'}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await cleanUp(k, id, topics, log);
    // leave the pipeline as we found it: caught up (the next user of the deployment, a test or a chaos run, must not
    // wait behind the bench's backlog: a pipeline live test after it timed out so), whether the bench passed or failed
    await caughtUp(t, log);
  }
  const perSide = (xs: { self: number; brokers: number; records: number }[]) => {
    const records = xs.reduce((s, x) => s + x.records, 0);
    return { selfPer1000: (xs.reduce((s, x) => s + x.self, 0) / records) * 1000, brokersPer1000: (xs.reduce((s, x) => s + x.brokers, 0) / records) * 1000 };
  };
  const streamsModel = [
    { side: 'our stages (one Node process)', ...perSide(streamsCost.ours) },
    { side: 'Kafka Streams (one JVM)', ...perSide(streamsCost.streams) },
  ];
  const pairs = [client, consumer, streams, limit, e2e];
  return {
    pairs,
    pipeline,
    model,
    streamsModel,
    payloadBytes,
    checks: [
      ...pairs.map(pairCheck),
      pipelineCheck(pipeline.eventsPerS, pipeline.p50Ms, pipeline.p99Ms),
      pacedCheck(paced),
      outputCheck('pipeline output exactly once', 'every saturated and paced pipeline run (the deployed stages)', verdicts.pipeline),
      outputCheck('our stages output exactly once', 'every run of our stages in the R_streams pair', verdicts.ours),
      outputCheck('Kafka Streams output exactly once', 'every run of Kafka Streams in the R_streams pair (the reference must be right too)', verdicts.streams),
    ],
  };
}

/** The cost model as lines: per kind of component, CPU seconds per 1,000 events and the cores 50,000 events/s would take. */
export function modelLines(model: CostModel[], streamsModel: StreamsModel[]): string[] {
  const production = model.filter((m) => m.kind !== 'bench client' && m.kind !== 'ops');
  const total = production.reduce((s, m) => s + m.coresFor50k, 0);
  return [
    ...model.map((m) => `${m.kind.padEnd(14)} ${fmt(m.cores, 2).padStart(5)} cores used, ${fmt(m.cpuSecondsPer1000, 3).padStart(6)} CPU s per 1,000 events -> ${fmt(m.coresFor50k, 1).padStart(6)} cores for 50,000 events/s`),
    `${'pipeline total'.padEnd(14)} (brokers, ZooKeeper, ingest, process, aggregate; the load generator and ops aside) -> ${fmt(total, 1)} cores for 50,000 events/s`,
    ...streamsModel.map((s) => `R_streams, ${s.side}: ${fmt(s.selfPer1000, 3)} CPU s per 1,000 events itself, the brokers ${fmt(s.brokersPer1000, 3)} (approximate: their CPU over the whole run, shared out by records) -> ${fmt(((s.selfPer1000 + s.brokersPer1000) / 1000) * 50_000, 1)} cores for 50,000 events/s (processing only)`),
  ];
}
