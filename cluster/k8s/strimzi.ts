// The pods Strimzi creates from our Kafka / KafkaNodePool resources, and the
// labels it puts on them. We never render these pods: the operator does. Chaos
// Mesh selectors and our spread constraints select them, so the tests join
// those selectors to this model, and the model must say what Strimzi does.
//
// Where the labels come from (Strimzi 0.45): the operator's `Labels` class
// (api module, io.strimzi.operator.common.model.Labels) and the pod builders of
// KafkaCluster / KafkaPool / ZookeeperCluster; documented in the Strimzi docs'
// "Labels and annotations" and visible with `kubectl get pods --show-labels`
// on any Strimzi cluster:
//   strimzi.io/cluster        = <Kafka name>
//   strimzi.io/kind           = Kafka
//   strimzi.io/name           = <Kafka name>-kafka | <Kafka name>-zookeeper
//   strimzi.io/component-type = kafka | zookeeper
//   strimzi.io/pool-name      = <pool> on Kafka pods (ZooKeeper mode without node pools: the virtual pool `kafka`),
//   strimzi.io/broker-role / strimzi.io/controller-role = "true" | "false" on Kafka pods, from the pool's roles
//   strimzi.io/pod-name       = the pod's own name (StrimziPodSet pods; selects one pod)
//   app.kubernetes.io/name    = kafka | zookeeper, app.kubernetes.io/instance = <Kafka name>,
//   app.kubernetes.io/part-of = strimzi-<Kafka name>, app.kubernetes.io/managed-by = strimzi-cluster-operator
// plus every label of the resource's `template.pod.metadata.labels` (ours: see kafka.ts).
// Pod names: `<cluster>-kafka-<n>` / `<cluster>-zookeeper-<n>` (n = 0..replicas-1), and `<cluster>-<pool>-<node id>`
// with node pools. Node-pool pods are selected by cluster + kind + pool-name, as Strimzi's own system tests select
// them (not by strimzi.io/name, whose value we are less sure of there). The operator's own pods are not modelled.
import { brokerIds, controllerIds, type K8sObject, type RenderInput } from './model.js';
import type { ZoneName } from '../topology.js';

/**
 * The labels that select a component's pods (our spread constraints, Chaos Mesh, Prometheus): a node pool's pods by
 * cluster, kind and pool name (as Strimzi's own system tests select them), the others by `strimzi.io/name`.
 */
export function strimziSelector(cluster: string, component: 'kafka' | 'zookeeper', pool?: string): Record<string, string> {
  return {
    'strimzi.io/cluster': cluster,
    'strimzi.io/kind': 'Kafka',
    ...(pool ? { 'strimzi.io/pool-name': pool } : { 'strimzi.io/name': `${cluster}-${component}` }),
  };
}

/** A pod as it will exist in the cluster: name (when known), labels, and the zones it may be scheduled in. */
export interface PodModel {
  /** Which rendered object makes it (kind/name). */
  owner: string;
  /** Concrete name for operator-made pods; undefined for Deployment/Job pods (generated names). */
  name?: string;
  namespace: string;
  labels: Record<string, string>;
  /** Pod template annotations (ours only; Prometheus' pipeline job keeps pods by one). */
  annotations?: Record<string, string>;
  /** Zones the pod may land in: all of them when it is spread (or unconstrained). */
  zones: readonly ZoneName[];
}

const strimziLabels = (cluster: string, component: 'kafka' | 'zookeeper', podName: string, pool?: { name: string; roles: string[] }): Record<string, string> => ({
  ...strimziSelector(cluster, component),
  ...(pool
    ? { 'strimzi.io/pool-name': pool.name, 'strimzi.io/broker-role': String(pool.roles.includes('broker')), 'strimzi.io/controller-role': String(pool.roles.includes('controller')) }
    : {}),
  'strimzi.io/component-type': component,
  'strimzi.io/pod-name': podName,
  'app.kubernetes.io/name': component,
  'app.kubernetes.io/instance': cluster,
  'app.kubernetes.io/part-of': `strimzi-${cluster}`,
  'app.kubernetes.io/managed-by': 'strimzi-cluster-operator',
});

const templateLabels = (spec: unknown): Record<string, string> => {
  const l = (spec as { template?: { pod?: { metadata?: { labels?: Record<string, string> } } } } | undefined)?.template?.pod?.metadata?.labels;
  return l ?? {};
};

/** The pods Strimzi makes from the rendered Kafka and KafkaNodePool objects. */
export function strimziPods(o: RenderInput, objects: K8sObject[]): PodModel[] {
  const ns = o.options.namespace;
  const zones = o.topology.zones.map((z) => z.name);
  const pods: PodModel[] = [];
  for (const k of objects.filter((x) => x.kind === 'Kafka')) {
    const cluster = k.metadata.name;
    const spec = k.spec as { kafka: { replicas?: number }; zookeeper?: { replicas: number } };
    const nodePools = k.metadata.annotations?.['strimzi.io/node-pools'] === 'enabled';
    if (!nodePools) {
      // ZooKeeper mode without pools: the virtual pool `kafka`, ids 0..replicas-1
      for (const id of brokerIds(o.topology).slice(0, spec.kafka.replicas ?? 0)) {
        const name = `${cluster}-kafka-${id}`;
        pods.push({ owner: `Kafka/${cluster}`, name, namespace: ns, labels: { ...templateLabels(spec.kafka), ...strimziLabels(cluster, 'kafka', name, { name: 'kafka', roles: ['broker'] }) }, zones });
      }
    }
    for (let i = 0; i < (spec.zookeeper?.replicas ?? 0); i++) {
      const name = `${cluster}-zookeeper-${i}`;
      pods.push({ owner: `Kafka/${cluster}`, name, namespace: ns, labels: { ...templateLabels(spec.zookeeper), ...strimziLabels(cluster, 'zookeeper', name) }, zones });
    }
  }
  for (const p of objects.filter((x) => x.kind === 'KafkaNodePool')) {
    const cluster = p.metadata.labels?.['strimzi.io/cluster'];
    if (!cluster) throw new Error(`KafkaNodePool ${p.metadata.name} has no strimzi.io/cluster label: Strimzi would ignore it`);
    const pool = p.metadata.name;
    const roles = (p.spec as { roles: string[] }).roles;
    const ids = roles.includes('controller') ? controllerIds(o.topology) : brokerIds(o.topology);
    for (const id of ids) {
      const name = `${cluster}-${pool}-${id}`;
      pods.push({ owner: `KafkaNodePool/${pool}`, name, namespace: ns, labels: { ...templateLabels(p.spec), ...strimziLabels(cluster, 'kafka', name, { name: pool, roles }) }, zones });
    }
  }
  return pods;
}

/** Pods of our own Deployments, StatefulSets and Jobs: the labels of their pod templates. */
export function templatePods(o: RenderInput, objects: K8sObject[]): PodModel[] {
  const zones = o.topology.zones.map((z) => z.name);
  return objects
    .filter((x) => ['Deployment', 'StatefulSet', 'Job'].includes(x.kind))
    .map((x) => {
      const meta = (x.spec as { template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } }).template?.metadata;
      return { owner: `${x.kind}/${x.metadata.name}`, namespace: x.metadata.namespace ?? o.options.namespace, labels: meta?.labels ?? {}, annotations: meta?.annotations ?? {}, zones };
    });
}

/** Every pod the rendered manifests lead to: ours from pod templates, Strimzi's from its model. */
export const allPods = (o: RenderInput, objects: K8sObject[]): PodModel[] => [...strimziPods(o, objects), ...templatePods(o, objects)];
