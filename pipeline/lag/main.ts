// Entry point of the lag exporter (an ops process, outside every fault domain): samples every LAG_INTERVAL_MS
// (default 5000) and serves /metrics and /healthz on LAG_HTTP_HOST:LAG_HTTP_PORT.
import kafkajs from 'kafkajs';
import client from 'prom-client';
import { z } from 'zod';
import { brokerList, configOrExit, port, readConfig } from '../contract/index.js';
import { serveTelemetry, serviceLog } from '../telemetry/index.js';
import { LagExporter, lagMetrics } from './exporter.js';

const { brokers, intervalMs, host, port: httpPort } = configOrExit(() =>
  readConfig('lag exporter', {
  brokers: ['KAFKA_BROKERS', brokerList],
  intervalMs: ['LAG_INTERVAL_MS', z.coerce.number().int().min(100).default(5000)],
  host: ['LAG_HTTP_HOST', z.string().default('127.0.0.1')],
    port: ['LAG_HTTP_PORT', port(9308)],
  }),
);
serviceLog('lag-exporter', 'ops');
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
await serveTelemetry(registry, host, httpPort, () => healthy);
void loop();
console.log(`lag exporter: sampling every consumer group every ${intervalMs} ms`);
for (const sig of ['SIGTERM', 'SIGINT'] as const)
  process.once(sig, () => {
    stopping = true;
    clearTimeout(timer);
    void exporter.close().finally(() => process.exit(0));
  });
