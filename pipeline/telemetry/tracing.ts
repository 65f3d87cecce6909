// OpenTelemetry traces for the pipeline: one sampled event is one trace, from
// the HTTP request through every stage to the dashboard's WebSocket push and
// the browser. The W3C trace context travels in Kafka record headers.
//
// Sampling is decided once, at ingest (parent-based: a client's sampled
// `traceparent` is honoured, otherwise a ratio of requests). A stage opens
// spans only for records whose context is sampled, one span per distinct
// parent in a batch (a batch of 500 events from one request is one span with
// `faultline.events=500`), and rewrites the records' context to its own span,
// so the next stage's span is its child. Unsampled records cost nothing.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { z } from 'zod';
import { HEADERS, headerString, readConfig, type HeaderBag } from '../contract/index.js';

type Carrier = Record<string, string>;
const w3c = new W3CTraceContextPropagator();
const getter = {
  keys: (c: Carrier) => Object.keys(c),
  get: (c: Carrier, k: string) => c[k],
};
const setter = { set: (c: Carrier, k: string, v: string) => void (c[k] = v) };

/** The context a `traceparent` (and `tracestate`) carries, or the root context when absent or malformed. */
export function extractContext(carrier: Carrier): Context {
  return w3c.extract(ROOT_CONTEXT, carrier, getter);
}

/** A context whose active span is `span` (the parent of what starts in it). */
export const contextOf = (span: Span): Context => trace.setSpan(ROOT_CONTEXT, span);

/** `traceparent` (and `tracestate`) of a span, to write into a record or a message. */
export function injectContext(span: Span): Carrier {
  const c: Carrier = {};
  w3c.inject(contextOf(span), c, setter);
  return c;
}

/** The sampled bit of a traceparent's flags (cheap: no parsing of the ids). */
const sampledFlag = (traceparent: string) => (parseInt(traceparent.slice(-2), 16) & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;

/** True when a carrier holds a valid, sampled trace context. */
export function isSampled(carrier: Carrier): boolean {
  const sc = trace.getSpanContext(extractContext(carrier));
  return !!sc && (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}

export interface TracingOptions {
  /** service.name in Tempo, e.g. faultline-process */
  service: string;
  zone: string;
  /** OTLP/HTTP endpoint (Tempo's :4318); traces are off when empty. */
  endpoint: string;
  /** Share of requests without a sampled client context that are traced (0..1). */
  ratio: number;
}

export interface Tracing {
  tracer: Tracer;
  /** Sends what is buffered (on shutdown, and in tests before asking Tempo). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** From OTEL_EXPORTER_OTLP_ENDPOINT (default Tempo on the ops address) and FAULTLINE_TRACE_RATIO (default 0.05). */
export function tracingEnv(service: string, zone: string, env: NodeJS.ProcessEnv = process.env): TracingOptions {
  const c = readConfig(
    service,
    {
      endpoint: ['OTEL_EXPORTER_OTLP_ENDPOINT', z.string().url().default('http://127.0.0.1:4318')],
      ratio: ['FAULTLINE_TRACE_RATIO', z.coerce.number().min(0).max(1).default(0.05)],
    },
    env,
  );
  // set and empty: traces off
  return { service, zone, ...c, ...(env.OTEL_EXPORTER_OTLP_ENDPOINT === '' ? { endpoint: '' } : {}) };
}

export function startTracing(o: TracingOptions): Tracing {
  if (!o.endpoint) {
    const tracer = trace.getTracer('faultline-off');
    return { tracer, flush: async () => {}, shutdown: async () => {} };
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.service, 'service.namespace': 'faultline', 'faultline.zone': o.zone }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(o.ratio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${o.endpoint.replace(/\/$/, '')}/v1/traces`, timeoutMillis: 5000 }),
        maxQueueSize: 4096,
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  return {
    tracer: provider.getTracer('faultline'),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

export interface BatchSpans {
  /** Spans opened (one per distinct sampled parent). */
  count: number;
  /** Trace id of one of them (for a metric exemplar), if any. */
  traceId?: string;
  /** Ends every span: ok, or with the error that aborted the batch. */
  end(error?: unknown): void;
}

/**
 * Opens a CONSUMER span per distinct sampled parent among the records and
 * rewrites each such record's `traceparent` header to its span, so what the
 * stage derives from the record (and copies the header into) continues the
 * trace. Records without a sampled context are left as they are.
 */
export function batchSpans(
  tracer: Tracer,
  name: string,
  records: { headers?: HeaderBag }[],
  attributes: Record<string, string | number>,
): BatchSpans {
  const spans = new Map<string, { span: Span; carrier: Carrier; events: number }>();
  for (const r of records) {
    const parent = headerString(r.headers, HEADERS.traceparent);
    if (!parent || !sampledFlag(parent)) continue;
    let s = spans.get(parent);
    if (!s) {
      const tracestate = headerString(r.headers, HEADERS.tracestate);
      const ctx = extractContext({ traceparent: parent, ...(tracestate ? { tracestate } : {}) });
      const span = tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes }, ctx);
      s = { span, carrier: injectContext(span), events: 0 };
      spans.set(parent, s);
    }
    s.events++;
    r.headers ??= {};
    r.headers[HEADERS.traceparent] = s.carrier.traceparent;
  }
  return {
    count: spans.size,
    traceId: spans.values().next().value?.span.spanContext().traceId,
    end(error?: unknown) {
      for (const { span, events } of spans.values()) {
        span.setAttribute('faultline.events', events);
        endSpan(span, error);
      }
    },
  };
}

/** Ends a span: ok, or with the error recorded and the status set. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

export { SpanKind, SpanStatusCode };
export type { Span, Tracer, Context };
