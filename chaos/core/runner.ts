// Runs one experiment end to end: preflight (heal leftovers), setup, load and
// faults together, the final phase (heal, recover, drain), the checkers, the
// timelines, and the report. Every fault is undone in a `finally`. Where the
// deployment is and who injects the faults is the run's target (target.ts).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Coordination, drain, type DrainedRecord, endOffsets, endpoint, ensureTopics, errorMessage, kafka, type ProviderName } from '../../cluster/index.js';
import { TOPICS } from '../../pipeline/contract/index.js';
import { stageClientId } from '../../pipeline/eos/index.js';
import { DEFAULT_OUT, writeRun, type Phase, type RunResult } from '../../reports/index.js';
import {
  aggregatesEqualRecomputed,
  compose,
  historyWellFormed,
  noAbortedReads,
  noDuplicates,
  noLostWrites,
  offsetsMonotonic,
  processedEqualsAccepted,
  recoveryBounds,
  faultWindows,
} from '../checkers/index.js';
import type { Experiment } from '../experiments/index.js';
import { faultByName } from '../nemeses/index.js';
import { runHttpWorkload } from '../workloads/http-ingest.js';
import type { KafkaClientName } from '../../cluster/index.js';
import { runKafkaWorkload } from '../workloads/kafka-direct.js';
import { seeded, type ChaosContext } from './context.js';
import { waitCaughtUp, waitFullIsr } from './final-phase.js';
import { History } from './history.js';
import { recoveryTail, TAIL_MARGIN_MS } from './recovery-tail.js';
import { OwnedStage } from './owned.js';
import { localTarget, type RunTarget } from './target.js';
import { timelines } from './timelines.js';
import type { FaultMetric } from './fault-metric.js';
import { observe } from './observe.js';
import type { CheckResult, Op } from './types.js';

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

/**
 * The pipeline workload's clients behave as real ones do: a request that gets no answer within a few seconds is an
 * unknown outcome, and its batch is retried with the same ids (a 503 too). The pipeline must hold each id once.
 */
const HTTP_TIMEOUT_MS = 3000;
const HTTP_RETRIES = 8;

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');

export async function runExperiment(o: RunOptions): Promise<RunOutcome> {
  const exp = o.experiment;
  const log = o.log ?? ((l: string) => console.log(l));
  const asked = o.durationS ?? exp.defaults.durationS;
  const durationMs = Math.max(asked, exp.minDurationS ?? 0) * 1000;
  if (durationMs > asked * 1000) log(`${exp.name} needs at least ${exp.minDurationS} s to do what it is for: running ${exp.minDurationS} s, not ${asked} s`);
  const rate = o.rate ?? exp.defaults.rate;
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const short = randomUUID().slice(0, 6);
  const runId = `${stamp()}-${exp.name}-${short}`;
  const outRoot = o.outRoot ?? DEFAULT_OUT;
  const dir = join(outRoot, runId);
  const target = o.target ?? localTarget(o.coordination, o.provider);
  const t = target.topology;
  const phases: Phase[] = [];
  const notes: string[] = [];

  // ---- preflight: a deployment must be up; what a crashed run left behind is undone first ----
  const unsupported = exp.faults.map(faultByName).filter((f) => f.modes && !f.modes.includes(t.coordination));
  if (unsupported.length) throw new Error(`${exp.name} needs ${unsupported.map((f) => f.name).join(', ')}, which has no meaning under ${t.coordination}`);
  // the pipeline's ingest runs on the client it was deployed with; a run that asks for the other is refused up front
  const pipelineRun = exp.workload.kind === 'http';
  const client: KafkaClientName = pipelineRun ? (target.local?.deployment?.ingestClient ?? 'librdkafka') : (o.client ?? 'librdkafka');
  if (pipelineRun && o.client && o.client !== client)
    throw new Error(`${exp.name} drives the deployed pipeline, whose ingest runs on ${client}, not ${o.client}: \`just deploy --ingest-client ${o.client}\` switches it (the ingest instances restart), then run again. Nothing was written.`);
  notes.push(...(await target.preflight(log)));
  // every run deletes its own topics: any chaos.* topic now was left by a run that crashed
  const stale = await leftoverTopics(t);
  if (stale.length) {
    await cleanupRun(kafka(t), stale, notes);
    notes.push(`preflight deleted ${stale.length} topic(s) an interrupted run left: ${stale.join(', ')}`);
    log(`preflight: deleted ${stale.join(', ')} (left by an interrupted run)`);
  }
  log(`${exp.reportKind ?? 'chaos'} ${exp.name}: run ${runId}, seed ${seed}, ${durationMs / 1000} s at ${rate} events/s (${t.coordination})`);
  await waitFullIsr(t);

  const history = new History(join(dir, 'history.jsonl'));
  const ctx: ChaosContext = {
    runId: `${exp.name}-${short}`,
    topology: t,
    provider: target.local,
    history,
    rng: seeded(seed),
    log,
    topics: [],
    groups: [],
    owned: [],
  };
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
  const faultMetric: FaultMetric | undefined = await target.exposeFaults?.(exp.name, ctx.runId, () => history.ops);

  const w = exp.workload;
  // the deployed pipeline's own topics and stages, whoever drives it (our HTTP clients or an external load)
  const viaPipeline = w.kind !== 'kafka';
  const own = { raw: `chaos.${ctx.runId}.raw`, processed: `chaos.${ctx.runId}.processed`, dlq: `chaos.${ctx.runId}.dlq`, group: `chaos-${ctx.runId}-process` };
  const owned: OwnedStage[] = [];
  const admin = kafka(t);
  try {
    // ---- setup: the experiment's own topics and processes ----
    const services = [0, 1, 2].map((i) => `chaos-${short}-svc${i}`);
    const topicsToDrain: string[] = [];
    if (viaPipeline) {
      ctx.topics = [TOPICS.raw, TOPICS.processed];
      ctx.groups = ['faultline-process', 'faultline-aggregate'];
      topicsToDrain.push(TOPICS.raw, TOPICS.processed, TOPICS.aggregates);
    } else {
      await phase('setup', async () => {
        await ensureTopics(t, [{ name: own.raw, ...w.topic }]);
        if (w.processors) {
          await ensureTopics(t, [
            { name: own.processed, partitions: 6 },
            { name: own.dlq, partitions: 1 },
          ]);
          for (const z of t.zones) {
            const s = new OwnedStage(`process-${z.name.slice(-1)}-own`, z.name, 'pipeline/process/main.ts', {
              KAFKA_BROKERS: t.brokers.map((b) => `${b.listener.host}:${b.listener.port}`).join(','),
              FAULTLINE_ZONE: z.name,
              PROCESS_GROUP: own.group,
              PROCESS_INPUT: own.raw,
              PROCESS_OUTPUT: own.processed,
              PROCESS_DLQ: own.dlq,
              PROCESS_EXACTLY_ONCE: String(w.processors.exactlyOnce),
              // the negative control is unsafe all the way: with exactly-once off, de-duplication by id (which would
              // drop the replayed batches) is off too
              ...(w.processors.exactlyOnce ? {} : { PROCESS_DEDUP_HORIZON_MS: '0' }),
            }, join(dir, `process-${z.name.slice(-1)}-own.log`), stageClientId('process', z.name));
            s.start();
            owned.push(s);
          }
          ctx.owned = owned;
        }
      });
      ctx.topics = [own.raw];
      ctx.groups = w.processors ? [own.group] : [];
      topicsToDrain.push(own.raw, ...(w.processors ? [own.processed] : []));
    }
    const from = new Map<string, Map<number, string>>();
    for (const topic of topicsToDrain) from.set(topic, await endOffsets(endpoint(t, 'faultline-drain'), topic));

    let fullIsrMs: number | undefined;
    const caughtUp: { group: string; ms?: number; error?: string }[] = [];
    const reads = new Map<string, DrainedRecord[]>();
    const epochMs = history.t0;
    let events = 0;
    const loadChecks: CheckResult[] = [];
    const loadConfig: Record<string, string | number | boolean> = {};
    try {
      // ---- load and faults, together; the nemesis undoes its own faults in a finally ----
      await phase('load and faults', async () => {
        const ac = new AbortController();
        target.loadStarted?.();
        // our own workloads may run past their duration (recovery-tail.ts); k6's scenarios last what they were given
        const recoveryMs = w.kind === 'external' ? 0 : exp.recoveryBoundMs;
        const loadStartMs = history.now();
        const loadMs = durationMs + recoveryMs + TAIL_MARGIN_MS;
        const load =
          w.kind === 'external'
            ? w.run(ctx, { rate, durationMs, services, dir }, ac.signal).then((r) => {
                loadChecks.push(...r.checks);
                Object.assign(loadConfig, r.config ?? {});
                return r;
              })
            : w.kind === 'http'
            ? runHttpWorkload(ctx, { rate, durationMs: loadMs, batch: 20, clientsPerZone: 2, services, timeoutMs: HTTP_TIMEOUT_MS, retries: HTTP_RETRIES }, ac.signal)
            : runKafkaWorkload(
                ctx,
                { topic: own.raw, partitions: w.topic.partitions, rate, durationMs: loadMs, batch: 20, clients: 3, acks: w.acks, idempotent: w.idempotent, transactional: w.transactional, payload: w.processors ? 'log-event' : 'id', services, timeoutMs: 15_000, proxied: Boolean(w.proxied), client },
                ac.signal,
              );
        const progress = setInterval(() => {
          const ops = history.ops;
          const ok = ops.filter((x) => x.type === 'ok' && x.process !== 'nemesis').length;
          const bad = ops.filter((x) => (x.type === 'fail' || x.type === 'info') && x.process !== 'nemesis').length;
          log(`  ${(history.now() / 1000).toFixed(0)} s: ${ok} writes acknowledged, ${bad} failed or unknown`);
        }, 10_000);
        try {
          // a load of our own is given its duration plus the recovery bound, and stopped by the tail; k6 ends itself
          // (stopping it at the runner's clock cut its last iterations off: their events were read, never recorded)
          const faultsThenEnd =
            recoveryMs > 0
              ? target
                  .faults(ctx, exp, durationMs, ac.signal)
                  .then(() => recoveryTail(history, loadStartMs + durationMs, recoveryMs, ac.signal, log))
                  .then((note) => void (note && notes.push(note)))
                  .finally(() => ac.abort())
              : target.faults(ctx, exp, durationMs, ac.signal);
          const [totals] = await Promise.all([load, faultsThenEnd]);
          events = totals.events;
        } finally {
          clearInterval(progress);
          ac.abort();
        }
      });
    } finally {
      // ---- final phase: heal, recover, catch up ----
      await phase('heal and recover', async () => {
        notes.push(...(await target.heal(ctx, log)));
        for (const s of owned) await s.restart();
        try {
          fullIsrMs = await waitFullIsr(t, undefined, (what) => notes.push(`after the final heal, the brokers did not agree on the cluster at first (waited until they did): ${what}`));
          log(`  full ISR ${(fullIsrMs / 1000).toFixed(1)} s after the final heal`);
        } catch (e) {
          notes.push(`the cluster did not get back to full ISR: ${errorMessage(e)}`);
        }
        const groups: [string, string][] = viaPipeline ? [['faultline-process', TOPICS.raw], ['faultline-aggregate', TOPICS.processed]] : w.processors ? [[own.group, own.raw]] : [];
        for (const [group, input] of groups) {
          try {
            const ms = await waitCaughtUp(ctx, group, input);
            caughtUp.push({ group, ms });
          } catch (e) {
            // a stage that stopped making progress is a finding (liveness), not a reason to lose the run
            caughtUp.push({ group, error: errorMessage(e) });
            log(`  ${group} did not catch up: the checks will say what it did not process`);
          }
        }
      });
    }
    await phase('drain', async () => {
      await Promise.all(
        topicsToDrain.map(async (topic) => {
          const r = await drain(endpoint(t, 'faultline-drain'), topic, { from: from.get(topic) });
          reads.set(topic, r);
          log(`  drained ${topic}: ${r.length} records since the run started`);
        }),
      );
    });

    // ---- checkers ----
    const mine = (r: DrainedRecord) => (r.key?.startsWith(ctx.runId) ? r.key : undefined);
    const ops: Op[] = history.ops;
    const checks: CheckResult[] = [historyWellFormed(ops)];
    const input = viaPipeline ? TOPICS.raw : own.raw;
    const rawReads = reads.get(input) ?? [];
    checks.push(
      noLostWrites(ops, rawReads, { topic: input, idOf: mine }),
      noDuplicates(rawReads, { topic: input, idOf: mine, history: ops, retriesMayRepeat: true }),
      offsetsMonotonic(ops, rawReads, { topic: input, idOf: mine }),
    );
    // only a workload that can fail, refuse or abort a write has ids that must never be read
    if (viaPipeline || w.transactional) checks.push(noAbortedReads(ops, rawReads, { topic: input, idOf: mine }));
    const processedTopic = viaPipeline ? TOPICS.processed : w.processors ? own.processed : undefined;
    if (processedTopic) {
      const processed = reads.get(processedTopic) ?? [];
      const dup = noDuplicates(processed, { topic: processedTopic, idOf: mine, history: ops });
      checks.push(processedEqualsAccepted(ops, processed, { idOf: mine }), { ...dup, name: `${dup.name} (processed)` });
      if (viaPipeline) checks.push(aggregatesEqualRecomputed(processed, reads.get(TOPICS.aggregates) ?? [], { services }));
    }
    // a run without faults (a load test) has no recovery to bound
    if (exp.faults.length) checks.push(recoveryBounds(ops, { boundMs: exp.recoveryBoundMs, holdingFaults: exp.faults.filter((f) => faultByName(f).holdsWrites), fullIsrMs, fullIsrBoundMs: 180_000 }));
    if (caughtUp.length) checks.push(stagesCaughtUp(caughtUp));
    checks.push(...loadChecks);
    const healPhase = phases.find((p) => p.name === 'heal and recover');
    checks.push(...(await observe(t, exp.observe ?? [], { epochMs, windows: faultWindows(ops), healedAtMs: epochMs + (healPhase?.start ?? history.now()) }, log)));
    const verdict = compose(checks);

    const series = await timelines(t, epochMs - 10_000, Date.now(), notes, ctx.runId);
    notes.push(...(await target.afterRun()));

    const writes = ops.filter((x) => x.process !== 'nemesis' && x.type !== 'invoke');
    const ackedEvents = ops
      .filter((x) => x.process !== 'nemesis' && x.type === 'ok' && x.f === 'write')
      .reduce((s, x) => s + ((x.value as { ids?: string[] }).ids?.length ?? 0), 0);
    const cmd = exp.replay
      ? exp.replay({ durationS: durationMs / 1000, rate, seed, coordination: t.coordination })
      : `just chaos ${exp.name} --duration ${durationMs / 1000} --rate ${rate} --seed ${seed} --coordination ${t.coordination}${client === 'kafkajs' ? ' --client kafkajs' : ''}${target.provider === 'k8s' ? ' --target k8s' : target.provider === 'containers' ? ' --provider containers' : ''}`;
    const result: RunResult = {
      runId,
      kind: exp.reportKind ?? 'chaos',
      experiment: exp.name,
      description: exp.description,
      verdict: verdict.valid,
      expectInvalid: Boolean(exp.control),
      ...(exp.control ? { mustFail: exp.control.mustFail } : {}),
      startedAt: new Date(epochMs).toISOString(),
      durationMs: history.now(),
      command: cmd,
      config: {
        coordination: t.coordination,
        provider: target.provider,
        durationS: durationMs / 1000,
        rate,
        seed,
        workload: w.kind === 'external' ? w.label : w.kind === 'http' ? 'http ingest -> logs.raw -> process -> aggregate' : `kafka direct -> ${own.raw}`,
        ...(w.kind === 'http' ? { clientTimeoutMs: HTTP_TIMEOUT_MS, clientRetries: HTTP_RETRIES, client } : {}),
        ...loadConfig,
        ...(w.kind === 'kafka'
          ? {
              replicationFactor: w.topic.replicationFactor,
              minInsyncReplicas: w.topic.minInsyncReplicas,
              client,
              acks: w.acks === -1 ? 'all' : '1',
              idempotent: w.idempotent,
              transactional: Boolean(w.transactional),
              uncleanLeaderElection: Boolean(w.topic.uncleanLeaderElection),
              processorsExactlyOnce: w.processors ? w.processors.exactlyOnce : 'n/a',
            }
          : {}),
        faults: exp.faults.join(', '),
        recoveryBoundMs: exp.recoveryBoundMs,
      },
      checks,
      faults: faultWindows(ops),
      phases,
      workload: {
        invoked: ops.filter((x) => x.process !== 'nemesis' && x.type === 'invoke').length,
        ok: writes.filter((x) => x.type === 'ok').length,
        fail: writes.filter((x) => x.type === 'fail').length,
        info: writes.filter((x) => x.type === 'info').length,
        events,
        eventsAcknowledged: ackedEvents,
      },
      series,
      epochMs,
      notes,
    };
    const written = writeRun(outRoot, result);
    return { result, dir: written.dir, report: written.report };
  } finally {
    await faultMetric?.stop();
    // the run's own processes and topics go, however it ended (a one-replica topic left behind would go offline with its broker)
    for (const s of owned) await s.stop();
    if (w.kind === 'kafka') await cleanupRun(admin, [own.raw, ...(w.processors ? [own.processed, own.dlq] : [])], notes, w.processors ? [own.group] : []);
  }
}

/** Deletes the run's topics and its consumer groups (a group left committed to a deleted topic is noise in every lag view). */
async function cleanupRun(k: ReturnType<typeof kafka>, topics: string[], notes: string[], groups: string[] = []): Promise<void> {
  if (!topics.length && !groups.length) return;
  const a = k.admin();
  await a.connect();
  try {
    if (topics.length) await a.deleteTopics({ topics, timeout: 30_000 });
  } catch (e) {
    notes.push(`could not delete the run's topics ${topics.join(', ')}: ${errorMessage(e)}`);
  }
  try {
    if (groups.length) await a.deleteGroups(groups);
  } catch (e) {
    notes.push(`could not delete the run's consumer groups ${groups.join(', ')}: ${errorMessage(e)}`);
  } finally {
    await a.disconnect();
  }
}

/** Liveness: after healing, every stage's consumer group commits to the end of its input within the bound. */
function stagesCaughtUp(groups: { group: string; ms?: number; error?: string }[]): CheckResult {
  const stuck = groups.filter((g) => g.error);
  return {
    name: 'stages-caught-up',
    property: 'After the faults are healed, every stage commits up to the end of its input within 240 s (the pipeline makes progress again).',
    valid: stuck.length === 0,
    summary: groups.map((g) => (g.error ? `${g.group}: STUCK` : `${g.group}: ${((g.ms ?? 0) / 1000).toFixed(1)} s`)).join(', '),
    stats: Object.fromEntries(groups.map((g) => [`${g.group}Ms`, g.ms ?? -1])),
    counterexamples: stuck.map((g) => ({ what: `${g.group}: ${g.error}` })),
  };
}

async function leftoverTopics(t: Parameters<typeof kafka>[0]): Promise<string[]> {
  const a = kafka(t).admin();
  await a.connect();
  try {
    return (await a.listTopics()).filter((n) => n.startsWith('chaos.'));
  } finally {
    await a.disconnect();
  }
}
