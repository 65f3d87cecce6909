// The processes provider: the topology as real processes on this host, zones
// as loopback ranges with one system user each (see DESIGN.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeGrafana } from '../../dashboards/index.js';
import { PIPELINE_TOPICS } from '../../pipeline/contract/index.js';
import { cacheLayout, stateLayout, type Paths } from '../paths.js';
import { clusterHealth, httpOk, kafka, tcpOpen, zookeeperQuorum, type ClusterHealth } from '../probes.js';
import { ensureTopics } from '../topics.js';
import { addr, bootstrapServers, NODE_SERVICE_ENV, topology, type Coordination, type Endpoint, type Topology, type Zone } from '../topology.js';
import { waitFor } from '../wait.js';
import { activeRules, cutHosts, ensureChain, healAll, isolateZone, removeRules } from './partition.js';
import { justCmd, type ComponentStatus, type DeployOptions, type Deployment, type KafkaClientName, type NetworkCut, type Progress, type Provider, type ProviderName } from '../provider.js';
import { ensureProxies } from './toxiproxy.js';
import { brokerConfig, controllerConfig, jmxExporterConfig, jvmArgs, log4jConfig, zookeeperConfig } from './configs.js';
import { prometheusConfig, tempoConfig } from './ops-configs.js';
import { alive, cmdline, componentMarker, findProcesses, rssMiB, Supervisor, tail, type ComponentSpec } from './supervisor.js';
import { ensureZoneUsers } from './users.js';
import { errorMessage } from '../args.js';

export type { Deployment, Progress, ComponentStatus } from '../provider.js';

const letter = (zone: string) => zone.slice(-1);
/** A Grafana found on this machine (none can be installed from the registries here): its binary and home. */
export function grafanaBinary(): { bin: string; home: string } | undefined {
  for (const name of ['grafana', 'grafana-server']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const bin = r.status === 0 ? r.stdout.trim() : '';
    if (!bin) continue;
    const home = ['/usr/share/grafana', join(bin, '..', '..', 'share', 'grafana')].find((h) => existsSync(join(h, 'conf', 'defaults.ini')));
    if (home) return { bin, home };
  }
  return undefined;
}

/** The checkout: stage processes run its sources through tsx. */
const REPO = fileURLToPath(new URL('../../', import.meta.url));

export class ProcessesProvider implements Provider {
  readonly name: ProviderName = 'processes';
  readonly supervisor: Supervisor;
  protected readonly layout;
  protected readonly cache;

  constructor(
    readonly paths: Paths,
    readonly topology: Topology,
  ) {
    this.layout = stateLayout(paths.state);
    this.cache = cacheLayout(paths.cache);
    this.supervisor = new Supervisor(this.layout.run, this.layout.logs);
  }

  /** The provider for whatever is deployed under `paths.state`, or a new one with `coordination`. */
  static open(paths: Paths, coordination?: Coordination): ProcessesProvider {
    const existing = readDeployment(paths);
    if (existing && coordination && existing.coordination !== coordination) {
      throw new Error(
        `the deployment in ${paths.state} uses ${existing.coordination}, not ${coordination}: ` +
          `its data cannot be converted. Run \`just clean\` to wipe it (or set FAULTLINE_STATE to another directory), then deploy again.`,
      );
    }
    return new ProcessesProvider(paths, topology(existing?.coordination ?? coordination ?? 'zookeeper'));
  }

  get deployment(): Deployment | undefined {
    return readDeployment(this.paths);
  }

  /** The ingest's client: the one a deploy in progress asked for, else the deployment's. */
  private requestedIngestClient?: KafkaClientName;
  get ingestClient(): KafkaClientName {
    return this.requestedIngestClient ?? this.deployment?.ingestClient ?? 'librdkafka';
  }

  components(): ComponentSpec[] {
    const t = this.topology;
    const { conf, data, logs } = this.layout;
    const java = 'java';
    const cp = join(this.cache.kafkaLibs, '*');
    const specs: ComponentSpec[] = [];
    for (const z of t.zookeepers) {
      const name = `zookeeper-${letter(z.zone.name)}`;
      const cfg = join(conf, `${name}.properties`);
      specs.push({
        name,
        kind: 'zookeeper',
        user: z.zone.user,
        zone: z.zone.name,
        command: java,
        args: [...jvmArgs({ component: name, heapMb: 128, confDir: conf, logDir: logs }), '-cp', cp, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg],
        listens: [z.client, z.metrics],
        marker: cfg,
      });
    }
    for (const c of t.controllers) {
      const name = `controller-${letter(c.zone.name)}`;
      const cfg = join(conf, `${name}.properties`);
      specs.push({
        name,
        kind: 'controller',
        user: c.zone.user,
        zone: c.zone.name,
        command: java,
        args: [
          ...jvmArgs({ component: name, heapMb: 256, confDir: conf, logDir: logs, agentJar: this.cache.jmxAgent, metrics: c.metrics }),
          '-cp', cp, 'kafka.Kafka', cfg,
        ],
        listens: [c.listener, c.metrics],
        marker: cfg,
      });
    }
    for (const b of t.brokers) {
      const name = `broker-${letter(b.zone.name)}`;
      const cfg = join(conf, `${name}.properties`);
      specs.push({
        name,
        kind: 'broker',
        user: b.zone.user,
        zone: b.zone.name,
        command: java,
        args: [
          ...jvmArgs({ component: name, heapMb: 512, confDir: conf, logDir: logs, agentJar: this.cache.jmxAgent, metrics: b.metrics }),
          '-cp', cp, 'kafka.Kafka', cfg,
        ],
        listens: [b.listener, b.metrics],
        marker: cfg,
      });
    }
    const promCfg = join(conf, 'prometheus.yml');
    specs.push({
      name: 'prometheus',
      kind: 'prometheus',
      zone: 'ops',
      command: 'prometheus',
      args: [
        `--config.file=${promCfg}`,
        `--storage.tsdb.path=${join(data, 'prometheus')}`,
        `--storage.tsdb.retention.time=7d`,
        `--web.listen-address=${t.ops.prometheus.host}:${t.ops.prometheus.port}`,
        '--web.enable-remote-write-receiver',
        '--web.enable-lifecycle',
        '--enable-feature=exemplar-storage',
      ],
      listens: [t.ops.prometheus],
      marker: promCfg,
    });
    const tempoCfg = join(conf, 'tempo.yaml');
    specs.push({
      name: 'tempo',
      kind: 'tempo',
      zone: 'ops',
      command: this.cache.tempo,
      args: [`-config.file=${tempoCfg}`],
      listens: [t.ops.tempo.http, t.ops.tempo.otlpGrpc, t.ops.tempo.otlpHttp],
      marker: tempoCfg,
    });
    specs.push({
      name: 'toxiproxy',
      kind: 'toxiproxy',
      zone: 'ops',
      command: this.cache.toxiproxy,
      args: ['-host', t.ops.toxiproxy.host, '-port', String(t.ops.toxiproxy.port)],
      listens: [t.ops.toxiproxy],
      marker: `${this.cache.toxiproxy} -host ${t.ops.toxiproxy.host} -port ${t.ops.toxiproxy.port}`,
    });
    for (const st of t.stages) {
      const http: Record<string, string> =
        st.stage === 'ingest'
          ? { INGEST_HOST: st.http.host, INGEST_PORT: String(st.http.port) }
          : { STAGE_HTTP_HOST: st.http.host, STAGE_HTTP_PORT: String(st.http.port) };
      const client: Record<string, string> = st.stage === 'ingest' ? { INGEST_KAFKA_CLIENT: this.ingestClient } : {};
      specs.push(this.nodeSpec(`${st.stage}-${letter(st.zone.name)}`, 'pipeline', st.stage, st.http, { FAULTLINE_ZONE: st.zone.name, ...http, ...client }, st.zone));
    }
    const grafana = grafanaBinary();
    if (grafana) {
      const g = join(this.paths.state, 'conf', 'grafana');
      specs.push({
        name: 'grafana',
        kind: 'grafana',
        zone: 'ops',
        command: grafana.bin,
        // `cfg:` overrides on the command line (also our marker for finding the process again)
        args: [...(grafana.bin.endsWith('grafana') ? ['server'] : []), `--homepath=${grafana.home}`, `cfg:default.paths.provisioning=${join(g, 'provisioning')}`],
        env: {
          GF_PATHS_PROVISIONING: join(g, 'provisioning'),
          GF_PATHS_DATA: join(this.paths.state, 'data', 'grafana'),
          GF_PATHS_LOGS: join(this.paths.state, 'logs'),
          GF_SERVER_HTTP_ADDR: t.ops.grafana.host,
          GF_SERVER_HTTP_PORT: String(t.ops.grafana.port),
          GF_AUTH_ANONYMOUS_ENABLED: 'true',
          GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
        },
        listens: [t.ops.grafana],
        marker: `cfg:default.paths.provisioning=${join(g, 'provisioning')}`,
      });
    }
    // outside every fault domain, as root: they watch the experiment, they are not part of it
    specs.push(this.nodeSpec('lag-exporter', 'ops-node', 'lag', t.ops.lagExporter, { LAG_HTTP_HOST: t.ops.lagExporter.host, LAG_HTTP_PORT: String(t.ops.lagExporter.port) }));
    specs.push(
      this.nodeSpec('dashboard', 'ops-node', 'dashboard', t.ops.dashboard, {
        DASHBOARD_HOST: t.ops.dashboard.host,
        DASHBOARD_PORT: String(t.ops.dashboard.port),
        PROMETHEUS_URL: `http://${addr(t.ops.prometheus)}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://${addr(t.ops.tempo.otlpHttp)}`,
      }),
    );
    return specs;
  }

  /**
   * A Node process of ours (pipeline/<dir>/main.ts through tsx): a pipeline stage runs in its zone as the zone's
   * user; an ops process (lag exporter, dashboard) as root on the ops address.
   */
  private nodeSpec(name: string, kind: 'pipeline' | 'ops-node', dir: string, http: Endpoint, env: Record<string, string>, zone?: Zone): ComponentSpec {
    // the marker is the command line's last argument, matched whole (componentMarker): a deployment in
    // /var/lib/faultline must not take the one in /var/lib/faultline-containers (or -test-kraft) for its own
    const marker = componentMarker(name, this.paths.state);
    return {
      name,
      kind,
      ...(zone ? { user: zone.user, zone: zone.name } : { zone: 'ops' }),
      command: process.execPath,
      // tsx as a loader in this very process (its CLI would fork a child): the
      // pid we record, signal and SIGKILL is the process itself
      args: ['--import', pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, join(REPO, 'pipeline', dir, 'main.ts'), marker.trimEnd()],
      env: { ...NODE_SERVICE_ENV, KAFKA_BROKERS: bootstrapServers(this.topology).join(','), OTEL_EXPORTER_OTLP_ENDPOINT: `http://${addr(this.topology.ops.tempo.otlpHttp)}`, ...env },
      listens: [http],
      marker,
    };
  }

  component(name: string): ComponentSpec {
    const c = this.components().find((s) => s.name === name);
    if (!c) throw new Error(`no component ${name}; components are ${this.components().map((s) => s.name).join(', ')}`);
    return c;
  }

  /** Idempotent: renders configs, starts whatever is not running, waits for real readiness. */
  async deploy(progress: Progress = () => {}, opts: DeployOptions = {}): Promise<{ started: string[] }> {
    const t = this.topology;
    const switchIngest = opts.ingestClient !== undefined && opts.ingestClient !== this.ingestClient;
    for (const f of [this.cache.tempo, this.cache.jmxAgent, join(this.cache.kafkaLibs, 'kafka_2.13-3.9.2.jar')]) {
      if (!existsSync(f)) throw new Error(`${f} is missing: the setup has not completed. Run \`just setup\` and deploy again.`);
    }
    await this.prepareHost(progress);
    const deployment: Deployment = {
      ...(this.deployment ?? { coordination: t.coordination, clusterId: randomBytes(16).toString('base64url'), createdAt: new Date().toISOString() }),
      ingestClient: opts.ingestClient ?? this.ingestClient,
    };
    this.requestedIngestClient = deployment.ingestClient;
    this.renderConfigs(deployment);
    const started: string[] = [];
    const start = async (group: ComponentSpec[]) => void started.push(...(await this.launch(group, progress)));
    const specs = this.components();
    await start(specs.filter((s) => s.kind === 'prometheus' || s.kind === 'tempo' || s.kind === 'toxiproxy'));
    await this.ready('toxiproxy', [this.component('toxiproxy')], () => tcpOpen(t.ops.toxiproxy), 30_000);
    await ensureProxies(t);

    if (t.coordination === 'zookeeper') {
      await start(specs.filter((s) => s.kind === 'zookeeper'));
      progress('waiting for a ZooKeeper quorum with one leader');
      await this.ready('a ZooKeeper quorum', specs.filter((s) => s.kind === 'zookeeper'), async () => (await zookeeperQuorum(t)).ok, 90_000);
      progress(`ZooKeeper quorum: ${JSON.stringify((await zookeeperQuorum(t)).modes)}`);
    } else {
      await start(specs.filter((s) => s.kind === 'controller'));
      progress('waiting for the KRaft controllers to listen');
      await this.ready(
        'the KRaft controllers to listen',
        specs.filter((s) => s.kind === 'controller'),
        async () => (await Promise.all(t.controllers.map((c) => tcpOpen(c.listener)))).every(Boolean),
        90_000,
      );
    }
    writeFileSync(this.layout.file, JSON.stringify(deployment, null, 2));

    await start(specs.filter((s) => s.kind === 'broker'));
    progress('waiting for 3 brokers registered and a controller elected');
    const ids = t.brokers.map((b) => b.id).sort();
    await this.ready(
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
        await this.stop(s.name);
      }
    }
    await start(stages);
    progress('waiting for the pipeline stages (ingest, process, aggregate per zone) to answer /healthz');
    await this.ready('every pipeline stage healthy', stages, async () => {
      const ok = await Promise.all(t.stages.map((st) => httpOk(`http://${addr(st.http)}/healthz`)));
      return ok.every(Boolean);
    }, 120_000);
    await start(specs.filter((s) => s.kind === 'grafana'));
    const opsNodes = specs.filter((s) => s.kind === 'ops-node');
    await start(opsNodes);
    progress('waiting for the lag exporter and the dashboard to answer /healthz');
    await this.ready('lag exporter and dashboard healthy', opsNodes, async () => (await Promise.all([t.ops.lagExporter, t.ops.dashboard].map((e) => httpOk(`http://${addr(e)}/healthz`)))).every(Boolean), 60_000);

    progress('waiting for Prometheus and Tempo to be ready');
    await this.ready('Prometheus ready', [this.component('prometheus')], () => httpOk(`http://${addr(t.ops.prometheus)}/-/ready`), 60_000);
    // a Prometheus that was already running picks up the configs and rules rendered above
    await fetch(`http://${addr(t.ops.prometheus)}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    await this.ready('Tempo ready', [this.component('tempo')], () => httpOk(`http://${addr(t.ops.tempo.http)}/ready`), 120_000);
    return { started };
  }

  /** Zone users and the partition chain; a crashed experiment may have left a partition behind. */
  protected async prepareHost(progress: Progress): Promise<void> {
    progress('zone users and iptables chain');
    ensureZoneUsers(this.topology.zones);
    ensureChain();
    healAll();
  }

  /** Starts whichever of `group` is not running; returns the names it started. */
  protected async launch(group: ComponentSpec[], progress: Progress): Promise<string[]> {
    const started: string[] = [];
    for (const spec of group) {
      const r = this.supervisor.start(spec);
      if (r.started) started.push(spec.name);
      progress(`${spec.name.padEnd(14)} ${r.started ? 'started' : 'running'} (pid ${r.pid})`);
    }
    return started;
  }

  /** Has the component we started exited (so waiting for it is pointless)? */
  protected async exited(spec: ComponentSpec): Promise<boolean> {
    return this.supervisor.exited(spec);
  }

  async logTail(name: string, lines: number): Promise<string> {
    return tail(this.supervisor.logFile(this.component(name).name), lines);
  }

  logLocation(name: string): string {
    return this.supervisor.logFile(this.component(name).name);
  }

  /** One line on a component for an error message: running or not, and where its log is. */
  protected async describe(spec: ComponentSpec): Promise<string> {
    const st = this.supervisor.state(spec);
    return `${spec.name}: ${st.running ? `running (pid ${st.pid})` : 'NOT running'}; log ${this.supervisor.logFile(spec.name)}`;
  }

  /** Waits for `check` while every one of `specs` stays alive; a death fails at once with its log. */
  protected async ready(what: string, specs: ComponentSpec[], check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    let dead: ComponentSpec | undefined;
    await waitFor(
      what,
      async () => {
        for (const s of specs) if (await this.exited(s)) dead = s;
        if (dead) return true;
        return check();
      },
      { timeoutMs, intervalMs: 500 },
    ).catch((e) => this.explain(e, specs));
    if (dead) {
      throw new Error(
        `${dead.name} exited while waiting for ${what}. Last lines of ${this.logLocation(dead.name)}:\n${await this.logTail(dead.name, 8)}\n` +
          `Other components are left running; fix the cause, then \`${justCmd('deploy', this.name)}\` again (or \`${justCmd('down', this.name)}\`).`,
      );
    }
  }

  private async explain(e: unknown, specs: ComponentSpec[]): Promise<never> {
    const lines = await Promise.all(specs.map(async (s) => `  ${await this.describe(s)}`));
    throw new Error(
      `${errorMessage(e)}\n${lines.join('\n')}\n` +
        `Components that did start are left running; read the logs above, then \`${justCmd('deploy', this.name)}\` again or \`${justCmd('down', this.name)}\`.`,
    );
  }

  /** Renders every config file; `owners`: each zone process owns its data directory (the processes provider's zone users). */
  protected renderConfigs(d: Deployment, opts: { owners: boolean } = { owners: true }) {
    const t = this.topology;
    const { conf, data, logs } = this.layout;
    for (const dir of [conf, data, logs, this.layout.run, join(conf, 'targets'), join(conf, 'rules')]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(conf, 'log4j.properties'), log4jConfig());
    writeFileSync(join(conf, 'jmx-exporter.yaml'), jmxExporterConfig());
    for (const z of t.zookeepers) {
      const name = `zookeeper-${letter(z.zone.name)}`;
      const dir = join(data, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'myid'), `${z.id}\n`);
      writeFileSync(join(conf, `${name}.properties`), zookeeperConfig(t, z, dir));
    }
    const kraftFormat: [string, string][] = [];
    for (const c of t.controllers) {
      const name = `controller-${letter(c.zone.name)}`;
      const dir = join(data, name);
      writeFileSync(join(conf, `${name}.properties`), controllerConfig(t, c, dir));
      kraftFormat.push([dir, join(conf, `${name}.properties`)]);
    }
    for (const b of t.brokers) {
      const name = `broker-${letter(b.zone.name)}`;
      const dir = join(data, name);
      writeFileSync(join(conf, `${name}.properties`), brokerConfig(t, b, dir));
      if (t.coordination === 'kraft') kraftFormat.push([dir, join(conf, `${name}.properties`)]);
    }
    for (const [dir, cfg] of kraftFormat) this.formatKraft(dir, cfg, d.clusterId);
    // Java checks writability with access(2), which ignores capabilities for a
    // non-root real uid: each zone process must own its data directory.
    for (const s of this.components()) {
      if (!s.user || !opts.owners) continue;
      const dir = join(data, s.name);
      mkdirSync(dir, { recursive: true });
      execFileSync('chown', ['-R', `${s.user}:${s.user}`, dir]);
    }
    writeFileSync(
      join(conf, 'targets', 'pipeline.json'),
      JSON.stringify(
        [
          ...t.stages.map((st) => ({ targets: [addr(st.http)], labels: { instance: `${st.stage}-${letter(st.zone.name)}`, stage: st.stage, zone: st.zone.name } })),
          { targets: [addr(t.ops.lagExporter)], labels: { instance: 'lag-exporter', stage: 'lag', zone: 'ops' } },
          { targets: [addr(t.ops.dashboard)], labels: { instance: 'dashboard', stage: 'dashboard', zone: 'ops' } },
        ],
        null,
        2,
      ),
    );
    writeFileSync(join(conf, 'prometheus.yml'), prometheusConfig(t, { targetsDir: join(conf, 'targets'), rulesDir: join(conf, 'rules') }));
    // the alert rules are code (dashboards/alerts, tested with promtool); Prometheus loads them from its rules dir
    copyFileSync(join(REPO, 'dashboards', 'alerts', 'rules.yml'), join(conf, 'rules', 'faultline.yml'));
    writeFileSync(join(conf, 'tempo.yaml'), tempoConfig(t, join(data, 'tempo')));
    // the dashboards are code too: Grafana JSON and provisioning for any Grafana, and for ours when one is installed
    writeGrafana(join(conf, 'grafana'), { prometheus: `http://${addr(t.ops.prometheus)}`, tempo: `http://${addr(t.ops.tempo.http)}` });
  }

  /** Graceful stop in dependency order: brokers, then coordination, then ops. Data is kept. */
  async down(progress: Progress = () => {}): Promise<void> {
    healAll();
    const specs = this.components();
    const order: ComponentSpec['kind'][][] = [['pipeline', 'ops-node', 'grafana'], ['broker'], ['controller', 'zookeeper'], ['prometheus', 'tempo', 'toxiproxy']];
    for (const kinds of order) {
      const group = specs.filter((s) => kinds.includes(s.kind));
      await Promise.all(
        group.map(async (s) => {
          const was = this.supervisor.state(s);
          await this.supervisor.stop(s);
          if (was.running) progress(`${s.name.padEnd(14)} stopped`);
        }),
      );
    }
    // anything else still running on this deployment's files (e.g. the other
    // coordination mode's nodes after a crash) is a leftover: it goes too
    for (const pid of findProcesses(`${this.paths.state}/conf/`)) {
      progress(`leftover pid ${pid} (${cmdline(pid).slice(0, 80)}) killed`);
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    }
  }

  /** Stop and wipe configs, data and logs of this deployment (the cache is kept). */
  async clean(progress: Progress = () => {}): Promise<void> {
    await this.down(progress);
    rmSync(this.paths.state, { recursive: true, force: true });
    progress(`removed ${this.paths.state}`);
  }

  async status(): Promise<ComponentStatus[]> {
    return Promise.all(
      this.components().map(async (s) => {
        const st = this.supervisor.state(s);
        const open = await Promise.all(s.listens.map((e) => tcpOpen(e, 500)));
        return {
          name: s.name,
          kind: s.kind,
          zone: s.zone ?? 'ops',
          pid: st.running ? st.pid : undefined,
          up: st.running,
          listening: open.every(Boolean),
          rssMiB: st.running && st.pid ? rssMiB(st.pid) : undefined,
          addresses: s.listens.map((e) => `${e.host}:${e.port}`),
        };
      }),
    );
  }

  async health(): Promise<ClusterHealth | { error: string }> {
    try {
      return await clusterHealth(this.topology);
    } catch (e) {
      return { error: errorMessage(e) };
    }
  }

  // ---- fault primitives used by the chaos nemeses ----

  async kill(name: string): Promise<void> {
    this.supervisor.signal(this.component(name), 'SIGKILL');
  }

  async pause(name: string): Promise<void> {
    this.supervisor.signal(this.component(name), 'SIGSTOP');
  }

  async resume(name: string): Promise<void> {
    this.supervisor.signal(this.component(name), 'SIGCONT');
  }

  async restart(name: string): Promise<void> {
    const spec = this.component(name);
    const st = this.supervisor.state(spec);
    if (st.running && st.pid && alive(st.pid)) return;
    this.supervisor.start(spec);
  }

  /** A broker moves its leaders away first. */
  async stop(name: string, timeoutMs = 60_000): Promise<void> {
    await this.supervisor.stop(this.component(name), timeoutMs);
  }

  /** Is the component's process alive (and not a stale pid file)? */
  async running(name: string): Promise<boolean> {
    const st = this.supervisor.state(this.component(name));
    return Boolean(st.running && st.pid && alive(st.pid));
  }

  /** A KRaft node starts only from a directory formatted with the cluster's id (StorageTool), as an operator provisions it. */
  private formatKraft(dir: string, cfg: string, clusterId: string): void {
    if (existsSync(join(dir, 'meta.properties'))) return;
    execFileSync('java', ['-cp', join(this.cache.kafkaLibs, '*'), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', cfg, '--ignore-formatted'], { stdio: 'pipe' });
  }

  /**
   * Broker log dirs, ZooKeeper snapshots; ZooKeeper keeps its myid, the identity a replacement node is configured
   * with. Refuses while the component runs.
   */
  async wipeData(name: string): Promise<string> {
    const spec = this.component(name);
    if (await this.running(name)) throw new Error(`refusing to wipe ${name}: it is running; kill it first`);
    const dir = join(this.layout.data, spec.name);
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) if (entry !== 'myid') rmSync(join(dir, entry), { recursive: true, force: true });
    // under KRaft the new, empty machine is formatted with the cluster's id before it starts, as an operator who
    // replaces a node does (a wiped KRaft broker refuses to start without meta.properties: a KRaft zone-destroy
    // left broker-b down, the cluster at 2 of 3 brokers for the rest of the run)
    if (this.topology.coordination === 'kraft' && (spec.kind === 'broker' || spec.kind === 'controller'))
      this.formatKraft(dir, join(this.layout.conf, `${spec.name}.properties`), this.deployment!.clusterId);
    if (spec.user) execFileSync('chown', ['-R', `${spec.user}:${spec.user}`, dir]);
    return dir;
  }

  /** iptables owner-match rules on the zone users (see partition.ts). */
  async isolateZone(zone: Zone, opts: { symmetric: boolean }): Promise<NetworkCut> {
    const rules = isolateZone(zone, this.topology.zones, opts);
    return { rules: rules.map((r) => `${r.from.name} -x-> ${r.to.name}`), heal: async () => removeRules(rules) };
  }

  async cutHosts(from: Zone, hosts: string[]): Promise<NetworkCut> {
    const rules = cutHosts(from, hosts);
    return { rules: hosts.map((h) => `${from.name} -x-> ${h}`), heal: async () => removeRules(rules) };
  }

  async healNetwork(): Promise<void> {
    healAll();
  }

  async activeCuts(): Promise<string[]> {
    return activeRules();
  }

  admin() {
    return kafka(this.topology).admin();
  }
}


export function readDeployment(p: Paths): Deployment | undefined {
  const f = stateLayout(p.state).file;
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as Deployment;
}
