// RED metrics per stage with prom-client: one registry per process, labelled with its stage and zone.
import client from 'prom-client';

export type StageRegistry = client.Registry<client.OpenMetricsContentType>;

export function stageRegistry(stage: string, zone: string): StageRegistry {
  // OpenMetrics, so latency histograms carry exemplars (trace ids) to Prometheus
  const registry: StageRegistry = new client.Registry<client.OpenMetricsContentType>();
  registry.setContentType(client.openMetricsContentType);
  registry.setDefaultLabels({ stage, zone });
  client.collectDefaultMetrics({ register: registry, prefix: 'faultline_' });
  return registry;
}

/** The ingest's outcomes, each exported from the start at 0 (see ingestMetrics). */
const INGEST_OUTCOMES = ['accepted', 'refused', 'failed'] as const;

export function ingestMetrics(registry: StageRegistry) {
  const m = {
    requests: new client.Counter({
      name: 'faultline_ingest_requests_total',
      help: 'HTTP batches by status code',
      labelNames: ['code'],
      registers: [registry],
    }),
    events: new client.Counter({
      name: 'faultline_ingest_events_total',
      help: 'Events by outcome: accepted (stored in logs.raw), refused (invalid), failed (not acknowledged)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    requestSeconds: new client.Histogram({
      name: 'faultline_ingest_request_seconds',
      help: 'POST /v1/events from body parsed to reply (validation, queueing, acks=all send), by status; exemplars carry trace ids',
      labelNames: ['code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      enableExemplars: true,
      registers: [registry],
    }),
    sendSeconds: new client.Histogram({
      name: 'faultline_ingest_kafka_send_seconds',
      help: 'acks=all send latency of one micro-batch',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    batchSize: new client.Histogram({
      name: 'faultline_ingest_batch_records',
      help: 'Records per Kafka send',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    }),
    pending: new client.Gauge({ name: 'faultline_ingest_pending_events', help: 'Events waiting for or in a Kafka send', registers: [registry] }),
  };
  // Every outcome's series exists from the start, at 0. A series that Prometheus first scrapes at its final value has
  // no increase to see: the first burst of a fresh ingest (two posts within one 5 s scrape) read as a rate of 0 for
  // good on the dashboard, while the stages after it showed theirs.
  for (const outcome of INGEST_OUTCOMES) m.events.inc({ outcome }, 0);
  return m;
}

/** Transaction outcomes and latency of an exactly-once stage. */
export function eosMetrics(registry: StageRegistry) {
  const m = {
    transactions: new client.Counter({
      name: 'faultline_stage_transactions_total',
      help: 'Kafka transactions (one per input batch) by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    transactionSeconds: new client.Histogram({
      name: 'faultline_stage_transaction_seconds',
      help: 'Produce + offsets + commit time of one transaction; exemplars carry the trace id of a sampled event in it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      enableExemplars: true,
      registers: [registry],
    }),
    records: new client.Counter({ name: 'faultline_stage_records_out_total', help: 'Records written in committed transactions', registers: [registry] }),
    recordsIn: new client.Counter({ name: 'faultline_stage_records_in_total', help: 'Input records consumed in committed transactions (each exactly once)', registers: [registry] }),
    endToEndSeconds: new client.Histogram({
      name: 'faultline_stage_end_to_end_seconds',
      help: "From an event's acceptance at ingest until the commit of the transaction that consumed it in this stage (process: in logs.processed; aggregate: in its window)",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 30, 60, 120],
      registers: [registry],
    }),
    duplicates: new client.Counter({
      name: 'faultline_stage_duplicates_dropped_total',
      help: 'Input records dropped because their event id was already processed within the de-duplication horizon (a client retried it)',
      registers: [registry],
    }),
    batchRecords: new client.Histogram({
      name: 'faultline_stage_batch_records',
      help: 'Input records per transaction',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    }),
  };
  // as the ingest's outcomes: an abort rate is seen from a stage's first abort on
  for (const outcome of ['commit', 'abort']) m.transactions.inc({ outcome }, 0);
  return m;
}
