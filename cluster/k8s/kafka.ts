// Kafka through Strimzi 0.45.x, from the shared topology: the `Kafka` resource
// (3 brokers + 3 ZooKeeper nodes, or KafkaNodePools for brokers and KRaft
// controllers), rack awareness on the zone label, zone spread and a PDB through
// Strimzi's pod templates, our JMX exporter rules in a ConfigMap of our own,
// and a KafkaTopic per pipeline topic.
import { PIPELINE_TOPICS } from '../../pipeline/contract/index.js';
import { jmxExporterConfig } from '../deploy/configs.js';
import { brokerSafetySettings, type Topology } from '../topology.js';
import { controllerIds, brokerIds, idRange, metadata, ourLabels, POOLS, VERSIONS, type Component, type K8sObject, type RenderInput } from './model.js';
import { strimziSelector } from './strimzi.js';

export const METRICS_CONFIGMAP = (o: RenderInput) => `${o.options.clusterName}-kafka-metrics`;
export const METRICS_KEY = 'kafka-metrics-config.yml';
/** ZooKeeper's own Prometheus provider (the metric names the ZooKeeper alerts use, as locally). */
export const ZOOKEEPER_METRICS_PORT = 7000;

/**
 * Broker configuration: the safety defaults every provider renders (RF 3, min ISR 2, no unclean election, internal
 * topics RF 3 / min ISR 2). Strimzi sets broker.rack itself from `rack.topologyKey`.
 */
export function brokerConfig(t: Topology): Record<string, string | number | boolean> {
  return {
    ...brokerSafetySettings(t),
    // follower fetching from the client's own zone (stages set client.rack from FAULTLINE_ZONE where known)
    'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector',
  };
}

/** maxSkew 1 over the zones, DoNotSchedule: a fourth pod never lands in a zone that already has one more than another. */
export const zoneSpread = (o: RenderInput, matchLabels: Record<string, string>) => [
  { maxSkew: 1, topologyKey: o.options.zoneKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels } },
];

const storage = (size: string) => ({ type: 'persistent-claim', size, deleteClaim: false });

const podTemplate = (o: RenderInput, name: string, component: string, spreadOver: Record<string, string>) => ({
  metadata: { labels: ourLabels(name, component, 'zone') },
  topologySpreadConstraints: zoneSpread(o, spreadOver),
  // a broker gets time for a controlled shutdown (leaders moved away) on a normal delete
  terminationGracePeriodSeconds: 60,
});

const kafkaResources = { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '2Gi' } };
const kafkaJvm = { '-Xms': '1g', '-Xmx': '1g' };

export function kafkaCluster(o: RenderInput): K8sObject {
  const t = o.topology;
  const name = o.options.clusterName;
  const kraft = t.coordination === 'kraft';
  const metricsConfig = { type: 'jmxPrometheusExporter', valueFrom: { configMapKeyRef: { name: METRICS_CONFIGMAP(o), key: METRICS_KEY } } };
  const kafka: Record<string, unknown> = {
    version: VERSIONS.kafka,
    ...(kraft ? { metadataVersion: '3.9-IV0' } : { replicas: t.brokers.length, storage: storage(o.options.kafkaStorage), resources: kafkaResources, jvmOptions: kafkaJvm }),
    listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }],
    rack: { topologyKey: o.options.zoneKey },
    config: brokerConfig(t),
    metricsConfig,
    template: {
      // Strimzi renders this as a PodDisruptionBudget over the Kafka pods (every pool's under KRaft)
      podDisruptionBudget: { maxUnavailable: 1 },
      ...(kraft ? {} : { pod: podTemplate(o, 'kafka', 'broker', strimziSelector(name, 'kafka')) }),
    },
  };
  const spec: Record<string, unknown> = { kafka, entityOperator: { topicOperator: {} } };
  if (!kraft) {
    spec.zookeeper = {
      replicas: t.zookeepers.length,
      storage: storage(o.options.zookeeperStorage),
      resources: { requests: { cpu: '250m', memory: '768Mi' }, limits: { cpu: '1', memory: '768Mi' } },
      jvmOptions: { '-Xms': '512m', '-Xmx': '512m' },
      config: {
        // session timeouts as locally: 2..20 ticks must allow the brokers' 5 s
        tickTime: 2000,
        'metricsProvider.className': 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
        'metricsProvider.httpPort': ZOOKEEPER_METRICS_PORT,
      },
      template: {
        podDisruptionBudget: { maxUnavailable: 1 },
        pod: podTemplate(o, 'zookeeper', 'zookeeper', strimziSelector(name, 'zookeeper')),
      },
    };
    (kafka.config as Record<string, unknown>)['zookeeper.session.timeout.ms'] = t.defaults.zookeeperSessionTimeoutMs;
  }
  return {
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'Kafka',
    metadata: metadata(o, name, ourLabels('kafka', 'kafka-cluster', 'zone'), kraft ? { 'strimzi.io/node-pools': 'enabled', 'strimzi.io/kraft': 'enabled' } : undefined),
    spec,
  };
}

/** Under KRaft: a pool of three controllers and a pool of three brokers, node ids pinned to the topology's. */
export function nodePools(o: RenderInput): K8sObject[] {
  const t = o.topology;
  if (t.coordination !== 'kraft') return [];
  const name = o.options.clusterName;
  const pool = (pool: string, role: 'broker' | 'controller', ids: number[], size: string): K8sObject => ({
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'KafkaNodePool',
    metadata: metadata(o, `${pool}`, { 'strimzi.io/cluster': name, ...ourLabels('kafka', role, 'zone') }, { 'strimzi.io/next-node-ids': idRange(ids) }),
    spec: {
      replicas: ids.length,
      roles: [role],
      storage: { type: 'jbod', volumes: [{ id: 0, ...storage(size), kraftMetadata: 'shared' }] },
      resources: role === 'broker' ? kafkaResources : { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
      jvmOptions: role === 'broker' ? kafkaJvm : { '-Xms': '512m', '-Xmx': '512m' },
      template: { pod: podTemplate(o, 'kafka', role, strimziSelector(name, 'kafka', pool)) },
    },
  });
  return [pool(POOLS.controllers, 'controller', controllerIds(t), o.options.zookeeperStorage), pool(POOLS.brokers, 'broker', brokerIds(t), o.options.kafkaStorage)];
}

export function kafkaTopics(o: RenderInput): K8sObject[] {
  const d = o.topology.defaults;
  return PIPELINE_TOPICS.map((topic) => ({
    apiVersion: 'kafka.strimzi.io/v1beta2',
    kind: 'KafkaTopic',
    // the topic operator only manages topics labelled with their cluster
    metadata: metadata(o, topic.name, { 'strimzi.io/cluster': o.options.clusterName }),
    spec: {
      topicName: topic.name,
      partitions: topic.partitions,
      replicas: d.replicationFactor,
      config: { 'min.insync.replicas': d.minInsyncReplicas, 'unclean.leader.election.enable': d.uncleanLeaderElection, ...topic.config },
    },
  }));
}

export function kafkaMetricsConfigMap(o: RenderInput): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(o, METRICS_CONFIGMAP(o), ourLabels('kafka', 'metrics-config', 'ops')), data: { [METRICS_KEY]: jmxExporterConfig() } };
}

/**
 * Strimzi's own NetworkPolicies admit only Kafka's and ZooKeeper's ports (9404 too when metricsConfig is set);
 * ZooKeeper's Prometheus provider on 7000 needs this one more (policies add up).
 */
export function zookeeperMetricsPolicy(o: RenderInput): K8sObject[] {
  if (o.topology.coordination !== 'zookeeper') return [];
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: metadata(o, `${o.options.clusterName}-zookeeper-metrics`, ourLabels('zookeeper', 'network-policy', 'ops')),
      spec: {
        podSelector: { matchLabels: strimziSelector(o.options.clusterName, 'zookeeper') },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }], ports: [{ protocol: 'TCP', port: ZOOKEEPER_METRICS_PORT }] }],
      },
    },
  ];
}

export function kafkaComponents(o: RenderInput): Component[] {
  return [
    { name: 'kafka', objects: [kafkaMetricsConfigMap(o), kafkaCluster(o), ...nodePools(o), ...zookeeperMetricsPolicy(o)] },
    { name: 'topics', objects: kafkaTopics(o) },
  ];
}
