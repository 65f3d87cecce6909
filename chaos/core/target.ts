// Where a run's deployment is and who injects its faults. Locally: the
// processes provider, our nemeses, iptables and toxiproxy, healed by us. In
// the cluster (chaos/manifests/in-cluster.ts): Chaos Mesh's Workflow injects
// the faults and the runner only reads them back into the history. The rest
// of a run (load, final phase, drain, checkers, report) is the same for both.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openProvider, paths, type Coordination, type Provider, type ProviderName, type Topology } from '../../cluster/index.js';
import type { Experiment } from '../experiments/index.js';
import { faultByName } from '../nemeses/index.js';
import type { ChaosContext } from './context.js';
import { exposeFaults, type FaultMetric } from './fault-metric.js';
import { healEverything } from './final-phase.js';
import { runNemesis } from './nemesis.js';
import type { Op } from './types.js';

export interface RunTarget {
  /** The report's `provider`. */
  provider: ProviderName | 'k8s';
  topology: Topology;
  /** The local deployment (the local nemeses act on it); none in the cluster. */
  local?: Provider;
  /** Refuses a deployment that is not up, undoes what a crashed run left; returns notes for the report. */
  preflight(log: (l: string) => void): Promise<string[]>;
  /** The run's faults as a Prometheus metric while it lasts (Grafana's chaos annotations), where the target can. */
  exposeFaults?(experiment: string, runId: string, ops: () => Op[]): Promise<FaultMetric | undefined>;
  /** The load has just started (the in-cluster runner's /started answers 200 from now). */
  loadStarted?(): void;
  /** The faults while the load runs `durationMs`, recorded in `ctx.history` as nemesis ops; resolves by then or on abort. */
  faults(ctx: ChaosContext, experiment: Experiment, durationMs: number, signal: AbortSignal): Promise<void>;
  /** After the load: undo whatever fault is left, or take the last look at them; returns notes for the report. */
  heal(ctx: ChaosContext, log: (l: string) => void): Promise<string[]>;
  /** After the checkers: whatever is still in place; returns notes for the report. */
  afterRun(): Promise<string[]>;
}

/** The deployment `just deploy [--provider containers]` made on this machine, and our own nemeses. */
export function localTarget(coordination?: Coordination, providerName?: ProviderName): RunTarget {
  const provider = openProvider(providerName, paths(), coordination);
  return {
    provider: provider.name,
    topology: provider.topology,
    local: provider,
    async preflight(log) {
      const statuses = await provider.status();
      if (!statuses.some((s) => s.name.startsWith('broker-') && s.up))
        throw new Error(
          `no broker of the ${provider.name} deployment in ${provider.paths.state} is running: run \`just deploy${provider.name === 'processes' ? '' : ` --provider ${provider.name}`}\` first (nothing was written)`,
        );
      const leftovers = await healEverything(provider, log);
      return leftovers.length ? [`preflight healed what an earlier run left: ${leftovers.join('; ')}`] : [];
    },
    async exposeFaults(experiment, runId, ops) {
      // the containers' Prometheus cannot scrape the runner on the host's loopback: no fault metric there
      if (provider.name !== 'processes') return undefined;
      // registered in Prometheus' file discovery for the run's duration; stale registrations go
      const targetsDir = join(provider.paths.state, 'conf', 'targets');
      if (!existsSync(targetsDir)) return undefined;
      for (const f of readdirSync(targetsDir)) if (f.startsWith('chaos-')) rmSync(join(targetsDir, f), { force: true });
      return exposeFaults(experiment, runId, targetsDir, ops);
    },
    async faults(ctx, experiment, durationMs, signal) {
      await runNemesis(ctx, experiment.faults, experiment.schedule(durationMs), durationMs, signal);
    },
    async heal(_ctx, log) {
      const fixed = await healEverything(provider, log);
      return fixed.length ? [`final heal had to fix: ${fixed.join('; ')}`] : [];
    },
    async afterRun() {
      const rules = await provider.activeCuts();
      return rules.length ? [`after the run ${rules.length} network cut(s) were still in place: ${rules.join('; ')}`] : [];
    },
  };
}
