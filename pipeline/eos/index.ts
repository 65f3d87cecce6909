// Public surface of the exactly-once stage loop (EOS v2) shared by process and aggregate.
export { EosStage, DEFAULT_COMMIT_INTERVAL_MS, stageConsumerConfig, stageClientId, stageTransactionalId, stageEnv, stageFaults, stageTelemetry, type StageEnv, type StageHandler, type StageOptions, type TopicMessages, type OutMessage, type TransactionStats } from './stage.js';
