// The ingest stage's configuration: read once from the environment, typed, with defaults that run.
import { z } from 'zod';
import { brokerList, port, readConfig } from '../contract/index.js';
import { KAFKA_CLIENTS } from '../kafka/index.js';

export const IngestConfig = z.object({
  host: z.string().default('127.0.0.1'),
  port: port(8080),
  brokers: brokerList,
  zone: z.string().default('zone-a'),
  topic: z.string().default('logs.raw'),
  /** The producer's client: librdkafka (the pipeline's), or kafkajs, the client under test. */
  client: z.enum(KAFKA_CLIENTS).default('librdkafka'),
  /** librdkafka's linger: how long a record waits for others to share its produce request. */
  lingerMs: z.coerce.number().int().nonnegative().default(20),
  /** Events accepted and not yet acknowledged above which a request is refused with 503 (backpressure). */
  maxPending: z.coerce.number().int().positive().default(50_000),
  /** How long a record may wait for acks=all before its request is answered 503 with its ids unknown. */
  deliveryTimeoutMs: z.coerce.number().int().min(1000).default(20_000),
});
export type IngestConfig = z.infer<typeof IngestConfig>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const f = IngestConfig.shape;
  return readConfig(
    'ingest',
    {
      host: ['INGEST_HOST', f.host],
      port: ['INGEST_PORT', f.port],
      brokers: ['KAFKA_BROKERS', f.brokers],
      zone: ['FAULTLINE_ZONE', f.zone, { empty: 'value' }],
      topic: ['INGEST_TOPIC', f.topic],
      client: ['INGEST_KAFKA_CLIENT', f.client],
      lingerMs: ['INGEST_LINGER_MS', f.lingerMs],
      maxPending: ['INGEST_MAX_PENDING', f.maxPending],
      deliveryTimeoutMs: ['INGEST_DELIVERY_TIMEOUT_MS', f.deliveryTimeoutMs],
    },
    env,
  );
}
