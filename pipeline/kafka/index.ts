// Public surface of the pipeline's Kafka client (librdkafka through @confluentinc/kafka-javascript): the client
// factory, error classification, a send without a promise per message, and the read_committed reader the stages restore from and the checkers drain with.
export { KAFKA_CLIENTS, type KafkaClientName, KafkaJS, KafkaConsumer, librdkafkaVersion, kafkaClient, errorText, txnErrorKind, type Endpoint, type Kafka, type Consumer, type Producer, type Admin, type KafkaMessage, type Message, type EachBatchPayload } from './client.js';
export { readToEnd, readKeysToEnd, topicOffsets, watermarkProbe, committedProbe, reader, connectReader, disconnectReader, type Reader, type ReadRecord, type KeyRecord, type ReadOptions, type PartitionOffsets } from './read-to-end.js';
export { connectPatiently } from './connect.js';
export { produceAll, produceInTransaction } from './produce.js';
export { guardClientBugs, isClientErrorMappingBug } from './client-bugs.js';
