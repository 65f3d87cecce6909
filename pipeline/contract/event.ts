// The log event on the wire: one schema shared by ingest, the stages and the
// chaos workloads. `id` is the identity every checker keys on.
import { z } from 'zod';

export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

export const LIMITS = {
  idLength: 128,
  serviceLength: 64,
  messageLength: 8 * 1024,
  /** Events per POST /v1/events. */
  batchEvents: 1000,
  /** Bytes per request body. */
  bodyBytes: 1024 * 1024,
} as const;

export const LogEvent = z
  .object({
    id: z
      .string()
      .min(1)
      .max(LIMITS.idLength)
      .regex(/^[A-Za-z0-9._:-]+$/, 'id may hold only letters, digits and . _ : -'),
    service: z
      .string()
      .min(1)
      .max(LIMITS.serviceLength)
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'service must be lower-case kebab (a-z, 0-9, -)'),
    level: z.enum(LEVELS),
    message: z.string().max(LIMITS.messageLength),
    timestamp: z.string().datetime({ offset: true }),
    latencyMs: z.number().finite().nonnegative().optional(),
  })
  .strict();
export type LogEvent = z.infer<typeof LogEvent>;

/** A processed event: the raw event plus what the process stage derived. */
export const ProcessedEvent = LogEvent.extend({
  ingestedAt: z.string().datetime({ offset: true }),
  processedAt: z.string().datetime({ offset: true }),
  severity: z.number().int().min(0).max(3),
  category: z.enum(['client', 'server', 'timeout', 'auth', 'other']),
  /** Source partition/offset in logs.raw: the lineage the checkers follow. */
  source: z.object({ partition: z.number().int(), offset: z.string() }),
}).strict();
export type ProcessedEvent = z.infer<typeof ProcessedEvent>;

export interface Refusal {
  index: number;
  id?: string;
  /** Machine-readable reason, e.g. `invalid_type`, `duplicate_in_batch`. */
  reason: string;
  /** Field path and message, for people. */
  detail: string;
}

export type Validation = { ok: true; event: LogEvent } | { ok: false; refusal: Omit<Refusal, 'index'> };

/** Validates one element of a batch; never throws. */
export function validateEvent(input: unknown): Validation {
  const r = LogEvent.safeParse(input);
  if (r.success) return { ok: true, event: r.data };
  const issue = r.error.issues[0]!;
  const id = typeof input === 'object' && input !== null && typeof (input as { id?: unknown }).id === 'string' ? (input as { id: string }).id : undefined;
  return {
    ok: false,
    refusal: { id, reason: issue.code, detail: `${issue.path.join('.') || '(event)'}: ${issue.message}` },
  };
}

/** The Kafka record key for an event: partitioning by id spreads load and keeps an id's retries on one partition. */
export const recordKey = (e: Pick<LogEvent, 'id'>) => e.id;
