// RED metrics per stage with prom-client: one registry per process, labelled with its stage and zone.
import client from 'prom-client';

export function stageRegistry(stage: string, zone: string) {
  const registry = new client.Registry();
  registry.setDefaultLabels({ stage, zone });
  client.collectDefaultMetrics({ register: registry, prefix: 'faultline_' });
  return registry;
}

export function ingestMetrics(registry: client.Registry) {
  return {
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
}

/** Transaction outcomes and latency of an exactly-once stage. */
export function eosMetrics(registry: client.Registry) {
  return {
    transactions: new client.Counter({
      name: 'faultline_stage_transactions_total',
      help: 'Kafka transactions (one per input batch) by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    transactionSeconds: new client.Histogram({
      name: 'faultline_stage_transaction_seconds',
      help: 'Produce + offsets + commit time of one transaction',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    records: new client.Counter({ name: 'faultline_stage_records_out_total', help: 'Records written in committed transactions', registers: [registry] }),
    recordsIn: new client.Counter({ name: 'faultline_stage_records_in_total', help: 'Input records consumed in committed transactions (each exactly once)', registers: [registry] }),
    batchRecords: new client.Histogram({
      name: 'faultline_stage_batch_records',
      help: 'Input records per transaction',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    }),
  };
}
