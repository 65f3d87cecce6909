// Runs one experiment end to end, as its phases: preflight (heal leftovers), setup (the workload), load and faults
// together, heal and recover, drain, check, observe, report. Every fault is undone in a `finally`, and whatever the
// workload set up is taken down however the run ended. Where the deployment is and who injects the faults is the
// run's target (target.ts); what the load is, is the workload's (workloads/workload.ts); which checkers judge it,
// the checkers' list (checkers/suite.ts).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { drain, endOffsets, endpoint, errorMessage, type Coordination, type DrainedRecord, type KafkaClientName, type ProviderName, type Topology } from '../../cluster/index.js';
import { DEFAULT_OUT, writeRun, type Phase, type RunResult } from '../../reports/index.js';
import { compose, faultWindows, judge, type CaughtUp } from '../checkers/index.js';
import type { Experiment } from '../experiments/index.js';
import { prepareWorkload, type LoadTotals, type PreparedWorkload } from '../workloads/index.js';
import { seeded, type ChaosContext } from './context.js';
import { waitCaughtUp, waitFullIsr } from './final-phase.js';
import { History } from './history.js';
import { observe } from './observe.js';
import { recoveryTail, TAIL_MARGIN_MS } from './recovery-tail.js';
import { deleteRunTopics, leftoverRunTopics } from './run-topics.js';
import { localTarget, type RunTarget } from './target.js';
import { timelines } from './timelines.js';

export interface RunOptions {
  experiment: Experiment;
  durationS?: number;
  rate?: number;
  seed?: number;
  coordination?: Coordination;
  /** The local provider whose deployment the run targets (default processes). */
  provider?: ProviderName;
  /** The direct Kafka workload's client (default librdkafka, the pipeline's; kafkajs is the client under test). */
  client?: KafkaClientName;
  /** Default: the local deployment (`coordination` and `provider` pick it); chaos/manifests/in-cluster.ts makes the cluster's. */
  target?: RunTarget;
  outRoot?: string;
  log?: (line: string) => void;
}

export interface RunOutcome {
  result: RunResult;
  dir: string;
  report: string;
}

/** One run's settings, fixed before it starts. */
interface Run {
  exp: Experiment;
  log: (line: string) => void;
  durationMs: number;
  rate: number;
  seed: number;
  short: string;
  runId: string;
  outRoot: string;
  dir: string;
  target: RunTarget;
  client: KafkaClientName;
  notes: string[];
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');

export async function runExperiment(o: RunOptions): Promise<RunOutcome> {
  const run = plan(o);
  const { exp, log, target, notes } = run;
  const t = target.topology;
  await preflight(run);

  const history = new History(join(run.dir, 'history.jsonl'));
  const ctx: ChaosContext = { runId: `${exp.name}-${run.short}`, topology: t, provider: target.local, history, rng: seeded(run.seed), log, topics: [], groups: [], owned: [], notes };
  const phases: Phase[] = [];
  const phase = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const start = history.now();
    log(`phase: ${name}`);
    try {
      return await f();
    } finally {
      phases.push({ name, start, end: history.now() });
    }
  };
  // the faults as a metric in Prometheus for the run's duration (Grafana's chaos annotations)
  const faultMetric = await target.exposeFaults?.(exp.name, ctx.runId, () => history.ops);
  let workload: PreparedWorkload | undefined;
  try {
    const w = (workload = await phase('setup', () => prepareWorkload(exp.workload, { ctx, dir: run.dir, client: run.client })));
    const services = [0, 1, 2].map((i) => `chaos-${run.short}-svc${i}`);
    const drained = [w.topics.input, w.topics.processed, w.topics.aggregates].filter((x): x is string => Boolean(x));
    const from = new Map<string, Map<number, string>>();
    for (const topic of drained) from.set(topic, await endOffsets(endpoint(t, 'faultline-drain'), topic));

    let loaded: LoadTotals = { events: 0 };
    let recovered: { fullIsrMs?: number; caughtUp: CaughtUp[] } = { caughtUp: [] };
    try {
      loaded = await phase('load and faults', () => loadAndFaults(run, ctx, w, services));
    } finally {
      recovered = await phase('heal and recover', () => healAndRecover(run, ctx, w));
    }
    const reads = await phase('drain', () => drainAll(t, from, log));

    const ops = history.ops;
    const checks = judge({
      ops,
      reads,
      topics: w.topics,
      mayAbort: w.mayAbort,
      idOf: (r) => (r.key?.startsWith(ctx.runId) ? r.key : undefined),
      services,
      faults: { names: exp.faults.map((f) => f.name), boundMs: exp.recoveryBoundMs, holdingFaults: exp.faults.filter((f) => f.holdsWrites).map((f) => f.name), boundsByFault: exp.faultBoundsMs },
      ...recovered,
    });
    checks.push(...(loaded.checks ?? []));
    const epochMs = history.t0;
    const healedAtMs = epochMs + (phases.find((p) => p.name === 'heal and recover')?.start ?? history.now());
    checks.push(...(await observe(t, exp.observe ?? [], { epochMs, windows: faultWindows(ops), healedAtMs }, log)));

    const series = await timelines(t, epochMs - 10_000, Date.now(), notes, ctx.runId);
    notes.push(...(await target.afterRun()));
    const result = runResult(run, { history, phases, checks, series, workload: w, loaded });
    const written = writeRun(run.outRoot, result);
    return { result, dir: written.dir, report: written.report };
  } finally {
    try {
      await faultMetric?.stop();
    } finally {
      await workload?.teardown(notes);
    }
  }
}

/** The run's settings: its duration (never below what the experiment needs), rate, seed, id, target and client. */
function plan(o: RunOptions): Run {
  const exp = o.experiment;
  const log = o.log ?? ((l: string) => console.log(l));
  const asked = o.durationS ?? exp.defaults.durationS;
  const durationMs = Math.max(asked, exp.minDurationS ?? 0) * 1000;
  if (durationMs > asked * 1000) log(`${exp.name} needs at least ${exp.minDurationS} s to do what it is for: running ${exp.minDurationS} s, not ${asked} s`);
  const short = randomUUID().slice(0, 6);
  const runId = `${stamp()}-${exp.name}-${short}`;
  const outRoot = o.outRoot ?? DEFAULT_OUT;
  const target = o.target ?? localTarget(o.coordination, o.provider);
  // the pipeline's ingest runs on the client it was deployed with; a run that asks for the other is refused up front
  const viaPipeline = exp.workload.kind === 'http';
  const client: KafkaClientName = viaPipeline ? (target.local?.deployment?.ingestClient ?? 'librdkafka') : (o.client ?? 'librdkafka');
  if (viaPipeline && o.client && o.client !== client)
    throw new Error(`${exp.name} drives the deployed pipeline, whose ingest runs on ${client}, not ${o.client}: \`just deploy --ingest-client ${o.client}\` switches it (the ingest instances restart), then run again. Nothing was written.`);
  const unsupported = exp.faults.filter((f) => f.modes && !f.modes.includes(target.topology.coordination));
  if (unsupported.length) throw new Error(`${exp.name} needs ${unsupported.map((f) => f.name).join(', ')}, which has no meaning under ${target.topology.coordination}`);
  return { exp, log, durationMs, rate: o.rate ?? exp.defaults.rate, seed: o.seed ?? Math.floor(Math.random() * 2 ** 31), short, runId, outRoot, dir: join(outRoot, runId), target, client, notes: [] };
}

/** A deployment must be up; what a crashed run left behind (faults, topics) is undone first; the cluster whole. */
async function preflight({ exp, log, target, notes, runId, seed, durationMs, rate }: Run): Promise<void> {
  const t = target.topology;
  notes.push(...(await target.preflight(log)));
  const stale = await leftoverRunTopics(t);
  if (stale.length) {
    await deleteRunTopics(t, stale, notes);
    notes.push(`preflight deleted ${stale.length} topic(s) an interrupted run left: ${stale.join(', ')}`);
    log(`preflight: deleted ${stale.join(', ')} (left by an interrupted run)`);
  }
  log(`${exp.reportKind ?? 'chaos'} ${exp.name}: run ${runId}, seed ${seed}, ${durationMs / 1000} s at ${rate} events/s (${t.coordination})`);
  await waitFullIsr(t, { onElection: (what) => (notes.push(`preflight: ${what}`), log(`preflight: ${what}`)) });
}

/**
 * The load and the faults together. A load of our own is given its duration plus the recovery bound and stopped by
 * the recovery tail; k6 ends itself (stopping it at the runner's clock cut its last iterations off: their events
 * were read, never recorded). The nemesis undoes its own faults in a finally.
 */
async function loadAndFaults({ exp, target, durationMs, rate, dir, log, notes }: Run, ctx: ChaosContext, w: PreparedWorkload, services: string[]): Promise<LoadTotals> {
  const { history } = ctx;
  const ac = new AbortController();
  target.loadStarted?.();
  const recoveryMs = w.tail ? exp.recoveryBoundMs : 0;
  const loadStartMs = history.now();
  const load = w.run({ rate, durationMs: w.tail ? durationMs + recoveryMs + TAIL_MARGIN_MS : durationMs, services, dir }, ac.signal);
  const progress = setInterval(() => {
    const clientOps = history.ops.filter((x) => x.process !== 'nemesis');
    const ok = clientOps.filter((x) => x.type === 'ok').length;
    const bad = clientOps.filter((x) => x.type === 'fail' || x.type === 'info').length;
    log(`  ${(history.now() / 1000).toFixed(0)} s: ${ok} writes acknowledged, ${bad} failed or unknown`);
  }, 10_000);
  try {
    const faults = target.faults(ctx, exp, durationMs, ac.signal);
    const faultsThenEnd = w.tail
      ? faults
          .then(() => recoveryTail(history, loadStartMs + durationMs, recoveryMs, ac.signal, log))
          .then((note) => void (note && notes.push(note)))
          .finally(() => ac.abort())
      : faults;
    const [totals] = await Promise.all([load, faultsThenEnd]);
    return totals;
  } finally {
    clearInterval(progress);
    ac.abort();
  }
}

/** Heal every fault, bring back what the faults stopped, wait for full ISR and for every stage to catch up. */
async function healAndRecover({ target, log, notes }: Run, ctx: ChaosContext, w: PreparedWorkload): Promise<{ fullIsrMs?: number; caughtUp: CaughtUp[] }> {
  notes.push(...(await target.heal(ctx, log)));
  await w.healed();
  let fullIsrMs: number | undefined;
  try {
    fullIsrMs = await waitFullIsr(ctx.topology, {
      onStale: (what) => notes.push(`after the final heal, the brokers did not agree on the cluster at first (waited until they did): ${what}`),
      onElection: (what) => (notes.push(`after the final heal: ${what}`), log(`  ${what}`)),
    });
    log(`  full ISR ${(fullIsrMs / 1000).toFixed(1)} s after the final heal`);
  } catch (e) {
    notes.push(`the cluster did not get back to full ISR: ${errorMessage(e)}`);
  }
  const caughtUp: CaughtUp[] = [];
  for (const [group, input] of w.stages) {
    try {
      caughtUp.push({ group, ms: await waitCaughtUp(ctx, group, input) });
    } catch (e) {
      // a stage that stopped making progress is a finding (liveness), not a reason to lose the run
      caughtUp.push({ group, error: errorMessage(e) });
      log(`  ${group} did not catch up: the checks will say what it did not process`);
    }
  }
  return { fullIsrMs, caughtUp };
}

/** Every topic read back, read_committed, from where it ended when the run started to its end now. */
async function drainAll(t: Topology, from: Map<string, Map<number, string>>, log: (l: string) => void): Promise<Map<string, DrainedRecord[]>> {
  const reads = new Map<string, DrainedRecord[]>();
  await Promise.all(
    [...from].map(async ([topic, offsets]) => {
      const r = await drain(endpoint(t, 'faultline-drain'), topic, { from: offsets });
      reads.set(topic, r);
      log(`  drained ${topic}: ${r.length} records since the run started`);
    }),
  );
  return reads;
}

/** What results.json holds, the report's source. */
function runResult(
  { exp, target, durationMs, rate, seed, client, runId, notes }: Run,
  r: { history: History; phases: Phase[]; checks: RunResult['checks']; series: RunResult['series']; workload: PreparedWorkload; loaded: LoadTotals },
): RunResult {
  const t = target.topology;
  const ops = r.history.ops;
  const clientOps = ops.filter((x) => x.process !== 'nemesis');
  const writes = clientOps.filter((x) => x.type !== 'invoke');
  const eventsAcknowledged = clientOps.filter((x) => x.type === 'ok' && x.f === 'write').reduce((s, x) => s + ((x.value as { ids?: string[] }).ids?.length ?? 0), 0);
  const command = exp.replay
    ? exp.replay({ durationS: durationMs / 1000, rate, seed, coordination: t.coordination })
    : `just chaos ${exp.name} --duration ${durationMs / 1000} --rate ${rate} --seed ${seed} --coordination ${t.coordination}${client === 'kafkajs' ? ' --client kafkajs' : ''}${target.provider === 'k8s' ? ' --target k8s' : target.provider === 'containers' ? ' --provider containers' : ''}`;
  return {
    runId,
    kind: exp.reportKind ?? 'chaos',
    experiment: exp.name,
    description: exp.description,
    verdict: compose(r.checks).valid,
    expectInvalid: Boolean(exp.control),
    ...(exp.control ? { mustFail: exp.control.mustFail } : {}),
    startedAt: new Date(r.history.t0).toISOString(),
    durationMs: r.history.now(),
    command,
    config: {
      coordination: t.coordination,
      provider: target.provider,
      durationS: durationMs / 1000,
      rate,
      seed,
      workload: r.workload.label,
      ...r.workload.config,
      ...(r.loaded.config ?? {}),
      faults: exp.faults.map((f) => f.name).join(', '),
      recoveryBoundMs: exp.recoveryBoundMs,
    },
    checks: r.checks,
    faults: faultWindows(ops),
    phases: r.phases,
    workload: {
      invoked: clientOps.filter((x) => x.type === 'invoke').length,
      ok: writes.filter((x) => x.type === 'ok').length,
      fail: writes.filter((x) => x.type === 'fail').length,
      info: writes.filter((x) => x.type === 'info').length,
      events: r.loaded.events,
      eventsAcknowledged,
    },
    series: r.series,
    epochMs: r.history.t0,
    notes,
  };
}
