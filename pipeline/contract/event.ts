// The log event on the wire: one schema shared by ingest, the stages and the
// chaos workloads. `id` is the identity every checker keys on.
import { z } from 'zod';
import { datetimeRegex } from 'zod/v3';

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

// The hot path's validators: the same rules as the schemas above, written out (zod costs ~5 µs an event, most of a
// stage's own CPU per event). They only ever accept what the schema accepts (a unit test holds them equal over a
// corpus of valid and broken events); anything they refuse goes through the schema, which says why.
const ID = /^[A-Za-z0-9._:-]+$/;
const SERVICE = /^[a-z0-9][a-z0-9-]*$/;
// zod's own regex for `.datetime({ offset: true })`
const DATETIME = datetimeRegex({ precision: null, offset: true, local: false });
const LEVEL_SET: ReadonlySet<unknown> = new Set(LEVELS);
const CATEGORY_SET: ReadonlySet<unknown> = new Set(['client', 'server', 'timeout', 'auth', 'other']);
const LOG_KEYS: ReadonlySet<string> = new Set(Object.keys(LogEvent.shape));
const PROCESSED_KEYS: ReadonlySet<string> = new Set(Object.keys(ProcessedEvent.shape));
const str = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
const datetime = (v: unknown): v is string => typeof v === 'string' && DATETIME.test(v);
const onlyKeys = (o: object, keys: ReadonlySet<string>) => {
  for (const k of Object.keys(o)) if (!keys.has(k)) return false;
  return true;
};
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function logFields(o: Record<string, unknown>): boolean {
  const l = o.latencyMs;
  return (
    str(o.id, 1, LIMITS.idLength) &&
    ID.test(o.id) &&
    str(o.service, 1, LIMITS.serviceLength) &&
    SERVICE.test(o.service) &&
    LEVEL_SET.has(o.level) &&
    str(o.message, 0, LIMITS.messageLength) &&
    datetime(o.timestamp) &&
    (l === undefined || (typeof l === 'number' && Number.isFinite(l) && l >= 0))
  );
}

/** The event as the schema's parse returns it (its keys in the schema's order), when `x` is one; else undefined (ask the schema why). */
export function fastLogEvent(x: unknown): LogEvent | undefined {
  if (!isObject(x) || !onlyKeys(x, LOG_KEYS) || !logFields(x)) return undefined;
  const e: LogEvent = { id: x.id as string, service: x.service as string, level: x.level as LogEvent['level'], message: x.message as string, timestamp: x.timestamp as string };
  if (x.latencyMs !== undefined) e.latencyMs = x.latencyMs as number;
  return e;
}

/** True when `x` is a ProcessedEvent (the same rules as the schema: `source` may carry other keys, which it strips); the aggregate stage reads it as is. */
export function isProcessedEvent(x: unknown): x is ProcessedEvent {
  if (!isObject(x) || !onlyKeys(x, PROCESSED_KEYS) || !logFields(x)) return false;
  const src = x.source;
  const sev = x.severity;
  return (
    datetime(x.ingestedAt) &&
    datetime(x.processedAt) &&
    typeof sev === 'number' &&
    Number.isInteger(sev) &&
    sev >= 0 &&
    sev <= 3 &&
    CATEGORY_SET.has(x.category) &&
    isObject(src) &&
    typeof src.partition === 'number' &&
    Number.isInteger(src.partition) &&
    typeof src.offset === 'string'
  );
}

/** The schema's verdict on a processed event, the fast check first (it only ever agrees with the schema). */
export const validProcessedEvent = (x: unknown): x is ProcessedEvent => isProcessedEvent(x) || ProcessedEvent.safeParse(x).success;

/** Validates one element of a batch; never throws. */
export function validateEvent(input: unknown): Validation {
  const fast = fastLogEvent(input);
  if (fast) return { ok: true, event: fast };
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
