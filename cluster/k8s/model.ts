// What every Kubernetes renderer shares: the object shape, the options of a
// render, our own label keys, and the names Strimzi derives from ours.
import type { Coordination, Topology } from '../topology.js';

/** A manifest: apiVersion, kind, metadata and whatever the kind has (typed per kind where it is built). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** One component's manifests: rendered to `<name>.yaml`. */
export interface Component {
  name: string;
  objects: K8sObject[];
}

export interface K8sOptions {
  namespace: string;
  /** The Strimzi `Kafka` resource's name: every Strimzi pod, service and secret name starts with it. */
  clusterName: string;
  /** Our pipeline image (the repo with node_modules; built from cluster/k8s/Containerfile). */
  image: string;
  /** Node label that names a node's zone; Strimzi's rack awareness and every spread constraint key on it. */
  zoneKey: string;
  /** Persistent volume size of each broker / ZooKeeper node / controller. */
  kafkaStorage: string;
  zookeeperStorage: string;
  /** Where Chaos Mesh runs: its controller calls the runner's /started and /verdict (Workflow status checks). */
  chaosMeshNamespace: string;
}

export const defaultOptions = (): K8sOptions => ({
  namespace: 'faultline',
  clusterName: 'faultline',
  image: 'faultline/pipeline:0.1.0',
  zoneKey: 'topology.kubernetes.io/zone',
  kafkaStorage: '20Gi',
  zookeeperStorage: '5Gi',
  chaosMeshNamespace: 'chaos-mesh',
});

/** Everything a renderer needs: the topology every provider shares, and the Kubernetes options. */
export interface RenderInput {
  topology: Topology;
  options: K8sOptions;
}

export const input = (topology: Topology, options: Partial<K8sOptions> = {}): RenderInput => ({ topology, options: { ...defaultOptions(), ...options } });

export const VERSIONS = {
  /** Strimzi 0.45.x is the last line with ZooKeeper; 3.9.x the newest Kafka it runs. */
  kafka: '3.9.0',
  prometheus: 'prom/prometheus:v3.1.0',
  tempo: 'grafana/tempo:2.7.1',
  grafana: 'grafana/grafana:11.6.0',
} as const;

// ---- labels of our own ----

export const LABELS = {
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  /**
   * `zone`: the pod runs in a fault domain (broker, ZooKeeper, controller, pipeline stage): zone faults hit it.
   * `ops`: outside every fault domain (Prometheus, Tempo, Grafana, dashboard, lag exporter, the runner), as locally.
   */
  faultDomain: 'faultline.io/fault-domain',
} as const;

export const PART_OF = 'faultline';

export const ourLabels = (name: string, component: string, faultDomain: 'zone' | 'ops'): Record<string, string> => ({
  [LABELS.name]: name,
  [LABELS.component]: component,
  [LABELS.partOf]: PART_OF,
  [LABELS.faultDomain]: faultDomain,
});

// ---- what Strimzi names and labels ----

/** KafkaNodePool names under KRaft (pods are `<cluster>-<pool>-<node id>`). */
export const POOLS = { brokers: 'brokers', controllers: 'controllers' } as const;

/**
 * The pod of a broker with Kafka node id `id`. Under ZooKeeper (no node pools) Strimzi numbers brokers 0..n-1 and
 * names the pods `<cluster>-kafka-<id>`; under KRaft our pools pin the ids to the topology's through
 * `strimzi.io/next-node-ids`, and pods are `<cluster>-<pool>-<id>`.
 */
export function brokerPodName(coordination: Coordination, clusterName: string, id: number): string {
  return coordination === 'zookeeper' ? `${clusterName}-kafka-${id}` : `${clusterName}-${POOLS.brokers}-${id}`;
}

/** The broker ids of the rendered cluster: Strimzi's 0..2 under ZooKeeper, the topology's own under KRaft. */
export const brokerIds = (t: Topology): number[] => (t.coordination === 'zookeeper' ? t.brokers.map((_, i) => i) : t.brokers.map((b) => b.id));
export const controllerIds = (t: Topology): number[] => t.controllers.map((c) => c.id);

/** `[1, 2, 3]` -> `[1-3]`, the form of Strimzi's `strimzi.io/next-node-ids` annotation (ids must be consecutive). */
export function idRange(ids: number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  if (sorted.some((id, i) => i > 0 && id !== sorted[i - 1]! + 1)) throw new Error(`node ids ${ids.join(',')} are not consecutive; Strimzi's next-node-ids takes a range`);
  return `[${sorted[0]}-${sorted.at(-1)}]`;
}

export const metadata = (o: RenderInput, name: string, labels?: Record<string, string>, annotations?: Record<string, string>): K8sObject['metadata'] => ({
  name,
  namespace: o.options.namespace,
  ...(labels ? { labels } : {}),
  ...(annotations ? { annotations } : {}),
});

// ---- what every container of ours shares ----

/** The uid and gid our image runs as (cluster/k8s/Containerfile): above 10000, so never a node's own user. */
export const APP_UID = 10001;

export interface Resources {
  /** request, limit */
  cpu: [string, string];
  /** request = limit: a pod over its memory is killed, never a neighbour */
  memory: string;
  /** ephemeral storage (logs, /tmp, emptyDir data): request, limit */
  disk: [string, string];
}

export const containerResources = (r: Resources) => ({
  requests: { cpu: r.cpu[0], memory: r.memory, 'ephemeral-storage': r.disk[0] },
  limits: { cpu: r.cpu[1], memory: r.memory, 'ephemeral-storage': r.disk[1] },
});

/** No privilege, nothing written outside mounted volumes, every capability dropped. */
export const restrictedContainer = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

/** A pod's user: a fixed non-root uid and gid, volumes group-owned by it. */
export const podUser = (uid: number) => ({ runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid });
