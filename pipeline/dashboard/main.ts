// Entry point of the dashboard (an ops process): page, WebSocket and Faro receiver on DASHBOARD_HOST:DASHBOARD_PORT.
import { z } from 'zod';
import { brokerList, configOrExit, port, readConfig } from '../contract/index.js';
import { serviceLog, tracingEnv } from '../telemetry/index.js';
import { startDashboard } from './server.js';

serviceLog('dashboard', 'ops');
const tracing = configOrExit(() => tracingEnv('faultline-dashboard', 'ops'));
const cfg = configOrExit(() =>
  readConfig('dashboard', {
  host: ['DASHBOARD_HOST', z.string().default('127.0.0.1')],
  port: ['DASHBOARD_PORT', port(3000)],
  brokers: ['KAFKA_BROKERS', brokerList],
  prometheusUrl: ['PROMETHEUS_URL', z.string().url().default('http://127.0.0.1:9090')],
  snapshotMs: ['DASHBOARD_SNAPSHOT_MS', z.coerce.number().int().min(100).default(1000)],
    expectedBrokers: ['FAULTLINE_BROKERS', z.coerce.number().int().positive().default(3)],
  }),
);
const d = await startDashboard({ ...cfg, otlpEndpoint: tracing.endpoint, tracing });
console.log(`dashboard: ${d.url}`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void d.close().finally(() => process.exit(0)));
