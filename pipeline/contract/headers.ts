// Kafka header names every stage reads and writes.
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
