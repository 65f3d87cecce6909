// Entry point of the lag exporter (an ops process, outside every fault domain): samples every LAG_INTERVAL_MS
// (default 5000) and serves /metrics and /healthz on LAG_HTTP_HOST:LAG_HTTP_PORT.
import kafkajs from 'kafkajs';
import client from 'prom-client';
import { serveTelemetry } from '../telemetry/index.js';
import { LagExporter, lagMetrics } from './exporter.js';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.1.10:9092,127.0.2.10:9092,127.0.3.10:9092').split(',');
const intervalMs = Number(process.env.LAG_INTERVAL_MS ?? 5000);
const registry = new client.Registry();
registry.setDefaultLabels({ stage: 'lag' });
const kafka = new kafkajs.Kafka({ clientId: 'faultline-lag-exporter', brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 2 } });
const exporter = new LagExporter(kafka, lagMetrics(registry), brokers);

let healthy = false;
let stopping = false;
let timer: NodeJS.Timeout | undefined;
const loop = async () => {
  try {
    await exporter.sample();
    healthy = true;
  } catch (e) {
    exporter.failed();
    console.error(`lag exporter: sample failed (${e instanceof Error ? e.message : String(e)}); the last values stay exported, retrying in ${intervalMs} ms`);
  }
  if (!stopping) timer = setTimeout(() => void loop(), intervalMs);
};
await serveTelemetry(registry, process.env.LAG_HTTP_HOST ?? '127.0.0.1', Number(process.env.LAG_HTTP_PORT ?? 9308), () => healthy);
void loop();
console.log(`lag exporter: sampling every consumer group every ${intervalMs} ms`);
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.once(sig, () => {
    stopping = true;
    clearTimeout(timer);
    void exporter.close().finally(() => process.exit(0));
  });
