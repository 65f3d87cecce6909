// Public surface of pipeline telemetry: per-stage Prometheus metrics (traces come with the pipeline issue).
export { stageRegistry, ingestMetrics, eosMetrics } from './metrics.js';
export { serveTelemetry } from './http.js';
