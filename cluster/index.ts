// Public surface of the cluster module: topology, providers, probes and fault primitives.
export * from './topology.js';
export { paths, cacheLayout, stateLayout, type Paths } from './paths.js';
export { waitFor, TimeoutError } from './wait.js';
export { clusterHealth, kafka, kraftQuorum, tcpOpen, zookeeperQuorum, zookeeperMode, fourLetterWord, prometheusApi, promQuery, tempoSearch, type ClusterHealth, type KraftQuorum } from './probes.js';
export { ensureTopics, type TopicOptions } from './topics.js';
export { ProcessesProvider, readDeployment } from './processes/provider.js';
export { PROVIDERS, providerName, justCmd, type Provider, type ProviderName, type Progress, type ComponentStatus, type Deployment, type DeployOptions, type KafkaClientName, kafkaClientName, type NetworkCut, type ComponentKind } from './provider.js';
export { openProvider } from './providers.js';
export { ContainersProvider, containersPaths, containerName, NETWORK as CONTAINER_NETWORK_NAME } from './containers/provider.js';
export { engineServicePid } from './containers/engine.js';
export { partition, isolateZone, cutHosts, removeRules, healAll, activeRules, ensureChain, CHAIN, type PartitionRule } from './processes/partition.js';
export { alive, findProcesses, rssMiB } from './processes/supervisor.js';
export { setup, setupSteps, SetupError } from './setup/setup.js';
export { Kafka, logLevel, ConfigResourceTypes, CompressionTypes, AssignerProtocol } from './kafkajs.js';
export type { Admin, Consumer, Producer, KafkaClient, Transaction, Message, EachBatchPayload } from './kafkajs.js';
export { brokerView, clusterViews, notWhole, viewsDisagree, type BrokerView, type ClusterViews, type PartitionView } from './broker-view.js';
export { drain, endOffsets, endpoint, type DrainedRecord } from './drain.js';
export { ensureProxies, addLatency, removeToxics, resetToxics, activeToxics } from './processes/toxiproxy.js';
