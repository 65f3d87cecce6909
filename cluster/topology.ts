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

/** A single host and the zone whose processes listen on it (a network cut between a zone and hosts names both). */
export interface ZoneHost {
  host: string;
  zone: Zone;
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

/**
 * The environment every Node process of the pipeline starts with. librdkafka's blocking calls (connect, InitProducerId,
 * a producer's close) each hold one of libuv's threads until they return, four by default. A stage that replaced its
 * producer a few times under broker kills had every thread held by a close or an init that would not return: from
 * then on no Kafka call of the process was even started (no InitProducerId reached any broker for minutes, under any
 * transactional id), and the stage stopped for good.
 */
export const NODE_SERVICE_ENV: Record<string, string> = { UV_THREADPOOL_SIZE: '64' };

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

/**
 * Where a topology's services live. The processes provider puts the zones on loopback ranges and the ops services
 * on 127.0.0.1; the containers provider gives every container its own address on one container network, the zones
 * as /24 ranges of it and the ops services in a fourth range outside every zone.
 */
export interface Addressing {
  /** A zone's range (CIDR) and the address with the given last octet in it. */
  zoneCidr(index: number): string;
  zoneHost(index: number, last: number): string;
  /** An ops service's host: 127.0.0.1 for processes, its own container address otherwise. */
  opsHost(service: keyof Ops): string;
  /** Where toxiproxy listens for broker `id`. */
  proxy(zone: Zone, brokerId: number): Endpoint;
}

/** The processes provider's: zones as loopback ranges 127.0.{1,2,3}.0/24, ops on 127.0.0.1. */
export const LOOPBACK: Addressing = {
  zoneCidr: (i) => `127.0.${i}.0/24`,
  zoneHost: (i, last) => `127.0.${i}.${last}`,
  opsHost: () => '127.0.0.1',
  proxy: (zone) => ({ host: `127.0.${zone.index}.13`, port: 9094 }),
};

/** The containers provider's network: zones 10.89.{1,2,3}.0/24, ops containers in 10.89.0.0/24 (gateway .1). */
export const CONTAINER_SUBNET = '10.89.0.0/16';
const OPS_LAST: Record<keyof Ops, number> = { prometheus: 10, tempo: 11, toxiproxy: 12, lagExporter: 13, dashboard: 14, grafana: 15 };
export const CONTAINER_NETWORK: Addressing = {
  zoneCidr: (i) => `10.89.${i}.0/24`,
  zoneHost: (i, last) => `10.89.${i}.${last}`,
  opsHost: (service) => `10.89.0.${OPS_LAST[service]}`,
  // one toxiproxy container, one port per broker
  proxy: (_zone, id) => ({ host: `10.89.0.${OPS_LAST.toxiproxy}`, port: 19090 + id }),
};

export function zones(addressing: Addressing = LOOPBACK): Zone[] {
  return ZONE_NAMES.map((name, i) => ({
    name,
    index: i + 1,
    cidr: addressing.zoneCidr(i + 1),
    user: `faultline-${name.slice(-1)}`,
  }));
}

export function topology(coordination: Coordination = 'zookeeper', addressing: Addressing = LOOPBACK): Topology {
  const zs = zones(addressing);
  const zoneHost = (zone: Zone, last: number) => addressing.zoneHost(zone.index, last);
  const ops = addressing.opsHost;
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
      proxy: addressing.proxy(zone, zone.index),
    })),
    stages: zs.flatMap((zone) =>
      (['ingest', 'process', 'aggregate'] as const).map((stage, i) => ({
        stage,
        zone,
        http: { host: zoneHost(zone, 40 + i), port: stage === 'ingest' ? 8080 : 9464 },
      })),
    ),
    ops: {
      prometheus: { host: ops('prometheus'), port: 9090 },
      tempo: {
        http: { host: ops('tempo'), port: 3200 },
        otlpGrpc: { host: ops('tempo'), port: 4317 },
        otlpHttp: { host: ops('tempo'), port: 4318 },
        grpc: { host: ops('tempo'), port: 9095 },
      },
      toxiproxy: { host: ops('toxiproxy'), port: 8474 },
      lagExporter: { host: ops('lagExporter'), port: 9308 },
      dashboard: { host: ops('dashboard'), port: 3000 },
      grafana: { host: ops('grafana'), port: 3001 },
    },
    defaults: {
      replicationFactor: 3,
      minInsyncReplicas: 2,
      uncleanLeaderElection: false,
      // How long a silent broker keeps its ZooKeeper session (KRaft: its broker session). Every broker SIGKILL holds
      // acks=all writes this long, on every partition, since the dead broker stays in their ISRs until the controller
      // sees it gone; 6 s plus a controller failover and the clients' metadata refresh went past the 10 s liveness
      // bound under CI load (controller-kill: 11.0 s). docs/findings.md, "A controller kill held writes past the 10 s
      // liveness bound".
      zookeeperSessionTimeoutMs: 5000,
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
