// Saturates the deployed pipeline (exactly-once on) through its HTTP ingest
// and measures what it sustains: accepted events/s at ingest, events/s
// consumed exactly once by process and aggregate (from their counters in
// Prometheus), end-to-end latency from the client's send to the event being
// visible in logs.processed to a read_committed consumer, HTTP latency, and
// where the CPU went (per process, from /proc). A benchmark, not a test: it
// prints figures and writes them to JSON; it asserts nothing.
import { readFileSync } from 'node:fs';
import { addr, kafka, promQuery, type Topology } from '../cluster/index.js';
import { TOPICS } from '../pipeline/contract/index.js';

export interface BenchOptions {
  durationS: number;
  warmupS: number;
  /** Events per HTTP request. */
  batch: number;
  /** Requests in flight (spread over the zones' ingest instances). */
  concurrency: number;
  /** Approximate bytes per event (the message is padded to it). */
  eventBytes: number;
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
  ingest: { acceptedPerS: number; refused: number; failedRequests: number; status503: number; httpP50Ms: number | null; httpP99Ms: number | null };
  stages: Record<string, number | null>;
  endToEnd: { seen: number; p50Ms: number | null; p95Ms: number | null; p99Ms: number | null; maxMs: number | null };
  cpu: { name: string; cores: number }[];
  machine: { cores: number };
}

const LEVELS = ['info', 'warn', 'error', 'debug'] as const;
const SERVICES = ['checkout', 'search', 'auth', 'payments', 'catalog'] as const;

export async function benchPipeline(
  t: Topology,
  o: BenchOptions,
  processes: { name: string; pid: number }[],
  progress: (line: string) => void,
): Promise<BenchResult> {
  const run = Math.random().toString(36).slice(2, 8);
  const ingests = t.stages.filter((s) => s.stage === 'ingest').map((s) => `http://${addr(s.http)}/v1/events`);
  const pad = 'x'.repeat(Math.max(0, o.eventBytes - 200));
  let n = 0;
  let measuring = false;
  let stop = false;
  const http: number[] = [];
  const counts = { accepted: 0, refused: 0, failed: 0, s503: 0 };

  // the read side: every bench event as soon as it is committed in logs.processed
  const e2e: number[] = [];
  let seenWarm = 0;
  const consumer = kafka(t, `bench-reader-${run}`).consumer({ groupId: `faultline-bench-${run}`, readUncommitted: false, maxBytesPerPartition: 4 << 20, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.processed, fromBeginning: false });
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        const sent = m.key ? sentAtOf(m.key.toString(), run) : undefined;
        if (sent === undefined) continue;
        if (measuring) e2e.push(now - sent);
        else seenWarm++;
      }
    },
  });
  for (let i = 0; i < 100 && !assigned; i++) await new Promise((r) => setTimeout(r, 200));

  const client = async (k: number) => {
    const url = ingests[k % ingests.length]!;
    while (!stop) {
      const sent = Date.now();
      const ts = new Date(sent).toISOString();
      const events = Array.from({ length: o.batch }, () => {
        const i = n++;
        return { id: benchId(run, sent, i), service: SERVICES[i % SERVICES.length], level: LEVELS[i % LEVELS.length], message: `bench request ${i} ${pad}`, timestamp: ts, latencyMs: i % 500 };
      });
      const t0 = performance.now();
      try {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events), signal: AbortSignal.timeout(30_000) });
        const body = (await r.json()) as { accepted?: string[]; refused?: unknown[] };
        if (measuring) {
          http.push(performance.now() - t0);
          counts.accepted += body.accepted?.length ?? 0;
          counts.refused += body.refused?.length ?? 0;
          if (r.status === 503) counts.s503++;
        }
        // saturated: the server said when to come back
        if (r.status === 503) await new Promise((res) => setTimeout(res, 200));
      } catch {
        if (measuring) counts.failed++;
      }
    }
  };
  const clients = Array.from({ length: o.concurrency }, (_, k) => client(k));

  progress(`warming up for ${o.warmupS} s (${o.concurrency} requests of ${o.batch} events in flight over ${ingests.length} ingest instances)`);
  await new Promise((r) => setTimeout(r, o.warmupS * 1000));
  const cpu0 = processes.map((p) => ({ ...p, ticks: cpuTicks(p.pid) }));
  const self0 = process.cpuUsage();
  const t0 = Date.now();
  measuring = true;
  for (let s = 1; s <= o.durationS; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (s % 5 === 0 || s === o.durationS) progress(`${s}/${o.durationS} s: ${Math.round(counts.accepted / s).toLocaleString('en')} events/s accepted, ${Math.round(e2e.length / s).toLocaleString('en')} events/s committed in ${TOPICS.processed}`);
  }
  measuring = false;
  const measuredS = (Date.now() - t0) / 1000;
  const cpu = [
    ...cpu0.map((p) => ({ name: p.name, cores: p.ticks === undefined ? 0 : ((cpuTicks(p.pid) ?? p.ticks) - p.ticks) / 100 / measuredS })),
    { name: 'bench client (this process)', cores: (() => { const u = process.cpuUsage(self0); return (u.user + u.system) / 1e6 / measuredS; })() },
  ];
  stop = true;
  await Promise.all(clients);
  await consumer.disconnect();
  // the reader's group is the bench's own: gone with it, so the lag exporter does not keep reporting it
  const admin = kafka(t, `bench-admin-${run}`).admin();
  await admin.connect();
  await admin.deleteGroups([`faultline-bench-${run}`]).catch(() => undefined);
  await admin.disconnect();

  const stages = await stageRates(t, Math.max(10, Math.round(measuredS)), (t0 + measuredS * 1000) / 1000);
  const sortedHttp = [...http].sort((a, b) => a - b);
  const sortedE2e = [...e2e].sort((a, b) => a - b);
  return {
    at: new Date().toISOString(),
    options: o,
    measuredS,
    ingest: {
      acceptedPerS: counts.accepted / measuredS,
      refused: counts.refused,
      failedRequests: counts.failed,
      status503: counts.s503,
      httpP50Ms: quantileOf(sortedHttp, 0.5),
      httpP99Ms: quantileOf(sortedHttp, 0.99),
    },
    stages,
    endToEnd: { seen: e2e.length, p50Ms: quantileOf(sortedE2e, 0.5), p95Ms: quantileOf(sortedE2e, 0.95), p99Ms: quantileOf(sortedE2e, 0.99), maxMs: sortedE2e.at(-1) ?? null },
    cpu: cpu.sort((a, b) => b.cores - a.cores),
    machine: { cores: (await import('node:os')).cpus().length },
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
