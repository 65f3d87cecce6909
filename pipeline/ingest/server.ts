// Builds the ingest stage from its config: idempotent acks=all producer,
// batcher, metrics, HTTP server; `close` flushes in-flight sends first.
import type { Server } from 'node:http';
import kafkajs from 'kafkajs';
import type { Producer } from 'kafkajs';
import { connectPatiently, onePartitionSends, partitionCounts } from '../eos/index.js';
import { ingestMetrics, stageRegistry, startTracing, type TracingOptions } from '../telemetry/index.js';
import { ingestApp } from './app.js';
import { Batcher } from './batcher.js';
import type { IngestConfig } from './config.js';

export interface RunningIngest {
  url: string;
  close(): Promise<void>;
}

export async function startIngest(cfg: IngestConfig, tracingOptions?: TracingOptions): Promise<RunningIngest> {
  const tracing = tracingOptions ? startTracing(tracingOptions) : undefined;
  const kafka = new kafkajs.Kafka({
    clientId: `ingest-${cfg.zone}`,
    brokers: cfg.brokers,
    logLevel: kafkajs.logLevel.ERROR,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
  });
  let connected = false;
  let producer: Producer | undefined;
  const newProducer = async () => {
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: cfg.maxInFlight, allowAutoTopicCreation: false });
    p.on(p.events.CONNECT, () => (connected = true));
    // a replaced producer's disconnect says nothing about the current one
    p.on(p.events.DISCONNECT, () => void (p === producer && (connected = false)));
    await connectPatiently(p, `ingest (${cfg.zone})`);
    return p;
  };
  producer = await newProducer();
  // A producer whose sequence numbers the broker no longer accepts fails every later send to that partition (kafkajs
  // keeps its numbers): it is replaced by a new one (a new producer id starts again at 0), as the Java client bumps
  // its epoch. The batcher has no other send in flight when the error reaches it (sendChunks settles them all).
  const replacing: Pick<Producer, 'send'> = {
    async send(r) {
      const used = producer!;
      try {
        return await used.send(r);
      } catch (e) {
        if (used === producer && sequenceBroken(e)) {
          console.error(`ingest (${cfg.zone}): the broker refused the producer's sequence numbers (${errorType(e)}); replacing the producer`);
          producer = await newProducer();
          void used.disconnect().catch(() => undefined);
        }
        throw e;
      }
    },
  };

  const registry = stageRegistry('ingest', cfg.zone);
  const m = ingestMetrics(registry);
  // one send per partition, all partitions of a flush at once (see eos/per-partition.ts for why)
  const counts = await partitionCounts(kafka, [cfg.topic]);
  const perPartition = onePartitionSends(replacing, counts);
  const batcher = new Batcher(perPartition, { topic: cfg.topic, maxBatch: cfg.maxBatch, lingerMs: cfg.lingerMs, maxPending: cfg.maxPending, maxInFlight: cfg.maxInFlight }, (s) => {
    m.sendSeconds.observe(s.ms / 1000);
    m.batchSize.observe(s.records);
    if (!s.ok) m.events.inc({ outcome: 'failed' }, s.records);
  });
  const app = ingestApp({
    batcher,
    tracer: tracing?.tracer,
    healthy: () => connected,
    metrics: {
      contentType: registry.contentType,
      body: () => {
        m.pending.set(batcher.pending);
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
      await batcher.drain();
      await producer?.disconnect();
      await tracing?.shutdown().catch(() => undefined);
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The error's kafkajs type, looking through retry wrappers (`originalError`, `cause`). */
export function errorType(e: unknown): string | undefined {
  for (let x = e as { type?: string; originalError?: unknown; cause?: unknown } | undefined, depth = 0; x && depth < 5; depth++) {
    if (typeof x.type === 'string') return x.type;
    x = (x.originalError ?? x.cause) as typeof x;
  }
  return undefined;
}

/** Errors after which an idempotent producer's sequence numbers for a partition are no longer the broker's. */
export const sequenceBroken = (e: unknown) => ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH'].includes(errorType(e) ?? '');
