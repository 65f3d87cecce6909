// The workload protocol, Jepsen's client: what a run's load is set up with, what it writes to, which topics the
// final phase drains and which checkers judge, and what it leaves behind. The runner knows workloads only by this.
// A new workload is a new file that returns a PreparedWorkload, and one line in prepareWorkload (./index.ts).
import type { KafkaClientName } from '../../cluster/index.js';
import type { ChaosContext } from '../core/context.js';
import type { CheckResult } from '../core/types.js';

/** What a load says when it ends: events sent, and the verdict lines and configuration of its own (k6's). */
export interface LoadTotals {
  events: number;
  checks?: CheckResult[];
  config?: Record<string, string | number | boolean>;
}

export interface LoadOptions {
  /** Events per second over all clients. */
  rate: number;
  durationMs: number;
  /** Run-unique service names: the aggregate windows of these services are this run's alone. */
  services: string[];
  /** The run's output directory, for a load's own files. */
  dir: string;
}

/** One run's load, set up: the runner drives it through its phases. */
export interface PreparedWorkload {
  /** What drives the load, for the report. */
  label: string;
  /**
   * The topics the checkers judge: every write goes to `input`; `processed` and `aggregates` are the stages' outputs
   * where the workload has stages. Each is drained from where it ended when the run started.
   */
  topics: { input: string; processed?: string; aggregates?: string };
  /** Some writes can be refused, fail or be aborted on purpose: their ids must never be read (no-aborted-reads). */
  mayAbort: boolean;
  /** The consumer groups that must catch up with their input once the faults are healed: [group, input topic]. */
  stages: [group: string, input: string][];
  /**
   * Our own loads run past their duration by the experiment's recovery bound and are stopped by the recovery tail
   * (recovery-tail.ts); a load that ends itself (k6) does not.
   */
  tail: boolean;
  run(o: LoadOptions, signal: AbortSignal): Promise<LoadTotals>;
  /** After the final heal, before the stages are waited for: whatever the faults stopped comes back. */
  healed(): Promise<void>;
  /** The workload's lines of the report's configuration. */
  config: Record<string, string | number | boolean>;
  /** However the run ended: what the workload started or created goes. */
  teardown(notes: string[]): Promise<void>;
}

/** What a workload is prepared with. It sets the context's topics, groups and owned processes (the nemeses aim at them). */
export interface WorkloadEnv {
  ctx: ChaosContext;
  /** The run's output directory. */
  dir: string;
  /** The Kafka client of a direct workload, or the one the deployed ingest runs on. */
  client: KafkaClientName;
}
