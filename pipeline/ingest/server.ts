// Builds the ingest stage from its config: idempotent acks=all producer (librdkafka, or kafkajs by configuration),
// metrics, HTTP server; `close` flushes in-flight sends first.
import type { Server } from 'node:http';
import { ingestMetrics, stageRegistry, startTracing, type TracingOptions } from '../telemetry/index.js';
import { ingestApp } from './app.js';
import { Sink } from './sink.js';
import { ingestProducer } from './producer.js';
import type { IngestConfig } from './config.js';

export interface RunningIngest {
  url: string;
  close(): Promise<void>;
}

export async function startIngest(cfg: IngestConfig, tracingOptions?: TracingOptions): Promise<RunningIngest> {
  const tracing = tracingOptions ? startTracing(tracingOptions) : undefined;
  const producer = await ingestProducer(cfg);
  let connected = true;

  const registry = stageRegistry('ingest', cfg.zone);
  const m = ingestMetrics(registry);
  const sink = new Sink(producer, { topic: cfg.topic, maxPending: cfg.maxPending }, (s) => {
    m.sendSeconds.observe(s.ms / 1000);
    m.batchSize.observe(s.records);
    if (!s.ok) m.events.inc({ outcome: 'failed' }, s.records);
  });
  const app = ingestApp({
    sink,
    tracer: tracing?.tracer,
    healthy: () => connected,
    metrics: {
      contentType: registry.contentType,
      body: () => {
        m.pending.set(sink.pending);
        return registry.metrics();
      },
    },
    onResult: (r) => {
      m.requests.inc({ code: String(r.status) });
      // the exemplar links a latency bucket to a trace in Tempo (sampled requests only)
      m.requestSeconds.observe({ value: r.seconds, labels: { code: String(r.status) }, ...(r.traceId ? { exemplarLabels: { trace_id: r.traceId } as Record<string, string> } : {}) });
      if (r.accepted) m.events.inc({ outcome: 'accepted' }, r.accepted);
      if (r.refused) m.events.inc({ outcome: 'refused' }, r.refused);
    },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(cfg.port, cfg.host, () => resolve(s));
  });
  // Node closes an idle keep-alive connection after 5 s; a client that reuses it at that moment gets a reset with
  // its request unanswered (a 90 s k6 soak at 20 requests/s lost 3 replies this way, outcome unknown). Idle
  // connections are kept longer than clients and proxies keep theirs (60 s is common), so the client closes first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  return {
    url: `http://${cfg.host}:${port}`,
    async close() {
      // stop taking requests, let in-flight sends finish, then disconnect
      const closed = new Promise<void>((r) => server.close(() => r()));
      await sink.drain();
      connected = false;
      await producer.disconnect();
      await tracing?.shutdown().catch(() => undefined);
      server.closeAllConnections();
      await closed;
    },
  };
}
