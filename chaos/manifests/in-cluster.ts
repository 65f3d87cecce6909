// The runner inside the cluster (the Job runner.ts renders, `FAULTLINE_TARGET=k8s`):
// the same run as locally, against the Services its env names, while Chaos
// Mesh's Workflow injects the faults. The runner does not touch them: it reads
// them back from the Workflow's PodChaos and NetworkChaos objects into the
// history (chaos-status.ts), and answers the Workflow's status checks on
// /started and /verdict.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brokerIds, defaultOptions } from '../../cluster/k8s/index.js';
import type { Endpoint, Topology } from '../../cluster/index.js';
import { passed, verdictLines, type RunResult } from '../../reports/index.js';
import { sleep, type ChaosContext } from '../core/context.js';
import type { Schedule } from '../core/nemesis.js';
import type { RunTarget } from '../core/target.js';
import type { Experiment } from '../experiments/index.js';
import { ChaosSeen, chaosWindows, windowOps, type ChaosObject } from './chaos-status.js';
import { errorMessage } from '../../cluster/index.js';

const msg = (e: unknown) => (errorMessage(e));

// ---- endpoints from the Job's env ----

/** `http://host:port` as an Endpoint: the probes build their URLs from host and port alone, so nothing else may be in it. */
function httpEndpoint(name: string, value: string): Endpoint {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if (u.protocol !== 'http:' || (u.pathname !== '/' && u.pathname !== '') || u.search || u.username)
    throw new Error(`${name} must be http://host:port (the probes build their URLs from host and port), not ${value}`);
  return { host: u.hostname, port: u.port ? Number(u.port) : 80 };
}

function hostPort(name: string, value: string): Endpoint {
  const m = /^([^\s:/]+):(\d+)$/.exec(value.trim());
  if (!m) throw new Error(`${name} lists host:port entries, not ${JSON.stringify(value)}`);
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * The topology as the runner pod reaches it: every broker listener (and the toxiproxy addresses, which the cluster
 * has not: latency is netem there) at the KAFKA_BROKERS bootstrap, every zone's ingest at INGEST_URL (one Service in
 * front of the three), Prometheus and Tempo at PROMETHEUS_URL and TEMPO_URL, Tempo's OTLP at
 * OTEL_EXPORTER_OTLP_ENDPOINT when set. Broker ids are Strimzi's (0..2 under ZooKeeper). Zones, counts and
 * defaults stay the base's: the checks count brokers and partitions from it.
 */
export function k8sTopology(base: Topology, env: NodeJS.ProcessEnv): Topology {
  const missing = ['KAFKA_BROKERS', 'INGEST_URL', 'PROMETHEUS_URL', 'TEMPO_URL'].filter((k) => !env[k]);
  if (missing.length) throw new Error(`the in-cluster runner needs ${missing.join(', ')} (set by the runner Job: chaos/manifests/runner-job.ts)`);
  const bootstrap = env.KAFKA_BROKERS!.split(',').filter((s) => s.trim()).map((s) => hostPort('KAFKA_BROKERS', s));
  const ingest = httpEndpoint('INGEST_URL', env.INGEST_URL!);
  const ids = brokerIds(base);
  return {
    ...base,
    brokers: base.brokers.map((b, i) => {
      const at = bootstrap[i % bootstrap.length]!;
      return { ...b, id: ids[i]!, listener: at, proxiedListener: at, proxy: at };
    }),
    stages: base.stages.map((s) => (s.stage === 'ingest' ? { ...s, http: ingest } : s)),
    ops: {
      ...base.ops,
      prometheus: httpEndpoint('PROMETHEUS_URL', env.PROMETHEUS_URL!),
      tempo: {
        ...base.ops.tempo,
        http: httpEndpoint('TEMPO_URL', env.TEMPO_URL!),
        ...(env.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpHttp: httpEndpoint('OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT) } : {}),
      },
    },
  };
}

// ---- /started and /verdict ----

export interface StatusServer {
  port: number;
  /** The load has started: /started answers 200. */
  started(): void;
  /** The run is over: /verdict answers 200 if it passed, else 500, with the verdict lines. */
  done(result: Pick<RunResult, 'experiment' | 'verdict' | 'expectInvalid' | 'checks' | 'mustFail'>): void;
  /** The run could not be judged: /verdict (and /started, if the load never began) answer 500 with the reason. */
  failed(error: string): void;
  /**
   * Resolves `graceMs` after the final verdict was first read (the Workflow's check polls every 10 s), or `maxMs`
   * after the run ended if nobody read it; true if it was read.
   */
  linger(o?: { graceMs?: number; maxMs?: number }): Promise<boolean>;
  close(): Promise<void>;
}

/** The runner's HTTP status endpoints (the Workflow's StatusChecks call them through the runner's Service). */
export async function statusServer(port: number, host = '0.0.0.0'): Promise<StatusServer> {
  let loadStarted = false;
  let final: { code: 200 | 500; body: string } | undefined;
  let read: () => void = () => {};
  const wasRead = new Promise<void>((r) => (read = r));
  let ended: () => void = () => {};
  const end = new Promise<void>((r) => (ended = r));

  const send = (res: ServerResponse, code: number, body: string) => res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }).end(`${body}\n`);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://runner').pathname;
    if (req.method !== 'GET') return send(res, 405, 'GET only');
    if (path === '/healthz') return send(res, 200, 'ok');
    if (path === '/started') {
      if (loadStarted) return send(res, 200, 'started');
      return final ? send(res, 500, `the run ended before its load started:\n${final.body}`) : send(res, 503, 'waiting: the load has not started yet');
    }
    if (path === '/verdict') {
      if (!final) return send(res, 503, `running: ${loadStarted ? 'load, faults or the final phase' : 'not started'}; no verdict yet`);
      read();
      return send(res, final.code, final.body);
    }
    send(res, 404, 'not found: /started, /verdict, /healthz');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const finish = (code: 200 | 500, body: string) => {
    if (final) return;
    final = { code, body };
    ended();
  };
  return {
    port: (server.address() as AddressInfo).port,
    started: () => void (loadStarted = true),
    done: (result) => finish(passed(result) ? 200 : 500, verdictLines(result).join('\n')),
    failed: (error) => finish(500, `ERROR: ${error}`),
    async linger({ graceMs = 15_000, maxMs = 300_000 } = {}) {
      await end;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), maxMs)));
      const first = await Promise.race([wasRead.then(() => true as const), timeout]);
      clearTimeout(timer);
      if (first) await new Promise((r) => setTimeout(r, graceMs));
      return first;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// ---- Chaos Mesh's faults, read back ----

/** The longest a fault of the schedule is held: how long a Chaos Mesh kill (an instant) counts as a fault. */
export const holdOf = (s: Schedule): number => (s.kind === 'random' ? s.maxHoldMs : s.holdMs);

export interface K8sTargetOptions {
  topology: Topology;
  /** `<namespace>/<workflow>`, for the notes. */
  workflow: string;
  /** The Workflow's PodChaos and NetworkChaos objects now (chaosLister). */
  list: () => Promise<ChaosObject[]>;
  zoneKey: string;
  onLoadStarted?: () => void;
  pollMs?: number;
  /** How long the final look waits for Chaos Mesh to recover a fault still in place. */
  settleMs?: number;
}

/**
 * The cluster as a run target: no local preflight, nemesis, heal, fault metric or iptables. While the load runs,
 * the Workflow's chaos objects are polled (they go when their node's deadline passes, and a Schedule keeps only its
 * last few), and once after it; then their windows are recorded as nemesis ops.
 */
export function k8sTarget(o: K8sTargetOptions): RunTarget {
  const pollMs = o.pollMs ?? 2000;
  const seen = new ChaosSeen();
  const errors: string[] = [];
  let experiment: Experiment | undefined;
  let durationMs = 0;
  const poll = async (log: (l: string) => void) => {
    try {
      seen.update(await o.list(), Date.now());
    } catch (e) {
      // said at once (RBAC, a missing CRD), then counted: the polls go on
      if (!errors.length) log(`  Chaos Mesh: listing ${o.workflow}'s chaos objects failed: ${msg(e)}`);
      errors.push(msg(e));
    }
  };
  const windows = (ctx: ChaosContext) =>
    chaosWindows(seen.all(), { faults: experiment!.faults.map((f) => f.name), killHoldMs: holdOf(experiment!.schedule(durationMs)), zoneKey: o.zoneKey, notBeforeMs: ctx.history.t0 });
  return {
    provider: 'k8s',
    topology: o.topology,
    async preflight(log) {
      log(`in the cluster: the faults are the Chaos Mesh Workflow ${o.workflow}'s; the runner reads them back, and heals nothing itself`);
      return [];
    },
    loadStarted: o.onLoadStarted,
    async faults(ctx, exp, ms, signal) {
      experiment = exp;
      durationMs = ms;
      const until = Date.now() + ms;
      while (!signal.aborted && Date.now() < until) {
        await poll(ctx.log);
        await sleep(Math.min(pollMs, Math.max(0, until - Date.now())), signal);
      }
    },
    async heal(ctx, log) {
      if (!experiment) return [];
      // the last look: the Workflow ends its faults before the load does; give a late recovery a bounded while
      const settleUntil = Date.now() + (o.settleMs ?? 60_000);
      await poll(log);
      while (windows(ctx).windows.some((w) => w.end === undefined) && Date.now() < settleUntil) {
        await sleep(pollMs);
        await poll(log);
      }
      const { windows: found, notes } = windows(ctx);
      for (const w of found) for (const op of windowOps(w, ctx.history.t0)) ctx.history.record(op);
      log(`  Chaos Mesh: ${found.length} fault window(s) from ${seen.all().length} object(s) of ${o.workflow}${found.some((w) => w.end === undefined) ? ', some still in place' : ''}`);
      for (const n of notes) log(`  Chaos Mesh: ${n}`);
      const out = notes.map((n) => `Chaos Mesh: ${n}`);
      if (errors.length) out.push(`${errors.length} of the polls of ${o.workflow}'s chaos objects failed (fault windows may be missing), the last: ${errors.at(-1)}`);
      if (!seen.all().length) out.push(`no PodChaos or NetworkChaos of the Workflow ${o.workflow} was seen: was it applied (kubectl apply -f experiments/${experiment.name}.yaml)?`);
      const open = found.filter((w) => w.end === undefined);
      if (open.length) out.push(`Chaos Mesh had not recovered ${open.map((w) => w.detail).join('; ')} when the final phase began`);
      return out;
    },
    afterRun: async () => [],
  };
}

/**
 * Lists the Workflow's PodChaos and NetworkChaos objects. Chaos Mesh (v2.8.3 source) labels what a Workflow node
 * creates with `chaos-mesh.org/workflow: <workflow>` (pkg/workflow/controllers/chaos_node_reconciler.go: chaos
 * objects and Schedules alike); what a Schedule then spawns carries only `managed-by: <schedule>`
 * (controllers/schedule/cron/controller.go), so those are found through the Workflow's Schedules.
 */
export async function chaosLister(namespace: string, workflow: string): Promise<() => Promise<ChaosObject[]>> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const list = async <T>(plural: string, labelSelector: string): Promise<T[]> =>
    ((await api.listNamespacedCustomObject({ group: 'chaos-mesh.org', version: 'v1alpha1', namespace, plural, labelSelector })) as { items: T[] }).items;
  return async () => {
    const ofWorkflow = `chaos-mesh.org/workflow=${workflow}`;
    const schedules = await list<{ metadata: { name: string } }>('schedules', ofWorkflow);
    const spawned = schedules.length ? `managed-by in (${schedules.map((s) => s.metadata.name).join(',')})` : undefined;
    const out: ChaosObject[] = [];
    for (const [plural, kind] of [['podchaos', 'PodChaos'], ['networkchaos', 'NetworkChaos']] as const) {
      for (const selector of spawned ? [ofWorkflow, spawned] : [ofWorkflow]) for (const x of await list<ChaosObject>(plural, selector)) out.push({ ...x, kind: x.kind ?? kind });
    }
    return out;
  };
}

/** The run target of the runner Job: its env (see runner.ts) over the shared topology, and its Workflow's faults. */
export async function inClusterTarget(o: { base: Topology; workflow: string; env: NodeJS.ProcessEnv; onLoadStarted?: () => void }): Promise<RunTarget> {
  const options = defaultOptions();
  const namespace = o.env.FAULTLINE_NAMESPACE || options.namespace;
  return k8sTarget({
    topology: k8sTopology(o.base, o.env),
    workflow: `${namespace}/${o.workflow}`,
    list: await chaosLister(namespace, o.workflow),
    zoneKey: options.zoneKey,
    onLoadStarted: o.onLoadStarted,
  });
}
