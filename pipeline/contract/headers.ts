// Kafka header names every stage reads and writes.
import { randomBytes } from 'node:crypto';

export const HEADERS = {
  eventId: 'faultline-event-id',
  /** W3C trace context, so one event is one trace across the stages. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** Set on records in logs.dlq: why the record was refused. */
  dlqReason: 'faultline-dlq-reason',
  dlqSource: 'faultline-dlq-source',
  ingestedAt: 'faultline-ingested-at',
} as const;

/** Kafka record headers as kafkajs hands them: a value may be a Buffer, a string, or a list of them. */
export type HeaderBag = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** Reads one header as a string (the first value of a repeated one); undefined when absent. */
export function headerString(h: HeaderBag | undefined, name: string): string | undefined {
  const v = h?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
}

/**
 * A sampled W3C `traceparent` with a fresh trace id, as a client that wants its request traced sends it (ingest
 * honours a client's sampling decision): the chaos workloads and the k6 script trace their requests this way.
 */
export function newTraceparent(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
}
