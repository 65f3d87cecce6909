// Entry point of the dashboard (an ops process): page, WebSocket and Faro receiver on DASHBOARD_HOST:DASHBOARD_PORT.
import { tracingEnv } from '../telemetry/index.js';
import { startDashboard } from './server.js';

const d = await startDashboard({
  host: process.env.DASHBOARD_HOST ?? '127.0.0.1',
  port: Number(process.env.DASHBOARD_PORT ?? 3000),
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.1.10:9092,127.0.2.10:9092,127.0.3.10:9092').split(','),
  prometheusUrl: process.env.PROMETHEUS_URL ?? 'http://127.0.0.1:9090',
  otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4318',
  tracing: tracingEnv('faultline-dashboard', 'ops'),
  snapshotMs: Number(process.env.DASHBOARD_SNAPSHOT_MS ?? 1000),
  expectedBrokers: Number(process.env.FAULTLINE_BROKERS ?? 3),
});
console.log(`dashboard: ${d.url}`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void d.close().finally(() => process.exit(0)));
