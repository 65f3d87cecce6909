// The containers provider: the same component specs, configs and deploy
// sequence as the processes provider (the shared parts in cluster/deploy), each component in its own container
// (testcontainers on Docker or Podman) with a fixed address on one container
// network: the zones are /24 ranges of it, the ops services a fourth range
// outside every zone. Faults: SIGKILL, freeze, stop and start the containers;
// zone partitions as iptables rules inside the containers' network namespaces
// (the host's iptables through nsenter), so they never touch the host's own
// rules and vanish with the containers.
import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { GenericContainer, getContainerRuntimeClient, ImageName, type WaitStrategy } from 'testcontainers';
import { type Paths } from '../paths.js';
import { clusterHealth, healthOrError, httpOk, tcpOpen, zookeeperMode, type ClusterHealth } from '../probes.js';
import { componentNamed, componentSpecs, deploySequence, DeploymentParts, emptyDataDir, type ComponentSpec, type Runtime } from '../deploy/index.js';
import { rssMiB, tail } from '../host.js';
import type { ComponentStatus, DeployOptions, Deployment, NetworkCut, Progress, Provider, ProviderName } from '../provider.js';
import { addr, CONTAINER_NETWORK, CONTAINER_SUBNET, topology, type Coordination, type Topology, type Zone, type ZoneHost } from '../topology.js';
import { waitFor } from '../wait.js';
import { dockerEngine, ensureEngine, podmanCli, stopEngine, type Engine } from './engine.js';
import { imageTag } from './images.js';

export const NETWORK = 'faultline';
/** Every container of ours carries it: `down` and the leftover checks find them by it. */
export const LABEL = 'dev.faultline.component';
const CHAIN = 'FAULTLINE';
const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The containers provider's state lives beside the processes provider's, never inside it (`just clean` wipes that). */
export const containersPaths = (p: Paths): Paths => ({ cache: p.cache, state: `${p.state}-containers` });

export const containerName = (component: string) => `faultline-${component}`;

const JAVA_KINDS = new Set<ComponentSpec['kind']>(['zookeeper', 'controller', 'broker']);

/** A container on our network at a fixed address (testcontainers has no option for one). */
class PlacedContainer extends GenericContainer {
  constructor(
    image: string,
    private readonly ip: string,
  ) {
    super(image);
    this.withNetworkMode(NETWORK);
  }

  protected override async beforeContainerCreated(): Promise<void> {
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [NETWORK]: { IPAMConfig: { IPv4Address: this.ip } } } };
  }
}

/** A testcontainers wait strategy on a real condition (quorum joined, broker registered, /healthz), failing fast if the container exits. */
class ProbeWait implements WaitStrategy {
  private timeoutMs = 180_000;
  constructor(
    private readonly what: string,
    private readonly probe: () => Promise<boolean>,
  ) {}
  async waitUntilReady(container: Dockerode.Container): Promise<void> {
    let exited = '';
    await waitFor(
      this.what,
      async () => {
        const st = (await container.inspect()).State;
        if (!st.Running) exited = `exited with code ${st.ExitCode}`;
        return Boolean(exited) || (await this.probe());
      },
      { timeoutMs: this.timeoutMs, intervalMs: 500 },
    );
    if (exited) throw new Error(`${this.what}: the container ${exited}`);
  }
  withStartupTimeout(ms: number) {
    this.timeoutMs = ms;
    return this;
  }
  isStartupTimeoutSet() {
    return true;
  }
  getStartupTimeout() {
    return this.timeoutMs;
  }
}


export class ContainersProvider implements Provider, Runtime {
  readonly name: ProviderName = 'containers';
  /** Containers run as root inside: no zone users to own the data directories. */
  readonly zoneUsers = false;
  readonly paths: Paths;
  readonly topology: Topology;
  private engine?: Engine;

  constructor(readonly parts: DeploymentParts) {
    this.paths = parts.paths;
    this.topology = parts.topology;
  }

  static open(base: Paths, coordination?: Coordination): ContainersProvider {
    const p = containersPaths(base);
    const parts = DeploymentParts.open(p, coordination, {
      network: CONTAINER_NETWORK,
      mismatch: (existing) => `the containers deployment in ${p.state} uses ${existing}, not ${coordination}: run \`just clean --provider containers\` to wipe it, then deploy again.`,
    });
    return new ContainersProvider(parts);
  }

  get deployment(): Deployment | undefined {
    return this.parts.deployment;
  }

  /** The same specs as the processes provider's; Grafana runs on the host only when it is installed there, so not here. */
  components(): ComponentSpec[] {
    return componentSpecs(this.parts).filter((s) => s.kind !== 'grafana');
  }

  component(name: string): ComponentSpec {
    return componentNamed(this.components(), name);
  }

  /** Idempotent: renders configs, starts whatever is not running, waits for real readiness. */
  deploy(progress: Progress = () => {}, opts: DeployOptions = {}): Promise<{ started: string[] }> {
    return deploySequence(this.parts, this, progress, opts);
  }

  health(): Promise<ClusterHealth | { error: string }> {
    return healthOrError(this.topology);
  }

  private async client() {
    this.engine ??= await ensureEngine(this.paths);
    return getContainerRuntimeClient();
  }

  private async container(name: string): Promise<Dockerode.Container> {
    return (await this.client()).container.getById(containerName(this.component(name).name));
  }

  /** The container's inspect result, or undefined when it does not exist (any other engine error is thrown). */
  private async inspect(name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    try {
      return await (await this.container(name)).inspect();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw new Error(`the container engine could not inspect ${containerName(name)}: ${(e as Error).message}`);
    }
  }

  /** Where a container's output is copied on the host: it outlives the container (a failed start removes it). */
  private logFileOf(name: string) {
    return join(this.parts.layout.logs, `${name}.log`);
  }

  async prepareHost(progress: Progress): Promise<void> {
    const engine = await this.client().then(() => this.engine!);
    progress(`container engine: ${engine.kind} at ${engine.host}`);
    for (const kind of ['jre', 'node'] as const) {
      const tag = imageTag(kind);
      const exists = await (await this.client()).image.exists(ImageName.fromString(tag));
      if (!exists) throw new Error(`the image ${tag} is missing: run \`just setup\` (it builds both images from Debian packages), then deploy again`);
    }
    const client = await this.client();
    const nets = await client.container.dockerode.listNetworks({ filters: { name: [NETWORK] } });
    if (!nets.some((n) => n.Name === NETWORK)) {
      progress(`container network ${NETWORK} (${CONTAINER_SUBNET}; zones ${this.topology.zones.map((z) => z.cidr).join(', ')})`);
      await client.container.dockerode.createNetwork({ Name: NETWORK, Driver: 'bridge', IPAM: { Config: [{ Subnet: CONTAINER_SUBNET, Gateway: '10.89.0.1' }] } });
    }
    await this.healNetwork();
  }

  /** The container for one spec: its image, command, address and mounts (each at the same path as on the host). */
  private containerFor(spec: ComponentSpec, wait: WaitStrategy): GenericContainer {
    const java = JAVA_KINDS.has(spec.kind);
    const ip = spec.listens[0]!.host;
    const data = join(this.parts.layout.data, spec.name);
    mkdirSync(data, { recursive: true });
    mkdirSync(this.parts.layout.logs, { recursive: true });
    const mounts = [
      { source: this.parts.layout.conf, target: this.parts.layout.conf, mode: 'ro' as const },
      { source: this.parts.layout.logs, target: this.parts.layout.logs },
      { source: data, target: data },
      ...(java ? [{ source: join(this.paths.cache, 'kafka'), target: join(this.paths.cache, 'kafka'), mode: 'ro' as const }] : []),
      ...(spec.kind === 'pipeline' || spec.kind === 'ops-node'
        ? [
            { source: REPO, target: REPO, mode: 'ro' as const },
            { source: process.execPath, target: process.execPath, mode: 'ro' as const },
          ]
        : []),
      ...(spec.kind === 'prometheus' ? [{ source: '/usr/bin/prometheus', target: '/usr/bin/prometheus', mode: 'ro' as const }] : []),
      ...(spec.kind === 'tempo' || spec.kind === 'toxiproxy' ? [{ source: join(this.paths.cache, 'bin'), target: join(this.paths.cache, 'bin'), mode: 'ro' as const }] : []),
    ];
    return new PlacedContainer(imageTag(java ? 'jre' : 'node'), ip)
      .withName(containerName(spec.name))
      .withLabels({ [LABEL]: spec.name, 'dev.faultline.zone': spec.zone ?? 'ops', 'dev.faultline.state': this.paths.state })
      .withEntrypoint([spec.command])
      .withCommand(spec.args)
      .withEnvironment({ HOME: '/root', ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}), ...spec.env })
      .withWorkingDir(REPO)
      .withBindMounts(mounts)
      .withHostname(spec.name)
      .withAutoRemove(false)
      .withAutoCleanup(false)
      .withWaitStrategy(wait)
      .withStartupTimeout(180_000);
  }

  /**
   * Creates and starts a new container for `spec`, copying its output to the host until it is ready (a failed start
   * removes the container and its log with it; the copy stays for the error message and `just logs`).
   */
  private async startNew(spec: ComponentSpec, wait: WaitStrategy): Promise<void> {
    let stream: Readable | undefined;
    const c = this.containerFor(spec, wait).withLogConsumer((s) => {
      stream = s;
      s.pipe(createWriteStream(this.logFileOf(spec.name), { flags: 'a' }));
    });
    try {
      await c.start();
    } catch (e) {
      throw new Error(`${spec.name} did not start: ${(e as Error).message}\nLast lines of ${this.logFileOf(spec.name)}:\n${tail(this.logFileOf(spec.name), 12)}`);
    } finally {
      // a followed log would keep this command alive
      stream?.destroy();
    }
  }

  /**
   * A container's whole output, appended to its host copy before the container goes (its log goes with it): after a
   * test's teardown, what a stage did during a failed experiment is still there to read.
   */
  private async keepLog(name: string, ct: LogSource): Promise<void> {
    try {
      appendFileSync(this.logFileOf(name), `\n--- ${containerName(name)}: its whole output, kept when it was removed at ${new Date().toISOString()} ---\n${await logText(ct)}\n`);
    } catch {
      /* a container without a log leaves nothing to keep */
    }
  }

  /** The real condition a component is ready on (the wait strategy of its container). */
  private probe(spec: ComponentSpec): { what: string; check: () => Promise<boolean> } {
    const t = this.topology;
    const at = spec.listens[0]!;
    switch (spec.kind) {
      case 'zookeeper':
        return { what: `${spec.name} in a quorum (leader or follower)`, check: async () => ['leader', 'follower'].includes(await zookeeperMode(at)) };
      case 'broker': {
        const id = t.brokers.find((b) => b.listener.host === at.host)!.id;
        return { what: `${spec.name} registered in the cluster`, check: async () => (await clusterHealth(t).catch(() => ({ brokersOnline: [] as number[] }))).brokersOnline.includes(id) };
      }
      case 'pipeline':
      case 'ops-node':
        return { what: `${spec.name} answering /healthz`, check: () => httpOk(`http://${addr(at)}/healthz`) };
      case 'prometheus':
        return { what: 'Prometheus ready', check: () => httpOk(`http://${addr(at)}/-/ready`) };
      default:
        return { what: `${spec.name} listening on ${spec.listens.map(addr).join(', ')}`, check: async () => (await Promise.all(spec.listens.map((e) => tcpOpen(e)))).every(Boolean) };
    }
  }

  /** Starts the group's containers together (a ZooKeeper node waits for its peers), each ready on its real condition. */
  async launch(group: ComponentSpec[], progress: Progress): Promise<string[]> {
    const started: string[] = [];
    await Promise.all(
      group.map(async (spec) => {
        const info = await this.inspect(spec.name);
        const { what, check } = this.probe(spec);
        if (info?.State.Running) {
          progress(`${spec.name.padEnd(14)} running (container ${info.Id.slice(0, 12)}, ${spec.listens[0]!.host})`);
          return;
        }
        const t0 = Date.now();
        if (info) {
          // stopped (by `kill` or a crash): the same container, its data kept
          await (await this.container(spec.name)).start();
          await new ProbeWait(what, check).waitUntilReady(await this.container(spec.name));
        } else {
          await this.startNew(spec, new ProbeWait(what, check));
        }
        started.push(spec.name);
        progress(`${spec.name.padEnd(14)} started (${spec.listens[0]!.host}; ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }),
    );
    return started;
  }

  async exited(spec: ComponentSpec): Promise<boolean> {
    const st = (await this.inspect(spec.name))?.State;
    return Boolean(st && !st.Running && st.Status !== 'created');
  }

  async describe(spec: ComponentSpec): Promise<string> {
    const st = (await this.inspect(spec.name))?.State;
    return `${spec.name}: ${st ? st.Status : 'no container'}; log: ${this.logLocation(spec.name)}`;
  }

  async logTail(name: string, lines: number): Promise<string> {
    try {
      if (await this.inspect(name)) {
        return await logText(await this.container(name), lines);
      }
    } catch {
      /* the host copy below */
    }
    return tail(this.logFileOf(this.component(name).name), lines) || `(no log: no container ${containerName(name)} and no ${this.logFileOf(name)})`;
  }

  logLocation(name: string): string {
    return `${this.engine?.kind ?? 'podman'} logs ${containerName(this.component(name).name)} (a copy from its start: ${this.logFileOf(this.component(name).name)})`;
  }

  async status(): Promise<ComponentStatus[]> {
    return Promise.all(
      this.components().map(async (s) => {
        const st = (await this.inspect(s.name))?.State;
        const up = Boolean(st?.Running);
        const open = await Promise.all(s.listens.map((e) => tcpOpen(e, 500)));
        return {
          name: s.name,
          kind: s.kind,
          zone: s.zone ?? 'ops',
          pid: up ? st!.Pid : undefined,
          up,
          paused: Boolean(st?.Paused),
          listening: open.every(Boolean),
          rssMiB: up && st!.Pid ? rssMiB(st!.Pid) : undefined,
          addresses: s.listens.map(addr),
        };
      }),
    );
  }

  /**
   * Stops and removes every container of ours and the network; the data stays on the host; our Podman service
   * stops. Carries on past a container that cannot be removed and says at the end what is left.
   */
  async down(progress: Progress = () => {}): Promise<void> {
    if (!(await ContainersProvider.leftovers(this.paths)).length) {
      if (await stopEngine(this.paths)) progress('the Podman API service this project started: stopped');
      this.engine = undefined;
      progress('no container or network of ours was left');
      return;
    }
    const client = await this.client();
    const ours = await client.container.dockerode.listContainers({ all: true, filters: { label: [LABEL] } });
    const rank = (c: Dockerode.ContainerInfo) => {
      const kind = this.components().find((s) => s.name === c.Labels[LABEL])?.kind;
      return kind === 'pipeline' || kind === 'ops-node' ? 0 : kind === 'broker' ? 1 : kind === 'zookeeper' || kind === 'controller' ? 2 : 3;
    };
    const failed: string[] = [];
    for (const r of [0, 1, 2, 3]) {
      await Promise.all(
        ours
          .filter((c) => rank(c) === r)
          .map(async (c) => {
            const name = c.Labels[LABEL] ?? c.Id;
            try {
              const ct = client.container.getById(c.Id);
              if (c.State === 'paused') await ct.unpause();
              if (c.State === 'running' || c.State === 'paused') await ct.stop({ t: 30 });
              await this.keepLog(name, ct);
              await ct.remove({ force: true, v: true });
              progress(`${name.padEnd(14)} container removed`);
            } catch (e) {
              failed.push(`${containerName(name)} (${(e as Error).message})`);
            }
          }),
      );
    }
    try {
      const nets = await client.container.dockerode.listNetworks({ filters: { name: [NETWORK] } });
      for (const n of nets.filter((x) => x.Name === NETWORK)) {
        await client.container.dockerode.getNetwork(n.Id).remove();
        progress(`network ${NETWORK} removed`);
      }
    } catch (e) {
      failed.push(`network ${NETWORK} (${(e as Error).message})`);
    }
    this.cuts.clear();
    if (await stopEngine(this.paths)) progress('the Podman API service this project started: stopped');
    this.engine = undefined;
    if (failed.length)
      throw new Error(
        `down could not remove: ${failed.join('; ')}. The data is kept in ${this.parts.layout.data}; ` +
          `remove what is left with \`podman rm -f <name>\` / \`podman network rm ${NETWORK}\`, then run \`just down --provider containers\` again.`,
      );
  }

  async clean(progress: Progress = () => {}): Promise<void> {
    await this.down(progress);
    rmSync(this.paths.state, { recursive: true, force: true });
    progress(`removed ${this.paths.state}`);
  }

  // ---- fault primitives ----

  async kill(name: string): Promise<void> {
    const st = (await this.inspect(name))?.State;
    if (st?.Paused) await (await this.container(name)).unpause();
    if (!st?.Running) return;
    await (await this.container(name)).kill({ signal: 'SIGKILL' });
    // the engine answers before the container is down: a restart in between would find it still running
    await waitFor(`${containerName(name)} to stop after SIGKILL`, async () => !(await this.running(name)), { timeoutMs: 30_000, intervalMs: 100 });
  }

  /** Freezes every process of the container (cgroup freezer), as SIGSTOP does to a process. */
  async pause(name: string): Promise<void> {
    if ((await this.inspect(name))?.State.Running) await (await this.container(name)).pause();
  }

  async resume(name: string): Promise<void> {
    if ((await this.inspect(name))?.State.Paused) await (await this.container(name)).unpause();
  }

  /** Starts the stopped container again; one that `wipeData` removed is created anew (an empty machine). */
  async restart(name: string): Promise<void> {
    const info = await this.inspect(name);
    if (info?.State.Running) return;
    if (info) await (await this.container(name)).start();
    else await this.startNew(this.component(name), new ProbeWait(`${name} created`, async () => true));
    // a container comes back with a new network namespace: the cuts still in force apply to it again
    const rules = this.cuts.get(name) ?? [];
    for (const rule of rules) await this.addRule(name, rule);
  }

  async stop(name: string, timeoutMs = 60_000): Promise<void> {
    if ((await this.inspect(name))?.State.Running) await (await this.container(name)).stop({ t: Math.ceil(timeoutMs / 1000) });
  }

  async running(name: string): Promise<boolean> {
    return Boolean((await this.inspect(name))?.State.Running);
  }

  /** The container goes with its data (a new, empty machine comes back on restart); ZooKeeper keeps its myid. */
  async wipeData(name: string): Promise<string> {
    if (await this.running(name)) throw new Error(`refusing to wipe ${name}: it is running; kill it first`);
    if (await this.inspect(name)) {
      const ct = await this.container(name);
      await this.keepLog(name, ct);
      await ct.remove({ force: true, v: true });
    }
    const dir = emptyDataDir(this.parts, this.component(name));
    return `${containerName(name)} and ${dir}`;
  }

  private zoneContainers(zone: Zone): string[] {
    return this.components()
      .filter((c) => c.zone === zone.name)
      .map((c) => c.name);
  }

  /** The rules in force per container, so that a container restarted during a cut gets them again. */
  private readonly cuts = new Map<string, string[][]>();

  /**
   * iptables in one container's network namespace (the host's binary through nsenter: the image needs none); async,
   * so a cut of many containers does not stall the workload. Undefined when the container is not running.
   */
  private async nsIptables(name: string, args: string[]): Promise<string | undefined> {
    const st = (await this.inspect(name))?.State;
    if (!st?.Running || !st.Pid) return undefined;
    try {
      return (await run('nsenter', ['-t', String(st.Pid), '-n', 'iptables', '-w', '5', ...args])).stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`iptables ${args.join(' ')} in ${containerName(name)} failed: ${err.stderr?.trim() || err.message}`);
    }
  }

  /**
   * The container's rules as `iptables -S` prints them. Asked of the whole table: in a namespace where no rule was
   * ever written, iptables-nft answers a question about a missing chain with "incompatible", not "no such chain".
   */
  private async rulesOf(name: string): Promise<string[]> {
    return ((await this.nsIptables(name, ['-S'])) ?? '').split('\n');
  }

  /** Our chain in the container's namespace, jumped to from OUTPUT, then the rule in it (each once). */
  private async addRule(name: string, rule: string[]): Promise<void> {
    const rules = await this.rulesOf(name);
    if (!rules.includes(`-N ${CHAIN}`)) await this.nsIptables(name, ['-N', CHAIN]);
    if (!rules.includes(`-A OUTPUT -j ${CHAIN}`)) await this.nsIptables(name, ['-I', 'OUTPUT', '1', '-j', CHAIN]);
    if (!rules.includes(`-A ${CHAIN} ${rule.join(' ')}`)) await this.nsIptables(name, ['-A', CHAIN, ...rule]);
  }

  /** Removes one rule of ours if the container has it (a container restarted since has a new namespace). */
  private async removeRule(name: string, rule: string[]): Promise<void> {
    if ((await this.rulesOf(name)).includes(`-A ${CHAIN} ${rule.join(' ')}`)) await this.nsIptables(name, ['-D', CHAIN, ...rule]);
  }

  /**
   * DROP what each of `from`'s containers sends to `dest`. A container that is not running now gets the rule when it
   * starts again (`restart`), as a host rule outlives a process restart.
   */
  private async drop(from: string[], dest: string): Promise<[string, string[]][]> {
    const rule = ['-d', dest, '-j', 'DROP'];
    // one container at a time (each call is async: the workload's event loop keeps running)
    for (const name of from) {
      this.cuts.set(name, [...(this.cuts.get(name) ?? []), rule]);
      await this.addRule(name, rule);
    }
    return from.map((name) => [name, rule]);
  }

  private cut(rules: [string, string[]][], described: string[]): NetworkCut {
    return {
      rules: described,
      heal: async () => {
        for (const [name, rule] of rules) {
          const left = (this.cuts.get(name) ?? []).filter((r) => r.join(' ') !== rule.join(' '));
          if (left.length) this.cuts.set(name, left);
          else this.cuts.delete(name);
          await this.removeRule(name, rule);
        }
      },
    };
  }

  async isolateZone(zone: Zone, opts: { symmetric: boolean }): Promise<NetworkCut> {
    const rules: [string, string[]][] = [];
    const described: string[] = [];
    for (const other of this.topology.zones.filter((z) => z.name !== zone.name)) {
      rules.push(...(await this.drop(this.zoneContainers(zone), other.cidr)));
      described.push(`${zone.name} -x-> ${other.name}`);
      if (opts.symmetric) {
        rules.push(...(await this.drop(this.zoneContainers(other), zone.cidr)));
        described.push(`${other.name} -x-> ${zone.name}`);
      }
    }
    return this.cut(rules, described);
  }

  async cutHosts(from: Zone, hosts: ZoneHost[]): Promise<NetworkCut> {
    const rules: [string, string[]][] = [];
    for (const { host } of hosts) rules.push(...(await this.drop(this.zoneContainers(from), `${host}/32`)));
    return this.cut(rules, hosts.map(({ host }) => `${from.name} -x-> ${host}`));
  }

  async healNetwork(): Promise<void> {
    this.cuts.clear();
    for (const c of this.components()) if ((await this.rulesOf(c.name)).includes(`-N ${CHAIN}`)) await this.nsIptables(c.name, ['-F', CHAIN]);
  }

  async activeCuts(): Promise<string[]> {
    const out: string[] = [];
    for (const c of this.components()) {
      for (const r of (await this.rulesOf(c.name)).filter((l) => l.startsWith(`-A ${CHAIN} `))) out.push(`${containerName(c.name)}: ${r}`);
    }
    return out;
  }

  /** Each container of ours: its networks, its address on ours, and any port it publishes on the host. */
  async inventory(): Promise<{ name: string; networks: string[]; ip?: string; publishedPorts: number[] }[]> {
    const client = await this.client();
    const ours = await client.container.dockerode.listContainers({ all: true, filters: { label: [LABEL] } });
    return ours.map((c) => ({
      name: c.Labels[LABEL] ?? c.Id,
      networks: Object.keys(c.NetworkSettings.Networks),
      ip: c.NetworkSettings.Networks[NETWORK]?.IPAddress,
      publishedPorts: c.Ports.map((port) => port.PublicPort).filter((x): x is number => Boolean(x)),
    }));
  }

  /**
   * Every container and network of ours the engine still has, asked through its CLI so that asking starts no API
   * service (the tests' nothing-left-behind check runs after `down` stopped ours).
   */
  static async leftovers(containers: Paths): Promise<string[]> {
    const engine = (await dockerEngine()) ?? podmanCli(containers);
    const cli = (args: string[]) => execFileSync(engine.cli, args, { env: engine.env, stdio: 'pipe' }).toString().split('\n').filter(Boolean);
    return [
      ...cli(['ps', '-a', '--filter', `label=${LABEL}`, '--format', '{{.Names}} {{.State}}']).map((l) => `container ${l}`),
      ...cli(['network', 'ls', '--format', '{{.Name}}']).filter((n) => n === NETWORK).map((n) => `network ${n}`),
    ];
  }
}

/** A container whose output can be asked for (dockerode's, as testcontainers' client hands it out). */
interface LogSource {
  logs(o: { stdout: boolean; stderr: boolean; follow: false; tail?: number }): Promise<unknown>;
}

/** A container's output, stdout and stderr as they came; its last `tail` lines if given, else all of it. */
async function logText(ct: LogSource, tail?: number): Promise<string> {
  const buf = (await ct.logs({ stdout: true, stderr: true, follow: false, ...(tail !== undefined ? { tail } : {}) })) as Buffer;
  return demux(buf);
}

/** Docker's log stream multiplexes stdout and stderr with 8-byte frame headers (no TTY). */
function demux(buf: Buffer): string {
  if (!Buffer.isBuffer(buf)) return String(buf);
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return (i === 0 ? buf : Buffer.concat(out)).toString('utf8').trimEnd();
}
