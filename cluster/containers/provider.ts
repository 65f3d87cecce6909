// The containers provider: the same component specs, configs and deploy
// sequence as the processes provider, each component in its own container
// (testcontainers on Docker or Podman) with a fixed address on one container
// network: the zones are /24 ranges of it, the ops services a fourth range
// outside every zone. Faults: SIGKILL, freeze, stop and start the containers;
// zone partitions as iptables rules inside the containers' network namespaces
// (the host's iptables through nsenter), so they never touch the host's own
// rules and vanish with the containers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import { GenericContainer, getContainerRuntimeClient, ImageName, type WaitStrategy } from 'testcontainers';
import { type Paths } from '../paths.js';
import { clusterHealth, tcpOpen, zookeeperMode } from '../probes.js';
import { ProcessesProvider, readDeployment } from '../processes/provider.js';
import { rssMiB, type ComponentSpec } from '../processes/supervisor.js';
import type { ComponentStatus, NetworkCut, Progress, ProviderName } from '../provider.js';
import { addr, CONTAINER_NETWORK, CONTAINER_SUBNET, topology, type Coordination, type Topology, type Zone } from '../topology.js';
import { waitFor } from '../wait.js';
import { dockerEngine, ensureEngine, podmanCli, stopEngine, type Engine } from './engine.js';
import { imageTag } from './images.js';

export const NETWORK = 'faultline';
/** Every container of ours carries it: `down` and the leftover checks find them by it. */
export const LABEL = 'dev.faultline.component';
const CHAIN = 'FAULTLINE';
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

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

export class ContainersProvider extends ProcessesProvider {
  override readonly name: ProviderName = 'containers';
  private engine?: Engine;

  static override open(base: Paths, coordination?: Coordination): ContainersProvider {
    const p = containersPaths(base);
    const existing = readDeployment(p);
    if (existing && coordination && existing.coordination !== coordination)
      throw new Error(
        `the containers deployment in ${p.state} uses ${existing.coordination}, not ${coordination}: run \`just clean --provider containers\` to wipe it, then deploy again.`,
      );
    return new ContainersProvider(p, topology(existing?.coordination ?? coordination ?? 'zookeeper', CONTAINER_NETWORK));
  }

  /** Grafana runs on the host only when it is installed there; the containers provider leaves it out. */
  override components(): ComponentSpec[] {
    return super.components().filter((s) => s.kind !== 'grafana');
  }

  private async client() {
    this.engine ??= await ensureEngine(this.paths);
    return getContainerRuntimeClient();
  }

  private async container(name: string): Promise<Dockerode.Container> {
    return (await this.client()).container.getById(containerName(this.component(name).name));
  }

  /** The container's inspect result, or undefined when it does not exist. */
  private async inspect(name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    try {
      return await (await this.container(name)).inspect();
    } catch {
      return undefined;
    }
  }

  protected override async prepareHost(progress: Progress): Promise<void> {
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

  protected override renderConfigs(d: Parameters<ProcessesProvider['renderConfigs']>[0]) {
    // containers run as root inside: no zone users to own the data directories
    super.renderConfigs(d, { owners: false });
  }

  /** The container for one spec: its image, command, address and mounts (each at the same path as on the host). */
  private containerFor(spec: ComponentSpec, wait: WaitStrategy): GenericContainer {
    const java = JAVA_KINDS.has(spec.kind);
    const ip = spec.listens[0]!.host;
    const data = join(this.layout.data, spec.name);
    mkdirSync(data, { recursive: true });
    mkdirSync(this.layout.logs, { recursive: true });
    const mounts = [
      { source: this.layout.conf, target: this.layout.conf, mode: 'ro' as const },
      { source: this.layout.logs, target: this.layout.logs },
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
  protected override async launch(group: ComponentSpec[], progress: Progress): Promise<string[]> {
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
          await this.containerFor(spec, new ProbeWait(what, check)).start();
        }
        started.push(spec.name);
        progress(`${spec.name.padEnd(14)} started (${spec.listens[0]!.host}; ${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }),
    );
    return started;
  }

  protected override async exited(spec: ComponentSpec): Promise<boolean> {
    const st = (await this.inspect(spec.name))?.State;
    return Boolean(st && !st.Running && st.Status !== 'created');
  }

  protected override async describe(spec: ComponentSpec): Promise<string> {
    const st = (await this.inspect(spec.name))?.State;
    return `${spec.name}: ${st ? st.Status : 'no container'}; log: ${this.logLocation(spec.name)}`;
  }

  override async logTail(name: string, lines: number): Promise<string> {
    try {
      const buf = (await (await this.container(name)).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return demux(buf);
    } catch (e) {
      return `(no log: ${(e as Error).message})`;
    }
  }

  override logLocation(name: string): string {
    return `${this.engine?.kind ?? 'podman'} logs ${containerName(this.component(name).name)}`;
  }

  override async status(): Promise<ComponentStatus[]> {
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

  /** Stops and removes every container of ours and the network; the data stays on the host; our Podman service stops. */
  override async down(progress: Progress = () => {}): Promise<void> {
    const client = await this.client();
    const ours = await client.container.dockerode.listContainers({ all: true, filters: { label: [LABEL] } });
    const rank = (c: Dockerode.ContainerInfo) => {
      const kind = this.components().find((s) => s.name === c.Labels[LABEL])?.kind;
      return kind === 'pipeline' || kind === 'ops-node' ? 0 : kind === 'broker' ? 1 : kind === 'zookeeper' || kind === 'controller' ? 2 : 3;
    };
    for (const r of [0, 1, 2, 3]) {
      await Promise.all(
        ours
          .filter((c) => rank(c) === r)
          .map(async (c) => {
            const ct = client.container.getById(c.Id);
            if (c.State === 'paused') await ct.unpause().catch(() => undefined);
            if (c.State === 'running' || c.State === 'paused') await ct.stop({ t: 30 }).catch(() => undefined);
            await ct.remove({ force: true, v: true });
            progress(`${(c.Labels[LABEL] ?? c.Id).padEnd(14)} container removed`);
          }),
      );
    }
    const nets = await client.container.dockerode.listNetworks({ filters: { name: [NETWORK] } });
    for (const n of nets.filter((x) => x.Name === NETWORK)) {
      await client.container.dockerode.getNetwork(n.Id).remove();
      progress(`network ${NETWORK} removed`);
    }
    if (stopEngine(this.paths)) progress('the Podman API service this project started: stopped');
  }

  override async clean(progress: Progress = () => {}): Promise<void> {
    await this.down(progress);
    rmSync(this.paths.state, { recursive: true, force: true });
    progress(`removed ${this.paths.state}`);
  }

  // ---- fault primitives ----

  override async kill(name: string): Promise<void> {
    const st = (await this.inspect(name))?.State;
    if (st?.Paused) await (await this.container(name)).unpause();
    if (st?.Running) await (await this.container(name)).kill({ signal: 'SIGKILL' });
  }

  /** Freezes every process of the container (cgroup freezer), as SIGSTOP does to a process. */
  override async pause(name: string): Promise<void> {
    if ((await this.inspect(name))?.State.Running) await (await this.container(name)).pause();
  }

  override async resume(name: string): Promise<void> {
    if ((await this.inspect(name))?.State.Paused) await (await this.container(name)).unpause();
  }

  /** Starts the stopped container again; one that `wipeData` removed is created anew (an empty machine). */
  override async restart(name: string): Promise<void> {
    const info = await this.inspect(name);
    if (info?.State.Running) return;
    if (info) await (await this.container(name)).start();
    else await this.containerFor(this.component(name), new ProbeWait(`${name} created`, async () => true)).start();
  }

  override async stop(name: string, timeoutMs = 60_000): Promise<void> {
    if ((await this.inspect(name))?.State.Running) await (await this.container(name)).stop({ t: Math.ceil(timeoutMs / 1000) });
  }

  override async running(name: string): Promise<boolean> {
    return Boolean((await this.inspect(name))?.State.Running);
  }

  /** The container goes with its data (a new, empty machine comes back on restart); ZooKeeper keeps its myid. */
  override async wipeData(name: string): Promise<string> {
    if (await this.running(name)) throw new Error(`refusing to wipe ${name}: it is running; kill it first`);
    if (await this.inspect(name)) await (await this.container(name)).remove({ force: true, v: true });
    const dir = join(this.layout.data, this.component(name).name);
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) if (entry !== 'myid') rmSync(join(dir, entry), { recursive: true, force: true });
    return `${containerName(name)} and ${dir}`;
  }

  private zoneContainers(zone: Zone): string[] {
    return this.components()
      .filter((c) => c.zone === zone.name)
      .map((c) => c.name);
  }

  /** iptables in one container's network namespace (the host's binary through nsenter: the image needs none). */
  private async nsIptables(name: string, args: string[], opts: { quiet?: boolean } = {}): Promise<string | undefined> {
    const st = (await this.inspect(name))?.State;
    if (!st?.Running || !st.Pid) return undefined;
    try {
      return execFileSync('nsenter', ['-t', String(st.Pid), '-n', 'iptables', '-w', '5', ...args], { stdio: 'pipe' }).toString();
    } catch (e) {
      if (opts.quiet) return undefined;
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`iptables ${args.join(' ')} in ${containerName(name)} failed: ${err.stderr?.toString().trim() || err.message}`);
    }
  }

  /** DROP what each of `from`'s containers sends to `dest`, in a chain of their own jumped to from OUTPUT. */
  private async drop(from: string[], dest: string): Promise<[string, string[]][]> {
    const rules: [string, string[]][] = [];
    for (const name of from) {
      if ((await this.nsIptables(name, ['-n', '-L', CHAIN], { quiet: true })) === undefined) await this.nsIptables(name, ['-N', CHAIN], { quiet: true });
      if ((await this.nsIptables(name, ['-C', 'OUTPUT', '-j', CHAIN], { quiet: true })) === undefined) await this.nsIptables(name, ['-I', 'OUTPUT', '1', '-j', CHAIN]);
      const rule = ['-d', dest, '-j', 'DROP'];
      if ((await this.nsIptables(name, ['-C', CHAIN, ...rule], { quiet: true })) === undefined) await this.nsIptables(name, ['-A', CHAIN, ...rule]);
      rules.push([name, rule]);
    }
    return rules;
  }

  private cut(rules: [string, string[]][], described: string[]): NetworkCut {
    return {
      rules: described,
      // a container killed meanwhile came back with a new namespace and no rules: nothing to remove there
      heal: async () => {
        for (const [name, rule] of rules) await this.nsIptables(name, ['-D', CHAIN, ...rule], { quiet: true });
      },
    };
  }

  override async isolateZone(zone: Zone, opts: { symmetric: boolean }): Promise<NetworkCut> {
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

  override async cutHosts(from: Zone, hosts: string[]): Promise<NetworkCut> {
    const rules: [string, string[]][] = [];
    for (const h of hosts) rules.push(...(await this.drop(this.zoneContainers(from), `${h}/32`)));
    return this.cut(rules, hosts.map((h) => `${from.name} -x-> ${h}`));
  }

  override async healNetwork(): Promise<void> {
    for (const c of this.components()) await this.nsIptables(c.name, ['-F', CHAIN], { quiet: true });
  }

  override async activeCuts(): Promise<string[]> {
    const out: string[] = [];
    for (const c of this.components()) {
      const rules = await this.nsIptables(c.name, ['-S', CHAIN], { quiet: true });
      for (const r of (rules ?? '').split('\n').filter((l) => l.startsWith('-A'))) out.push(`${containerName(c.name)}: ${r}`);
    }
    return out;
  }

  /**
   * Every container and network of ours the engine still has, asked through its CLI so that asking starts no API
   * service (the tests' nothing-left-behind check runs after `down` stopped ours).
   */
  static async leftovers(p: Paths): Promise<string[]> {
    const engine = (await dockerEngine()) ?? podmanCli(containersPaths(p));
    const cli = (args: string[]) => execFileSync(engine.cli, args, { env: engine.env, stdio: 'pipe' }).toString().split('\n').filter(Boolean);
    return [
      ...cli(['ps', '-a', '--filter', `label=${LABEL}`, '--format', '{{.Names}} {{.State}}']).map((l) => `container ${l}`),
      ...cli(['network', 'ls', '--format', '{{.Name}}']).filter((n) => n === NETWORK).map((n) => `network ${n}`),
    ];
  }
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
