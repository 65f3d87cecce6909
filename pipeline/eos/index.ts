// Public surface of the exactly-once stage loop shared by process and aggregate.
export { EosStage, stageEnv, stageTelemetry, type StageHandler, type StageOptions, type TopicMessages, type OutMessage } from './stage.js';
export { readToEnd, topicOffsets, type ReadRecord, type ReadOptions } from './read-to-end.js';
export { byPartition, onePartitionSends, partitionCounts, sendChunks, MAX_SEND_BYTES, type PartitionMessages } from './per-partition.js';
export { connectPatiently } from './connect.js';
export { fetchStableOffsets } from './stable-offsets.js';
