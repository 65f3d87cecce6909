// kafkajs is CommonJS: its named exports are taken from the default export so
// that every ESM loader (tsx, node, jest's VM modules) sees the same values.
import kafkajs from 'kafkajs';

export const { Kafka, logLevel, ConfigResourceTypes, CompressionTypes, AssignerProtocol } = kafkajs;
export type { Admin, Consumer, Producer, Kafka as KafkaClient, Transaction, Message, EachBatchPayload } from 'kafkajs';
