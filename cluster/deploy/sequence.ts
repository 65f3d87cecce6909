// The deploy sequence both local providers share: configs rendered, then ops services, coordination (ZooKeeper or
// the KRaft controllers), brokers, the pipeline's topics, the stages, the lag exporter and the dashboard, each group
// waited for on a real condition (a quorum, registered brokers, full ISR, /healthz). How a component is started,
// watched and described is the provider's: its Runtime.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINE_TOPICS } from '../../pipeline/contract/index.js';
import { errorMessage } from '../args.js';
import { clusterHealth, httpOk, tcpOpen, zookeeperQuorum } from '../probes.js';
import { ensureProxies } from '../toxiproxy.js';
import { justCmd, type DeployOptions, type Deployment, type Progress, type ProviderName } from '../provider.js';
import { ensureTopics } from '../topics.js';
import { addr } from '../topology.js';
import { waitFor } from '../wait.js';
import { componentNamed, type ComponentSpec } from './catalog.js';
import type { DeploymentParts } from './parts.js';
import { newClusterId, renderConfigs } from './render.js';

/** What a provider does to components: the deploy sequence asks, the provider knows how (processes or containers). */
export interface Runtime {
  readonly name: ProviderName;
  /** Does each zone's process run as the zone's user (and own its data directory)? */
  readonly zoneUsers: boolean;
  components(): ComponentSpec[];
  /** Whatever the host needs first (zone users and the iptables chain; the container engine, images and network). */
  prepareHost(progress: Progress): Promise<void>;
  /** Starts whichever of `group` is not running; returns the names it started. */
  launch(group: ComponentSpec[], progress: Progress): Promise<string[]>;
  /** Has the component exited (so waiting for it is pointless)? */
  exited(spec: ComponentSpec): Promise<boolean>;
  /** One line on a component for an error message: running or not, and where its log is. */
  describe(spec: ComponentSpec): Promise<string>;
  logTail(name: string, lines: number): Promise<string>;
  logLocation(name: string): string;
  stop(name: string, timeoutMs?: number): Promise<void>;
}

/** Idempotent: renders configs, starts whatever is not running, waits for real readiness. */
export async function deploySequence(parts: DeploymentParts, rt: Runtime, progress: Progress = () => {}, opts: DeployOptions = {}): Promise<{ started: string[] }> {
  const t = parts.topology;
  const switchIngest = opts.ingestClient !== undefined && opts.ingestClient !== parts.ingestClient;
  for (const f of [parts.cache.tempo, parts.cache.jmxAgent, join(parts.cache.kafkaLibs, 'kafka_2.13-3.9.2.jar')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: the setup has not completed. Run \`just setup\` and deploy again.`);
  }
  await rt.prepareHost(progress);
  const deployment: Deployment = {
    ...(parts.deployment ?? { coordination: t.coordination, clusterId: newClusterId(), createdAt: new Date().toISOString() }),
    ingestClient: opts.ingestClient ?? parts.ingestClient,
  };
  parts.requestedIngestClient = deployment.ingestClient;
  const specs = rt.components();
  renderConfigs(parts, deployment, { owners: rt.zoneUsers, components: specs });
  const started: string[] = [];
  const start = async (group: ComponentSpec[]) => void started.push(...(await rt.launch(group, progress)));
  await start(specs.filter((s) => s.kind === 'prometheus' || s.kind === 'tempo' || s.kind === 'toxiproxy'));
  await ready(rt, 'toxiproxy', [componentNamed(specs, 'toxiproxy')], () => tcpOpen(t.ops.toxiproxy), 30_000);
  await ensureProxies(t);

  if (t.coordination === 'zookeeper') {
    await start(specs.filter((s) => s.kind === 'zookeeper'));
    progress('waiting for a ZooKeeper quorum with one leader');
    await ready(rt, 'a ZooKeeper quorum', specs.filter((s) => s.kind === 'zookeeper'), async () => (await zookeeperQuorum(t)).ok, 90_000);
    progress(`ZooKeeper quorum: ${JSON.stringify((await zookeeperQuorum(t)).modes)}`);
  } else {
    await start(specs.filter((s) => s.kind === 'controller'));
    progress('waiting for the KRaft controllers to listen');
    await ready(
      rt,
      'the KRaft controllers to listen',
      specs.filter((s) => s.kind === 'controller'),
      async () => (await Promise.all(t.controllers.map((c) => tcpOpen(c.listener)))).every(Boolean),
      90_000,
    );
  }
  parts.record(deployment);

  await start(specs.filter((s) => s.kind === 'broker'));
  progress('waiting for 3 brokers registered and a controller elected');
  const ids = t.brokers.map((b) => b.id).sort();
  await ready(
    rt,
    'all brokers registered with an active controller',
    specs.filter((s) => s.kind === 'broker' || s.kind === 'zookeeper' || s.kind === 'controller'),
    async () => {
      const h = await clusterHealth(t);
      return h.controller !== null && h.controller >= 0 && ids.every((id) => h.brokersOnline.includes(id));
    },
    120_000,
  );

  progress('pipeline topics (RF 3, min ISR 2, replicas over 3 racks)');
  await ensureTopics(t, PIPELINE_TOPICS);
  progress('waiting for every partition to have its full ISR');
  await waitFor('full ISR on every partition', async () => (await clusterHealth(t)).underReplicated.length === 0, {
    timeoutMs: 120_000,
    intervalMs: 1000,
  });

  const stages = specs.filter((s) => s.kind === 'pipeline');
  if (switchIngest) {
    // the ingest is stateless: its instances stop (each answers what it accepted first) and start on the new client
    for (const s of stages.filter((x) => x.name.startsWith('ingest-'))) {
      progress(`${s.name}: restarting on ${deployment.ingestClient}`);
      await rt.stop(s.name);
    }
  }
  await start(stages);
  progress('waiting for the pipeline stages (ingest, process, aggregate per zone) to answer /healthz');
  await ready(rt, 'every pipeline stage healthy', stages, async () => {
    const ok = await Promise.all(t.stages.map((st) => httpOk(`http://${addr(st.http)}/healthz`)));
    return ok.every(Boolean);
  }, 120_000);
  await start(specs.filter((s) => s.kind === 'grafana'));
  const opsNodes = specs.filter((s) => s.kind === 'ops-node');
  await start(opsNodes);
  progress('waiting for the lag exporter and the dashboard to answer /healthz');
  await ready(rt, 'lag exporter and dashboard healthy', opsNodes, async () => (await Promise.all([t.ops.lagExporter, t.ops.dashboard].map((e) => httpOk(`http://${addr(e)}/healthz`)))).every(Boolean), 60_000);

  progress('waiting for Prometheus and Tempo to be ready');
  await ready(rt, 'Prometheus ready', [componentNamed(specs, 'prometheus')], () => httpOk(`http://${addr(t.ops.prometheus)}/-/ready`), 60_000);
  // a Prometheus that was already running picks up the configs and rules rendered above
  await fetch(`http://${addr(t.ops.prometheus)}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
  await ready(rt, 'Tempo ready', [componentNamed(specs, 'tempo')], () => httpOk(`http://${addr(t.ops.tempo.http)}/ready`), 120_000);
  return { started };
}

/** Waits for `check` while every one of `specs` stays alive; a death fails at once with its log. */
async function ready(rt: Runtime, what: string, specs: ComponentSpec[], check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  let dead: ComponentSpec | undefined;
  await waitFor(
    what,
    async () => {
      for (const s of specs) if (await rt.exited(s)) dead = s;
      if (dead) return true;
      return check();
    },
    { timeoutMs, intervalMs: 500 },
  ).catch((e) => explain(rt, e, specs));
  if (dead) {
    throw new Error(
      `${dead.name} exited while waiting for ${what}. Last lines of ${rt.logLocation(dead.name)}:\n${await rt.logTail(dead.name, 8)}\n` +
        `Other components are left running; fix the cause, then \`${justCmd('deploy', rt.name)}\` again (or \`${justCmd('down', rt.name)}\`).`,
    );
  }
}

async function explain(rt: Runtime, e: unknown, specs: ComponentSpec[]): Promise<never> {
  const lines = await Promise.all(specs.map(async (s) => `  ${await rt.describe(s)}`));
  throw new Error(
    `${errorMessage(e)}\n${lines.join('\n')}\n` +
      `Components that did start are left running; read the logs above, then \`${justCmd('deploy', rt.name)}\` again or \`${justCmd('down', rt.name)}\`.`,
  );
}
