// Public surface of pipeline telemetry: per-stage Prometheus metrics and OpenTelemetry traces carried in Kafka headers.
export { stageRegistry, ingestMetrics, eosMetrics, type StageRegistry } from './metrics.js';
export { serveTelemetry } from './http.js';
export { logger, prettyLogLine, serviceLog, type Logger } from './log.js';
export {
  startTracing,
  tracingEnv,
  batchSpans,
  endSpan,
  extractContext,
  injectContext,
  contextOf,
  isSampled,
  SpanKind,
  SpanStatusCode,
  type Tracing,
  type TracingOptions,
  type BatchSpans,
  type Span,
  type Tracer,
  type Context,
} from './tracing.js';
