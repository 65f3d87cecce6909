// Builds the ingest stage from its config: idempotent acks=all producer,
// metrics, HTTP server; `close` flushes in-flight sends first.
import type { Server } from 'node:http';
import { connectPatiently, kafkaClient } from '../kafka/index.js';
import { ingestMetrics, stageRegistry, startTracing, type TracingOptions } from '../telemetry/index.js';
import { ingestApp } from './app.js';
import { Sink } from './sink.js';
import type { IngestConfig } from './config.js';

export interface RunningIngest {
  url: string;
  close(): Promise<void>;
}

export async function startIngest(cfg: IngestConfig, tracingOptions?: TracingOptions): Promise<RunningIngest> {
  const tracing = tracingOptions ? startTracing(tracingOptions) : undefined;
  // librdkafka's idempotent producer keeps its sequence numbers right across leader changes (it bumps its epoch where
  // it must, KIP-360): kafkajs's did not, and lost acknowledged events under broker kills
  const kafka = kafkaClient({ brokers: cfg.brokers, clientId: `ingest-${cfg.zone}` });
  const newProducer = () => kafka.producer({
    kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: false },
    'linger.ms': cfg.lingerMs,
    'compression.type': 'lz4',
    'batch.size': 256 * 1024,
    // a request is answered within this bound: acknowledged, or 503 with its ids unknown (the client retries them)
    'message.timeout.ms': cfg.deliveryTimeoutMs,
    'client.rack': cfg.zone,
  } as never);
  const producer = await connectPatiently(newProducer, `ingest (${cfg.zone})`);
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
