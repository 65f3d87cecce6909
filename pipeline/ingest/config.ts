// The ingest stage's configuration: read once from the environment, typed, with defaults that run.
import { z } from 'zod';

export const IngestConfig = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  brokers: z
    .string()
    .default('127.0.1.10:9092,127.0.2.10:9092,127.0.3.10:9092')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean)),
  zone: z.string().default('zone-a'),
  topic: z.string().default('logs.raw'),
  maxBatch: z.coerce.number().int().positive().default(5000),
  lingerMs: z.coerce.number().int().nonnegative().default(5),
  maxPending: z.coerce.number().int().positive().default(50_000),
  /**
   * Concurrent flushes (each flush is one send per partition). 1: a partition
   * must never have two idempotent sends in flight with kafkajs, whose
   * sequence bookkeeping then drops or repeats batches after a leader change
   * (`just chaos broker-kill` caught acknowledged events missing and others
   * written twice). Above 1 is kept only to reproduce that.
   */
  maxInFlight: z.coerce.number().int().min(1).max(5).default(1),
});
export type IngestConfig = z.infer<typeof IngestConfig>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const r = IngestConfig.safeParse({
    host: env.INGEST_HOST,
    port: env.INGEST_PORT,
    brokers: env.KAFKA_BROKERS,
    zone: env.FAULTLINE_ZONE,
    topic: env.INGEST_TOPIC,
    maxBatch: env.INGEST_MAX_BATCH,
    lingerMs: env.INGEST_LINGER_MS,
    maxPending: env.INGEST_MAX_PENDING,
    maxInFlight: env.INGEST_MAX_IN_FLIGHT,
  });
  if (!r.success) throw new Error(`ingest configuration is invalid: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}
