// What every local provider offers the commands and the chaos nemeses: deploy,
// status, stop, and the fault primitives (kill, pause, restart, wipe, network
// cuts between zones). One topology, one experiment, any provider.
import type { Paths } from './paths.js';
import type { ClusterHealth } from './probes.js';
import type { Topology, Zone, ZoneHost } from './topology.js';

export const PROVIDERS = ['processes', 'containers'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const providerName = (v: string | undefined): ProviderName => {
  const name = v ?? 'processes';
  if (!(PROVIDERS as readonly string[]).includes(name)) throw new Error(`unknown provider "${name}": the local providers are ${PROVIDERS.join(', ')} (k8s runs through \`just k8s\` and \`--target k8s\`)`);
  return name as ProviderName;
};

/** A recipe as the user types it for this provider, e.g. `just deploy --provider containers`. */
export const justCmd = (recipe: string, provider: ProviderName) => `just ${recipe}${provider === 'processes' ? '' : ` --provider ${provider}`}`;

/**
 * The Kafka clients Faultline drives: librdkafka (the pipeline's) and kafkajs, the client under test (the direct
 * workload, and by configuration the deployed ingest's producer). The pipeline's ingest config lists the same two.
 */
export const KAFKA_CLIENTS = ['librdkafka', 'kafkajs'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

/** A `--client`-like flag's value, checked (undefined stays undefined: the caller's default applies). */
export const kafkaClientName = (v: string | undefined, flag: string): KafkaClientName | undefined => {
  if (v === undefined) return undefined;
  if (!(KAFKA_CLIENTS as readonly string[]).includes(v)) throw new Error(`${flag} is ${KAFKA_CLIENTS.join(' or ')}, not ${JSON.stringify(v)}`);
  return v as KafkaClientName;
};

export interface Deployment {
  coordination: Topology['coordination'];
  clusterId: string;
  createdAt: string;
  /** Absent in deployments made before it could be chosen: librdkafka. */
  ingestClient?: KafkaClientName;
}

export interface DeployOptions {
  /** Run the ingest on this client from now on (its instances restart if they ran on the other). Default: as deployed. */
  ingestClient?: KafkaClientName;
}

export type Progress = (line: string) => void;

export type ComponentKind = 'zookeeper' | 'controller' | 'broker' | 'prometheus' | 'tempo' | 'toxiproxy' | 'pipeline' | 'ops-node' | 'grafana';

export interface ComponentStatus {
  name: string;
  kind: ComponentKind;
  zone: string;
  /** The host pid (a container's main process for the containers provider). */
  pid?: number;
  up: boolean;
  listening: boolean;
  rssMiB?: number;
  addresses: string[];
  /** Paused (SIGSTOP, or a frozen container). */
  paused?: boolean;
}

/** Network faults a provider put in place: what they cut, and how to take exactly them back. */
export interface NetworkCut {
  rules: string[];
  heal(): Promise<void>;
}

export interface Provider {
  readonly name: ProviderName;
  readonly paths: Paths;
  readonly topology: Topology;
  readonly deployment: Deployment | undefined;
  deploy(progress?: Progress, opts?: DeployOptions): Promise<{ started: string[] }>;
  down(progress?: Progress): Promise<void>;
  clean(progress?: Progress): Promise<void>;
  status(): Promise<ComponentStatus[]>;
  health(): Promise<ClusterHealth | { error: string }>;
  components(): { name: string; kind: ComponentKind; zone?: string }[];
  /** The last lines of a component's output. */
  logTail(name: string, lines: number): Promise<string>;
  /** Where a component's log is (a file, or the command that shows it). */
  logLocation(name: string): string;

  /** SIGKILL: no chance to flush or deregister. */
  kill(name: string): Promise<void>;
  pause(name: string): Promise<void>;
  /** Ends a pause; harmless to a component that is not paused. */
  resume(name: string): Promise<void>;
  /** Starts a stopped component again with its existing config and data. */
  restart(name: string): Promise<void>;
  /** Graceful stop (SIGTERM, wait for exit). */
  stop(name: string, timeoutMs?: number): Promise<void>;
  running(name: string): Promise<boolean>;
  /** Wipes a stopped component's data as a lost disk would; returns what went. */
  wipeData(name: string): Promise<string>;

  /** Cuts `zone` from every other zone (`symmetric`: both ways; else it can receive but not send). */
  isolateZone(zone: Zone, opts: { symmetric: boolean }): Promise<NetworkCut>;
  /** Cuts traffic between a zone's components and single hosts (each named with its zone). */
  cutHosts(from: Zone, hosts: ZoneHost[]): Promise<NetworkCut>;
  /** Removes every network cut, this run's or a crashed one's. */
  healNetwork(): Promise<void>;
  /** The cuts in place now, for the report's "left behind" line. */
  activeCuts(): Promise<string[]>;
}
