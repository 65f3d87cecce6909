// Saturates the deployed pipeline (exactly-once on) through its HTTP ingest
// and measures what it sustains: accepted events/s at ingest, events/s
// consumed exactly once by process and aggregate (from their counters in
// Prometheus), end-to-end latency from the client's send to the event being
// visible in logs.processed to a read_committed consumer, HTTP latency, and
// where the CPU went (per process, from /proc). A benchmark, not a test: it
// prints figures and writes them to JSON; it asserts nothing.
import { readFileSync } from 'node:fs';
import { addr, bootstrapServers, promQuery, type Topology } from '../cluster/index.js';
import { sleep, waitCaughtUp } from '../chaos/index.js';
import { connectReader, disconnectReader, reader, topicOffsets } from '../pipeline/kafka/index.js';
import { TOPICS } from '../pipeline/contract/index.js';
import { realisticEvent } from './bench/payload.js';
import { verifyOutput, type OutputRecord, type Verdict } from './bench/verify.js';
import { readToEnd } from '../pipeline/kafka/index.js';
import { WINDOW_MS } from '../pipeline/contract/index.js';

export interface BenchOptions {
  durationS: number;
  warmupS: number;
  /** Events per HTTP request. */
  batch: number;
  /** Requests in flight (spread over the zones' ingest instances). */
  concurrency: number;
  /** Approximate bytes per event: the bench's realistic events are ~190 B; above that the message is padded. */
  eventBytes: number;
  /** Offer this many events/s in all (open model: requests leave on schedule, whatever the answers); default: as fast as answers come. */
  ratePerS?: number;
  /** After the warm-up, wait at most this long for bench events in every output partition (default 120 s). */
  startUpWaitS?: number;
  /** Check the output: every accepted event once in logs.processed, the aggregates equal to a recomputation (default true). */
  verify?: boolean;
}

export interface CpuSample {
  name: string;
  pid: number;
  ticks: number;
}

/** utime + stime of a process, in clock ticks (1/100 s on Linux). */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command may hold spaces and parentheses: fields count from the last ')'
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantileOf(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Bench ids carry their send time, so the read side needs no table: bench-<run>-<sendMs>-<n>. */
export const benchId = (run: string, sentMs: number, n: number) => `bench-${run}-${sentMs}-${n}`;
export function sentAtOf(id: string, run: string): number | undefined {
  const prefix = `bench-${run}-`;
  if (!id.startsWith(prefix)) return undefined;
  return Number(id.slice(prefix.length, id.indexOf('-', prefix.length)));
}

export interface BenchResult {
  at: string;
  options: BenchOptions;
  measuredS: number;
  /** offered and accepted: events in requests sent during the measured window. */
  ingest: { acceptedPerS: number; offered: number; accepted: number; refused: number; failedRequests: number; status503: number; httpP50Ms: number | null; httpP99Ms: number | null };
  stages: Record<string, number | null>;
  endToEnd: { seen: number; unseen: number; p50Ms: number | null; p95Ms: number | null; p99Ms: number | null; maxMs: number | null };
  cpu: { name: string; cores: number }[];
  /** Per kind of component (brokers, zookeeper, ingest, process, aggregate, ops, bench client): CPU seconds per 1,000 events the aggregate stage committed, and the cores 50,000 events/s would take at that cost. */
  model: CostModel[];
  /** The output check (undefined when `verify` was off). */
  verdict?: Verdict;
  machine: { cores: number };
  /** Before measuring: how many partitions of the output had bench events when the wait for them ended (startUpWaitS). */
  startUp: { flowingPartitions: number; partitions: number; waitedS: number };
}

export interface CostModel {
  kind: string;
  cores: number;
  cpuSecondsPer1000: number;
  coresFor50k: number;
}

/** The kind of a component by its name (broker-a, process-b, ...); the bench's own process is `bench client`. */
export const kindOf = (name: string) => /^(broker|controller|zookeeper|ingest|process|aggregate)-/.exec(name)?.[1] ?? (name.startsWith('bench client') ? 'bench client' : 'ops');

/** CPU per kind of component over a measured window in which `eventsPerS` went through the pipeline. */
export function costModel(cpu: { name: string; cores: number }[], eventsPerS: number): CostModel[] {
  const byKind = new Map<string, number>();
  for (const c of cpu) byKind.set(kindOf(c.name), (byKind.get(kindOf(c.name)) ?? 0) + c.cores);
  const rows = [...byKind].map(([kind, cores]) => ({ kind, cores, cpuSecondsPer1000: eventsPerS > 0 ? (cores / eventsPerS) * 1000 : NaN, coresFor50k: eventsPerS > 0 ? (cores / eventsPerS) * 50_000 : NaN }));
  return rows.sort((a, b) => b.cores - a.cores);
}

export async function benchPipeline(
  t: Topology,
  o: BenchOptions,
  processes: { name: string; pid: number }[],
  progress: (line: string) => void,
): Promise<BenchResult> {
  const run = Math.random().toString(36).slice(2, 8);
  const ingests = t.stages.filter((s) => s.stage === 'ingest').map((s) => `http://${addr(s.http)}/v1/events`);
  const pad = o.eventBytes > 200 ? ' ' + 'x'.repeat(o.eventBytes - 200) : '';
  let n = 0;
  let measuring = false;
  // the run's end: the clients stop, and a paced client's wait for its next request ends (at a low rate it can be
  // longer than the run)
  const stopped = new AbortController();
  const http: number[] = [];
  const counts = { offered: 0, accepted: 0, refused: 0, failed: 0, s503: 0 };
  // ids sent in the measured window and accepted, and ids whose outcome is unknown (the request failed or got a 503)
  const acceptedInWindow: { id: string; sent: number }[] = [];
  const maybeIds = new Set<string>();
  const verify = o.verify ?? true;
  // every id ingest said it stored, warm-up included: each must be in logs.processed once
  const acceptedIds: string[] = [];
  const endpoint = { brokers: bootstrapServers(t), clientId: `bench-${run}` };
  const aggregatesFrom = verify ? new Map((await topicOffsets(endpoint, TOPICS.aggregates)).map((p) => [p.partition, p.high])) : undefined;

  // the read side: every bench event as soon as it is committed in logs.processed (librdkafka, read_committed, from
  // the topic's end now; kafkajs stalled on this topic's transaction markers and saw nothing)
  // per event read: its send time and its latency; the measured ones are those SENT in the measured window, read
  // whenever (the tail keeps reading after it): a backlog's slowest events are not left out
  const reads: { sent: number; ms: number }[] = [];
  const seenKeys = new Set<string>();
  let readInWindow = 0;
  const processed: OutputRecord[] = [];
  const flowing = new Set<number>();
  const tail = await tailReader(t, TOPICS.processed, (key, now, value, partition) => {
    const sent = key ? sentAtOf(key, run) : undefined;
    if (sent === undefined) return;
    flowing.add(partition);
    reads.push({ sent, ms: now - sent });
    seenKeys.add(key!);
    if (measuring) readInWindow++;
    if (verify) processed.push({ key, value: value ?? '' });
  });

  // open model: each client's requests leave every `interval` ms whatever the answers (a slow answer does not slow the offer)
  const interval = o.ratePerS ? (o.batch * o.concurrency * 1000) / o.ratePerS : 0;
  const inFlight: Promise<void>[] = [];
  const request = async (url: string, sent: number) => {
    const events = Array.from({ length: o.batch }, () => {
      const e = realisticEvent(`bench-${run}-${sent}`, n++, new Date(sent));
      if (pad) e.message += pad;
      return e;
    });
    // a request counts in the window it left in, whenever its answer comes
    const window = measuring;
    if (window) counts.offered += events.length;
    const t0 = performance.now();
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events), signal: AbortSignal.timeout(30_000) });
      const body = (await r.json()) as { accepted?: string[]; refused?: unknown[] };
      if (verify) acceptedIds.push(...(body.accepted ?? []));
      if (r.status === 503) for (const e of events) maybeIds.add(e.id);
      if (window) {
        http.push(performance.now() - t0);
        for (const id of body.accepted ?? []) acceptedInWindow.push({ id, sent });
        counts.accepted += body.accepted?.length ?? 0;
        counts.refused += body.refused?.length ?? 0;
        if (r.status === 503) counts.s503++;
      }
      // saturated: the server said when to come back
      if (r.status === 503 && !interval) await new Promise((res) => setTimeout(res, 200));
    } catch {
      for (const e of events) maybeIds.add(e.id);
      if (window) counts.failed++;
    }
  };
  const client = async (k: number) => {
    const url = ingests[k % ingests.length]!;
    // paced clients start spread over one interval
    let due = Date.now() + (interval * k) / o.concurrency;
    while (!stopped.signal.aborted) {
      if (!interval) {
        await request(url, Date.now());
        continue;
      }
      await sleep(Math.max(0, due - Date.now()), stopped.signal);
      if (stopped.signal.aborted) break;
      inFlight.push(request(url, Date.now()));
      due += interval;
    }
  };
  // every event of the run is timestamped at or after this
  const startedMs = Date.now();
  const clients = Array.from({ length: o.concurrency }, (_, k) => client(k));

  progress(`warming up for ${o.warmupS} s (${o.concurrency} requests of ${o.batch} events in flight over ${ingests.length} ingest instances)`);
  await new Promise((r) => setTimeout(r, o.warmupS * 1000));
  // and until events flow out of every partition: a process instance that was (re)started rebuilds its
  // de-duplication state from the output before its first batch (~9 s a partition with 10 minutes of output), which
  // is a start-up cost, not a sustained rate
  const partitions = (await topicOffsets(endpoint, TOPICS.processed)).length;
  const waitStart = Date.now();
  for (let i = 0; i < (o.startUpWaitS ?? 120) && flowing.size < partitions; i++) {
    if (i % 10 === 0) progress(`waiting for bench events to come out of every partition of ${TOPICS.processed} (${flowing.size} of ${partitions}): the stages restore their state before their first batch`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const startUp = { flowingPartitions: flowing.size, partitions, waitedS: Math.round((Date.now() - waitStart) / 1000) };
  if (flowing.size < partitions)
    progress(
      `WARNING: after ${startUp.waitedS} s only ${flowing.size} of ${partitions} partitions of ${TOPICS.processed} had bench events; measuring anyway, ` +
        'so the figures include the stages\' start-up (restore, then the backlog sent meanwhile)',
    );
  const cpu0 = processes.map((p) => ({ ...p, ticks: cpuTicks(p.pid) }));
  const self0 = process.cpuUsage();
  const t0 = Date.now();
  measuring = true;
  for (let s = 1; s <= o.durationS; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (s % 5 === 0 || s === o.durationS) progress(`${s}/${o.durationS} s: ${Math.round(counts.accepted / s).toLocaleString('en')} events/s accepted, ${Math.round(readInWindow / s).toLocaleString('en')} events/s committed in ${TOPICS.processed}`);
  }
  measuring = false;
  const tEnd = Date.now();
  const measuredS = (tEnd - t0) / 1000;
  const cpu = [
    ...cpu0.map((p) => ({ name: p.name, cores: p.ticks === undefined ? 0 : ((cpuTicks(p.pid) ?? p.ticks) - p.ticks) / 100 / measuredS })),
    { name: 'bench client (this process)', cores: (() => { const u = process.cpuUsage(self0); return (u.user + u.system) / 1e6 / measuredS; })() },
  ];
  stopped.abort();
  await Promise.all(clients);
  await Promise.all(inFlight);
  let verdict: Verdict | undefined;
  if (verify) {
    // every accepted event must reach logs.processed: wait for the tail to see them (bounded), then for the
    // aggregate stage to commit what it read, then compare
    const want = new Set(acceptedIds);
    const seen = () => processed.reduce((k, r) => k + (r.key && want.has(r.key) ? 1 : 0), 0);
    // as long as they keep coming (a backlog drains), for at most 10 minutes; 30 s without a new one ends the wait
    let last = seen();
    let still = 0;
    for (let i = 0; i < 600 && last < want.size && still < 30; i++) {
      if (i % 10 === 0) progress(`waiting for logs.processed to hold every accepted event: ${last.toLocaleString('en')} of ${want.size.toLocaleString('en')}`);
      await new Promise((r) => setTimeout(r, 1000));
      const now = seen();
      still = now > last ? 0 : still + 1;
      last = now;
    }
    // the aggregate stage committed everything in logs.processed (the chaos harness's exact wait), at most 2 minutes
    await waitCaughtUp({ topology: t }, 'faultline-aggregate', TOPICS.processed, 120_000).catch(() => progress('the aggregate stage is still behind after 2 minutes: its windows are compared as they are'));
    const aggregates = await readToEnd(endpoint, TOPICS.aggregates, { from: aggregatesFrom, timeoutMs: 120_000 });
    // the first window may hold events of an earlier run: it is left out of the comparison
    verdict = verifyOutput(acceptedIds, processed, aggregates, { skipWindowsBefore: Math.floor(startedMs / WINDOW_MS) * WINDOW_MS + WINDOW_MS, maybe: maybeIds });
  }
  await tail.close();

  const stages = await stageRates(t, Math.max(10, Math.round(measuredS)), (t0 + measuredS * 1000) / 1000);
  const sortedHttp = [...http].sort((a, b) => a - b);
  // end to end over the events sent in the window; one accepted and never read counts as infinitely late
  const e2e = reads.filter((r) => r.sent >= t0 && r.sent <= tEnd).map((r) => r.ms);
  const unseen = acceptedInWindow.filter((a) => !seenKeys.has(a.id)).length;
  const sortedE2e = [...e2e, ...Array.from({ length: unseen }, () => Infinity)].sort((a, b) => a - b);
  return {
    at: new Date().toISOString(),
    options: o,
    measuredS,
    ingest: {
      acceptedPerS: counts.accepted / measuredS,
      offered: counts.offered,
      accepted: counts.accepted,
      refused: counts.refused,
      failedRequests: counts.failed,
      status503: counts.s503,
      httpP50Ms: quantileOf(sortedHttp, 0.5),
      httpP99Ms: quantileOf(sortedHttp, 0.99),
    },
    stages,
    endToEnd: { seen: e2e.length, unseen, p50Ms: quantileOf(sortedE2e, 0.5), p95Ms: quantileOf(sortedE2e, 0.95), p99Ms: quantileOf(sortedE2e, 0.99), maxMs: sortedE2e.at(-1) ?? null },
    cpu: cpu.sort((a, b) => b.cores - a.cores),
    model: costModel(cpu, stages.aggregate ?? counts.accepted / measuredS),
    ...(verdict ? { verdict } : {}),
    machine: { cores: (await import('node:os')).cpus().length },
    startUp,
  };
}

/** Events/s each stage consumed exactly once over the measured window (ending at `endS`), from its own counter in Prometheus. */
async function stageRates(t: Topology, windowS: number, endS: number): Promise<Record<string, number | null>> {
  const q = (query: string) => promQuery(t, query, { time: String(endS) });
  // let Prometheus scrape the last seconds of the run
  await new Promise((r) => setTimeout(r, 6000));
  const out: Record<string, number | null> = { ingest: null, process: null, aggregate: null };
  const ingest = await q(`sum(increase(faultline_ingest_events_total{outcome="accepted"}[${windowS}s])) / ${windowS}`);
  out.ingest = ingest[0] ? Number(ingest[0].value[1]) : null;
  for (const s of await q(`sum by (stage) (increase(faultline_stage_records_in_total{job="pipeline"}[${windowS}s])) / ${windowS}`)) out[s.metric.stage!] = Number(s.value[1]);
  return out;
}

/**
 * Reads a topic from its end now, read_committed, calling `onRecord` with each record's key and the time it was read,
 * until closed. Assigns every partition itself (no consumer group, nothing committed, nothing left behind).
 */
export async function tailReader(t: Topology, topic: string, onRecord: (key: string | undefined, nowMs: number, value: string | undefined, partition: number) => void): Promise<{ close: () => Promise<void> }> {
  const e = { brokers: bootstrapServers(t), clientId: `bench-tail-${topic}` };
  const ends = await topicOffsets(e, topic);
  const c = reader(e);
  await connectReader(c);
  c.assign(ends.map((p) => ({ topic, partition: p.partition, offset: Number(p.high) })));
  let open = true;
  const loop = (async () => {
    while (open) {
      const batch = await new Promise<{ key?: Buffer | string | null; value?: Buffer | null; partition: number }[]>((resolve) => c.consume(1000, ((err: unknown, m: { key?: Buffer | string | null; value?: Buffer | null; partition: number }[]) => resolve(err ? [] : m)) as never));
      const now = Date.now();
      for (const m of batch) onRecord(m.key === null || m.key === undefined ? undefined : m.key.toString(), now, m.value?.toString(), m.partition);
      if (!batch.length) await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    close: async () => {
      open = false;
      await loop;
      await disconnectReader(c);
    },
  };
}
