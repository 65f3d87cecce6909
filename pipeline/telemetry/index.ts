// Public surface of pipeline telemetry: per-stage Prometheus metrics (traces come with the pipeline issue).
export { stageRegistry, ingestMetrics } from './metrics.js';
