// Renders the configuration files of every local component from the topology.
// Pure functions of (topology, paths): tests read them, the provider writes them.
import { join } from 'node:path';
import { addr, brokerSafetySettings, type Broker, type KraftController, type Topology, type ZooKeeperNode } from '../topology.js';

const props = (entries: Record<string, string | number | boolean>) =>
  Object.entries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n') + '\n';

export function zookeeperConfig(t: Topology, node: ZooKeeperNode, dataDir: string): string {
  const servers = Object.fromEntries(
    t.zookeepers.map((z) => [`server.${z.id}`, `${z.client.host}:${z.quorumPort}:${z.electionPort}`]),
  );
  return props({
    // tickTime 0.5 s: a session expires within half a second of its timeout (ZooKeeper checks expiry once a tick,
    // so with 1 s ticks a dead broker's session outlived its 6 s by up to a second more); sessions of 2..20 ticks
    // admit Kafka's 5 s. Followers still notice a dead leader within 5 s (syncLimit 10 ticks).
    tickTime: 500,
    initLimit: 20,
    syncLimit: 10,
    dataDir,
    clientPort: node.client.port,
    clientPortAddress: node.client.host,
    quorumListenOnAllIPs: false,
    'admin.enableServer': false,
    '4lw.commands.whitelist': 'srvr,mntr,ruok',
    'metricsProvider.className': 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider',
    'metricsProvider.httpHost': node.metrics.host,
    'metricsProvider.httpPort': node.metrics.port,
    'metricsProvider.exportJvmInfo': true,
    'autopurge.purgeInterval': 1,
    ...servers,
  });
}

function commonBrokerSettings(t: Topology) {
  return {
    ...brokerSafetySettings(t),
    'num.partitions': 3,
    'group.initial.rebalance.delay.ms': 0,
    // a follower that stops fetching leaves the ISR after 10 s (default 30 s):
    // chaos runs see under-replication promptly.
    'replica.lag.time.max.ms': 10000,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.replica.fetchers': 1,
    'log.retention.hours': 24,
    'log.segment.bytes': 128 * 1024 * 1024,
    'controlled.shutdown.enable': true,
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': 10000,
  };
}

export function brokerConfig(t: Topology, b: Broker, logDir: string): string {
  // PROXIED is the same broker behind toxiproxy: it advertises the proxy, so a client that bootstraps there stays behind it
  const listener = `PLAINTEXT://${addr(b.listener)},PROXIED://${addr(b.proxiedListener)}`;
  const advertised = `PLAINTEXT://${addr(b.listener)},PROXIED://${addr(b.proxy)}`;
  if (t.coordination === 'zookeeper') {
    return props({
      'broker.id': b.id,
      'broker.rack': b.rack,
      listeners: listener,
      'advertised.listeners': advertised,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'log.dirs': logDir,
      'zookeeper.connect': t.zookeepers.map((z) => addr(z.client)).join(','),
      'zookeeper.session.timeout.ms': t.defaults.zookeeperSessionTimeoutMs,
      'zookeeper.connection.timeout.ms': 10000,
      ...commonBrokerSettings(t),
    });
  }
  return props({
    'process.roles': 'broker',
    'node.id': b.id,
    'broker.rack': b.rack,
    listeners: listener,
    'advertised.listeners': advertised,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.quorum.voters': quorumVoters(t),
    'log.dirs': logDir,
    // KRaft's analogue of the ZooKeeper session: fence a silent broker after as long (5 s).
    'broker.session.timeout.ms': t.defaults.zookeeperSessionTimeoutMs,
    'broker.heartbeat.interval.ms': 1000,
    ...commonBrokerSettings(t),
  });
}

const quorumVoters = (t: Topology) => t.controllers.map((c) => `${c.id}@${addr(c.listener)}`).join(',');

export function controllerConfig(t: Topology, c: KraftController, logDir: string): string {
  return props({
    'process.roles': 'controller',
    'node.id': c.id,
    listeners: `CONTROLLER://${addr(c.listener)}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT',
    'controller.quorum.voters': quorumVoters(t),
    'log.dirs': logDir,
    'broker.session.timeout.ms': t.defaults.zookeeperSessionTimeoutMs,
    ...commonBrokerSettings(t),
  });
}

/** log4j 1 (reload4j) for brokers, controllers and ZooKeeper: stdout, which the supervisor sends to the log file. */
export const log4jConfig = () => `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.kafka.log.LogCleaner=INFO
log4j.logger.kafka.log.LogCleanerManager$=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.log=WARN
log4j.logger.org.apache.zookeeper=INFO
log4j.logger.org.apache.zookeeper.server.NIOServerCnxn=WARN
log4j.logger.org.apache.zookeeper.server.NettyServerCnxn=WARN
`;

/** The request types whose latency percentiles are exported (the ones the pipeline and the dashboards use). */
const LATENCY_REQUESTS = ['Produce', 'FetchConsumer', 'FetchFollower', 'Metadata', 'OffsetCommit', 'AddPartitionsToTxn', 'EndTxn', 'InitProducerId', 'TxnOffsetCommit'];
const LATENCY_NAMES = ['TotalTimeMs', 'RequestQueueTimeMs', 'LocalTimeMs', 'RemoteTimeMs', 'ResponseQueueTimeMs', 'ResponseSendTimeMs'];

/**
 * The MBeans the rules below read, and no others. Without this the exporter walks every MBean on each scrape (the
 * request metrics alone are ~70 request types by 8 histograms): scrapes took 0.3-0.55 s on an idle cluster, and
 * during a CI run their p90 sat at Prometheus' 4 s timeout, so a starved broker read as down (KafkaBrokerDown stayed
 * firing 107 s after the killed broker was back, and `up` averaged 0.84-0.89 over the run). With the list: 0.11-0.22 s
 * idle, the same 1,411 series.
 */
const JMX_INCLUDE = [
  ...['ReplicaManager', 'KafkaController', 'ControllerStats', 'BrokerTopicMetrics', 'SessionExpireListener', 'ZooKeeperClientMetrics', 'KafkaRequestHandlerPool', 'broker-metadata-metrics', 'DelayedOperationPurgatory', 'raft-metrics'].map(
    (type) => `kafka.server:type=${type},*`,
  ),
  'kafka.controller:*',
  'kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent',
  'kafka.network:type=RequestMetrics,name=RequestsPerSec,*',
  ...LATENCY_NAMES.flatMap((name) => LATENCY_REQUESTS.map((request) => `kafka.network:type=RequestMetrics,name=${name},request=${request}`)),
  'kafka.cluster:type=Partition,*',
  'kafka.log:type=Log,*',
  'kafka.coordinator.group:*',
  'kafka.coordinator.transaction:*',
  ...['Memory', 'Threading', 'OperatingSystem'].map((type) => `java.lang:type=${type}`),
];

/**
 * JMX exporter rules: the broker and controller metrics dashboards, alerts and
 * chaos verdicts read. Names follow the exporter's usual kafka_<domain>_<type>_<name> shape.
 */
export const jmxExporterConfig = () => `lowercaseOutputName: true
lowercaseOutputLabelNames: true
includeObjectNames:
${JMX_INCLUDE.map((n) => `  - "${n}"`).join('\n')}
rules:
  # kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions -> gauges
  - pattern: 'kafka.(server|controller)<type=(ReplicaManager|KafkaController|ControllerStats|BrokerTopicMetrics|SessionExpireListener|ZooKeeperClientMetrics|KafkaRequestHandlerPool|broker-metadata-metrics)><>(Value)'
    name: kafka_$1_$2_$3
    type: GAUGE
  - pattern: 'kafka.(server|controller)<type=(ReplicaManager|KafkaController|ControllerStats|BrokerTopicMetrics|SessionExpireListener|ZooKeeperClientMetrics|KafkaRequestHandlerPool), name=([^,]+)><>(Value)'
    name: kafka_$1_$2_$3
    type: GAUGE
  - pattern: 'kafka.(server|controller)<type=(ReplicaManager|KafkaController|ControllerStats|BrokerTopicMetrics|SessionExpireListener|ZooKeeperClientMetrics|KafkaRequestHandlerPool|DelayedOperationPurgatory), name=([^,]+)><>Count'
    name: kafka_$1_$2_$3_total
    type: COUNTER
  - pattern: 'kafka.server<type=BrokerTopicMetrics, name=([^,]+), topic=(.+)><>Count'
    name: kafka_server_brokertopicmetrics_$1_total
    labels:
      topic: $2
    type: COUNTER
  - pattern: 'kafka.server<type=KafkaRequestHandlerPool, name=RequestHandlerAvgIdlePercent><>OneMinuteRate'
    name: kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent
    type: GAUGE
  - pattern: 'kafka.network<type=SocketServer, name=NetworkProcessorAvgIdlePercent><>Value'
    name: kafka_network_socketserver_networkprocessoravgidlepercent
    type: GAUGE
  - pattern: 'kafka.network<type=RequestMetrics, name=(${LATENCY_NAMES.join('|')}), request=(${LATENCY_REQUESTS.join('|')})><>(\\d+)thPercentile'
    name: kafka_network_requestmetrics_$1
    labels:
      request: $2
      quantile: 0.$3
    type: GAUGE
  - pattern: 'kafka.network<type=RequestMetrics, name=RequestsPerSec, request=(.+), version=(.+)><>Count'
    name: kafka_network_requestmetrics_requests_total
    labels:
      request: $1
    type: COUNTER
  - pattern: 'kafka.cluster<type=Partition, name=(UnderReplicated|UnderMinIsr|AtMinIsr|InSyncReplicasCount|ReplicasCount|LastStableOffsetLag), topic=(.+), partition=(.+)><>Value'
    name: kafka_cluster_partition_$1
    labels:
      topic: $2
      partition: $3
    type: GAUGE
  - pattern: 'kafka.log<type=Log, name=(LogEndOffset|LogStartOffset|Size), topic=(.+), partition=(.+)><>Value'
    name: kafka_log_log_$1
    labels:
      topic: $2
      partition: $3
    type: GAUGE
  - pattern: 'kafka.coordinator.(group|transaction)<type=(.+), name=(.+)><>(Value|Count)'
    name: kafka_coordinator_$1_$2_$3
    type: GAUGE
  - pattern: 'kafka.server<type=raft-metrics><>(.+):'
    name: kafka_server_raft_metrics_$1
    type: GAUGE
  - pattern: 'kafka.server<type=raft-metrics><>([^:]+)'
    name: kafka_server_raft_metrics_$1
    type: GAUGE
  - pattern: 'kafka.controller<type=KafkaController, name=(.+)><>Value'
    name: kafka_controller_kafkacontroller_$1
    type: GAUGE
  - pattern: 'java.lang<type=(Memory|Threading|OperatingSystem)><(.+)>(.+):'
    name: jvm_$1_$3
    type: GAUGE
`;

export function jvmArgs(opts: {
  component: string;
  heapMb: number;
  confDir: string;
  logDir: string;
  agentJar?: string;
  metrics?: { host: string; port: number };
}): string[] {
  const args = [
    `-Dfaultline.component=${opts.component}`,
    `-Xms${opts.heapMb}m`,
    `-Xmx${opts.heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    // 2 cores shared by 6-9 JVMs: keep each JVM's own thread pools small.
    '-XX:ActiveProcessorCount=2',
    '-XX:CICompilerCount=2',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(opts.confDir, 'log4j.properties')}`,
    `-Dkafka.logs.dir=${opts.logDir}`,
    '-Dzookeeper.jmx.log4j.disable=true',
  ];
  if (opts.agentJar && opts.metrics) {
    args.push(`-javaagent:${opts.agentJar}=${opts.metrics.host}:${opts.metrics.port}:${join(opts.confDir, 'jmx-exporter.yaml')}`);
  }
  return args;
}
