// The processes provider: the topology as real processes on this host, zones as loopback ranges with one system
// user each (see DESIGN.md). The specs, configs and deploy sequence are the shared parts (cluster/deploy); this file
// is how a component runs here: the supervisor, signals, and iptables owner-match cuts.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { componentNamed, componentSpecs, deploySequence, DeploymentParts, emptyDataDir, type ComponentSpec, type Runtime } from '../deploy/index.js';
import type { Paths } from '../paths.js';
import { healthOrError, tcpOpen, type ClusterHealth } from '../probes.js';
import type { Coordination, Topology, Zone, ZoneHost } from '../topology.js';
import { activeRules, cutHosts, ensureChain, healAll, isolateZone, removeMarks, removeRules } from './partition.js';
import type { ComponentStatus, DeployOptions, Deployment, NetworkCut, Progress, Provider, ProviderName } from '../provider.js';
import { alive, cmdline, findProcesses, rssMiB, tail } from '../host.js';
import { Supervisor } from './supervisor.js';
import { ensureZoneUsers } from './users.js';
import { errorMessage } from '../args.js';

export { readDeployment } from '../deploy/index.js';
export type { Deployment, Progress, ComponentStatus } from '../provider.js';

export class ProcessesProvider implements Provider, Runtime {
  readonly name: ProviderName = 'processes';
  readonly zoneUsers = true;
  readonly supervisor: Supervisor;
  readonly paths: Paths;
  readonly topology: Topology;

  constructor(readonly parts: DeploymentParts) {
    this.paths = parts.paths;
    this.topology = parts.topology;
    this.supervisor = new Supervisor(this.parts.layout.run, this.parts.layout.logs);
  }

  /** The provider for whatever is deployed under `paths.state`, or a new one with `coordination`. */
  static open(paths: Paths, coordination?: Coordination): ProcessesProvider {
    const parts = DeploymentParts.open(paths, coordination, {
      mismatch: (existing) =>
        `the deployment in ${paths.state} uses ${existing}, not ${coordination}: ` +
        `its data cannot be converted. Run \`just clean\` to wipe it (or set FAULTLINE_STATE to another directory), then deploy again.`,
    });
    return new ProcessesProvider(parts);
  }

  get deployment(): Deployment | undefined {
    return this.parts.deployment;
  }

  components(): ComponentSpec[] {
    return componentSpecs(this.parts);
  }

  component(name: string): ComponentSpec {
    return componentNamed(this.components(), name);
  }

  /** Idempotent: renders configs, starts whatever is not running, waits for real readiness. */
  deploy(progress: Progress = () => {}, opts: DeployOptions = {}): Promise<{ started: string[] }> {
    return deploySequence(this.parts, this, progress, opts);
  }

  /** Zone users and the partition chain; a crashed experiment may have left a partition behind. */
  async prepareHost(progress: Progress): Promise<void> {
    progress('zone users and iptables chain');
    ensureZoneUsers(this.topology.zones);
    ensureChain(this.topology.zones);
    healAll();
  }

  /** Starts whichever of `group` is not running; returns the names it started. */
  async launch(group: ComponentSpec[], progress: Progress): Promise<string[]> {
    const started: string[] = [];
    for (const spec of group) {
      const r = this.supervisor.start(spec);
      if (r.started) started.push(spec.name);
      progress(`${spec.name.padEnd(14)} ${r.started ? 'started' : 'running'} (pid ${r.pid})`);
    }
    return started;
  }

  /** Has the component we started exited (so waiting for it is pointless)? */
  async exited(spec: ComponentSpec): Promise<boolean> {
    return this.supervisor.exited(spec);
  }

  async logTail(name: string, lines: number): Promise<string> {
    return tail(this.supervisor.logFile(this.component(name).name), lines);
  }

  logLocation(name: string): string {
    return this.supervisor.logFile(this.component(name).name);
  }

  /** One line on a component for an error message: running or not, and where its log is. */
  async describe(spec: ComponentSpec): Promise<string> {
    const st = this.supervisor.state(spec);
    return `${spec.name}: ${st.running ? `running (pid ${st.pid})` : 'NOT running'}; log ${this.supervisor.logFile(spec.name)}`;
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
    // the zones' connections are gone with their processes; `deploy` marks the next ones
    removeMarks();
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

  health(): Promise<ClusterHealth | { error: string }> {
    return healthOrError(this.topology);
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

  /**
   * Broker log dirs, ZooKeeper snapshots; ZooKeeper keeps its myid, the identity a replacement node is configured
   * with. Refuses while the component runs.
   */
  async wipeData(name: string): Promise<string> {
    const spec = this.component(name);
    if (await this.running(name)) throw new Error(`refusing to wipe ${name}: it is running; kill it first`);
    const dir = emptyDataDir(this.parts, spec);
    if (spec.user) execFileSync('chown', ['-R', `${spec.user}:${spec.user}`, dir]);
    return dir;
  }

  /** iptables owner-match rules on the zone users (see partition.ts). */
  async isolateZone(zone: Zone, opts: { symmetric: boolean }): Promise<NetworkCut> {
    const rules = isolateZone(zone, this.topology.zones, opts);
    return { rules: rules.map((r) => `${r.from.name} -x-> ${r.to.name}`), heal: async () => removeRules(rules) };
  }

  async cutHosts(from: Zone, hosts: ZoneHost[]): Promise<NetworkCut> {
    const rules = cutHosts(from, hosts);
    return { rules: hosts.map((h) => `${from.name} -x-> ${h.host}`), heal: async () => removeRules(rules) };
  }

  async healNetwork(): Promise<void> {
    healAll();
  }

  async activeCuts(): Promise<string[]> {
    return activeRules();
  }
}
