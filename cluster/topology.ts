// The one typed topology every provider renders: three zones, a broker and a
// coordination node per zone, the ops services outside every fault domain.
import { z } from 'zod';

export const ZONE_NAMES = ['zone-a', 'zone-b', 'zone-c'] as const;
export type ZoneName = (typeof ZONE_NAMES)[number];

export const Coordination = z.enum(['zookeeper', 'kraft']);
export type Coordination = z.infer<typeof Coordination>;

export interface Zone {
  name: ZoneName;
  /** 1..3: the third octet of the zone's loopback range. */
  index: number;
  /** Loopback range of the zone, e.g. 127.0.1.0/24. */
  cidr: string;
  /** System user its processes run as (owner-match partitions key on it). */
  user: string;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface ZooKeeperNode {
  id: number;
  zone: Zone;
  client: Endpoint;
  quorumPort: number;
  electionPort: number;
  metrics: Endpoint;
}

export interface KraftController {
  id: number;
  zone: Zone;
  listener: Endpoint;
  metrics: Endpoint;
}

export interface Broker {
  id: number;
  zone: Zone;
  rack: ZoneName;
  listener: Endpoint;
  metrics: Endpoint;
  /** A second listener (PROXIED) reached only through toxiproxy: clients that bootstrap there get latency faults. */
  proxiedListener: Endpoint;
  /** Where toxiproxy listens for it; the PROXIED listener advertises this address. */
  proxy: Endpoint;
}

export interface ClusterDefaults {
  replicationFactor: number;
  minInsyncReplicas: number;
  uncleanLeaderElection: boolean;
  zookeeperSessionTimeoutMs: number;
  /** Internal topics: fewer partitions than Kafka's 50 keep start-up fast on 2 cores. */
  internalTopicPartitions: number;
}

export interface Ops {
  prometheus: Endpoint;
  tempo: { http: Endpoint; otlpGrpc: Endpoint; otlpHttp: Endpoint; grpc: Endpoint };
  /** toxiproxy's API: the latency nemesis adds and removes toxics there. */
  toxiproxy: Endpoint;
  /** Our lag exporter's /metrics (offset and time lag per group and partition). */
  lagExporter: Endpoint;
  /** The live dashboard: page, WebSocket, Faro receiver. */
  dashboard: Endpoint;
  /** Grafana, when a binary is found on the machine. */
  grafana: Endpoint;
}

export type StageName = 'ingest' | 'process' | 'aggregate';

/** One pipeline stage instance: one per stage per zone, run as the zone's user. */
export interface StageInstance {
  stage: StageName;
  zone: Zone;
  /** HTTP endpoint: the ingest API for ingest; /metrics and /healthz for every stage. */
  http: Endpoint;
}

export interface Topology {
  coordination: Coordination;
  zones: Zone[];
  zookeepers: ZooKeeperNode[];
  controllers: KraftController[];
  brokers: Broker[];
  stages: StageInstance[];
  ops: Ops;
  defaults: ClusterDefaults;
}

const zoneHost = (zone: Zone, last: number) => `127.0.${zone.index}.${last}`;

export function zones(): Zone[] {
  return ZONE_NAMES.map((name, i) => ({
    name,
    index: i + 1,
    cidr: `127.0.${i + 1}.0/24`,
    user: `faultline-${name.slice(-1)}`,
  }));
}

export function topology(coordination: Coordination = 'zookeeper'): Topology {
  const zs = zones();
  return {
    coordination,
    zones: zs,
    zookeepers:
      coordination === 'zookeeper'
        ? zs.map((zone) => ({
            id: zone.index,
            zone,
            client: { host: zoneHost(zone, 20), port: 2181 },
            quorumPort: 2888,
            electionPort: 3888,
            metrics: { host: zoneHost(zone, 20), port: 7000 },
          }))
        : [],
    controllers:
      coordination === 'kraft'
        ? zs.map((zone) => ({
            id: 10 + zone.index,
            zone,
            listener: { host: zoneHost(zone, 30), port: 9093 },
            metrics: { host: zoneHost(zone, 30), port: 9404 },
          }))
        : [],
    brokers: zs.map((zone) => ({
      id: zone.index,
      zone,
      rack: zone.name,
      listener: { host: zoneHost(zone, 10), port: 9092 },
      metrics: { host: zoneHost(zone, 10), port: 9404 },
      proxiedListener: { host: zoneHost(zone, 10), port: 9094 },
      proxy: { host: zoneHost(zone, 13), port: 9094 },
    })),
    stages: zs.flatMap((zone) =>
      (['ingest', 'process', 'aggregate'] as const).map((stage, i) => ({
        stage,
        zone,
        http: { host: zoneHost(zone, 40 + i), port: stage === 'ingest' ? 8080 : 9464 },
      })),
    ),
    ops: {
      prometheus: { host: '127.0.0.1', port: 9090 },
      tempo: {
        http: { host: '127.0.0.1', port: 3200 },
        otlpGrpc: { host: '127.0.0.1', port: 4317 },
        otlpHttp: { host: '127.0.0.1', port: 4318 },
        grpc: { host: '127.0.0.1', port: 9095 },
      },
      toxiproxy: { host: '127.0.0.1', port: 8474 },
      lagExporter: { host: '127.0.0.1', port: 9308 },
      dashboard: { host: '127.0.0.1', port: 3000 },
      grafana: { host: '127.0.0.1', port: 3001 },
    },
    defaults: {
      replicationFactor: 3,
      minInsyncReplicas: 2,
      uncleanLeaderElection: false,
      zookeeperSessionTimeoutMs: 6000,
      internalTopicPartitions: 6,
    },
  };
}

export const addr = (e: Endpoint) => `${e.host}:${e.port}`;
export const bootstrapServers = (t: Topology) => t.brokers.map((b) => addr(b.listener));
/** Bootstrap through toxiproxy: every connection of such a client passes the latency nemesis. */
export const proxiedBootstrapServers = (t: Topology) => t.brokers.map((b) => addr(b.proxy));
export const zoneOf = (t: Topology, name: ZoneName): Zone => {
  const z = t.zones.find((x) => x.name === name);
  if (!z) throw new Error(`unknown zone ${name}; zones are ${ZONE_NAMES.join(', ')}`);
  return z;
};

/**
 * The durability settings every provider gives its brokers, from the topology's defaults: RF 3, min ISR 2, no
 * unclean election, the internal topics as replicated as the data, no auto-created topics.
 */
export function brokerSafetySettings(t: Topology): Record<string, string | number | boolean> {
  const d = t.defaults;
  return {
    'default.replication.factor': d.replicationFactor,
    'min.insync.replicas': d.minInsyncReplicas,
    'unclean.leader.election.enable': d.uncleanLeaderElection,
    'offsets.topic.replication.factor': d.replicationFactor,
    'offsets.topic.num.partitions': d.internalTopicPartitions,
    'transaction.state.log.replication.factor': d.replicationFactor,
    'transaction.state.log.min.isr': d.minInsyncReplicas,
    'transaction.state.log.num.partitions': d.internalTopicPartitions,
    'auto.create.topics.enable': false,
  };
}
