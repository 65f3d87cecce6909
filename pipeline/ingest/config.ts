// The ingest stage's configuration: read once from the environment, typed, with defaults that run.
import { z } from 'zod';
import { KAFKA_CLIENTS } from '../kafka/index.js';

export const IngestConfig = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  brokers: z
    .string()
    .default('127.0.1.10:9092,127.0.2.10:9092,127.0.3.10:9092')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean)),
  zone: z.string().default('zone-a'),
  topic: z.string().default('logs.raw'),
  /** The producer's client: librdkafka (the pipeline's), or kafkajs, the client under test. */
  client: z.enum(KAFKA_CLIENTS).default('librdkafka'),
  /** librdkafka's linger: how long a record waits for others to share its produce request. */
  lingerMs: z.coerce.number().int().nonnegative().default(5),
  /** Events accepted and not yet acknowledged above which a request is refused with 503 (backpressure). */
  maxPending: z.coerce.number().int().positive().default(50_000),
  /** How long a record may wait for acks=all before its request is answered 503 with its ids unknown. */
  deliveryTimeoutMs: z.coerce.number().int().min(1000).default(20_000),
});
export type IngestConfig = z.infer<typeof IngestConfig>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const r = IngestConfig.safeParse({
    host: env.INGEST_HOST,
    port: env.INGEST_PORT,
    brokers: env.KAFKA_BROKERS,
    zone: env.FAULTLINE_ZONE,
    topic: env.INGEST_TOPIC,
    client: env.INGEST_KAFKA_CLIENT,
    lingerMs: env.INGEST_LINGER_MS,
    maxPending: env.INGEST_MAX_PENDING,
    deliveryTimeoutMs: env.INGEST_DELIVERY_TIMEOUT_MS,
  });
  if (!r.success) throw new Error(`ingest configuration is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
