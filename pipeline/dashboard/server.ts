// The live dashboard's server: reads the committed aggregates and the DLQ from
// Kafka, asks Prometheus for stage rates, lag and broker health, and pushes
// all of it over a WebSocket to the lit page. Each aggregate update of a
// sampled event is a span `websocket push` (child of the aggregate stage's
// span) whose context goes to the page, which adds its own `render` span
// through Faro; the page's Faro payloads come back here and their traces go
// on to Tempo.
import { createServer, type Server } from 'node:http';
import express from 'express';
import client from 'prom-client';
import { WebSocketServer, WebSocket } from 'ws';
import { HEADERS, TOPICS, headerString, type WindowAggregate } from '../contract/index.js';
import { connectPatiently, kafkaClient, type Consumer, type KafkaMessage } from '../kafka/index.js';
import { extractContext, injectContext, isSampled, SpanKind, startTracing, type Tracing, type TracingOptions } from '../telemetry/index.js';
import { bundlePage, pageHtml } from './bundle.js';
import { WindowTable, type DlqRow, type LagRow, type Push, type Snapshot } from './view.js';

export interface DashboardConfig {
  host: string;
  port: number;
  brokers: string[];
  prometheusUrl: string;
  /** Tempo's OTLP/HTTP endpoint: browser traces from Faro are forwarded there. */
  otlpEndpoint: string;
  tracing?: TracingOptions;
  /** How often the snapshot (rates, lag, brokers, DLQ) is pushed. */
  snapshotMs: number;
  expectedBrokers: number;
}

export interface RunningDashboard {
  url: string;
  close(): Promise<void>;
}

async function promQuery(base: string, q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(3000) });
  if (!r.ok) throw new Error(`Prometheus answered ${r.status} to ${q}`);
  const body = (await r.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data.result;
}

const num = (s: string | undefined) => (s === undefined || s === 'NaN' ? null : Number(s));

export async function startDashboard(cfg: DashboardConfig): Promise<RunningDashboard> {
  const tracing: Tracing | undefined = cfg.tracing ? startTracing(cfg.tracing) : undefined;
  const registry = new client.Registry();
  registry.setDefaultLabels({ stage: 'dashboard' });
  client.collectDefaultMetrics({ register: registry, prefix: 'faultline_' });
  const m = {
    pushes: new client.Counter({ name: 'faultline_dashboard_pushes_total', help: 'WebSocket messages sent, by type', labelNames: ['type'], registers: [registry] }),
    clients: new client.Gauge({ name: 'faultline_dashboard_clients', help: 'Connected WebSocket clients', registers: [registry] }),
    faro: new client.Counter({ name: 'faultline_dashboard_faro_items_total', help: 'Browser telemetry received from Faro, by kind', labelNames: ['kind'], registers: [registry] }),
    faroForwardFailures: new client.Counter({ name: 'faultline_dashboard_faro_forward_failures_total', help: 'Browser trace batches Tempo did not take', registers: [registry] }),
  };

  const page = await bundlePage();
  const table = new WindowTable();
  const dlq: DlqRow[] = [];
  const totals = { dlq: 0 };
  let snapshot: Snapshot | undefined;

  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => void res.type('html').send(pageHtml));
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());
  app.get('/app.js', (_req, res) => void res.type('js').set('cache-control', 'no-cache').send(page));
  app.get('/healthz', (_req, res) => void res.json({ ok: true, clients: wss.clients.size }));
  app.get('/metrics', async (_req, res) => void res.type(registry.contentType).send(await registry.metrics()));
  app.get('/api/snapshot', (_req, res) => void res.json({ snapshot, windows: table.rows() }));
  // Faro's transport posts JSON: { meta, logs, exceptions, measurements, events, traces: { resourceSpans } }
  app.post('/faro/collect', express.json({ limit: '1mb', type: () => true }), async (req, res) => {
    const body = req.body as Partial<Record<'logs' | 'exceptions' | 'measurements' | 'events', unknown[]>> & { traces?: { resourceSpans?: unknown[] } };
    for (const kind of ['logs', 'exceptions', 'measurements', 'events'] as const) if (Array.isArray(body[kind])) m.faro.inc({ kind }, body[kind]!.length);
    const spans = body.traces?.resourceSpans;
    if (Array.isArray(spans) && spans.length) {
      m.faro.inc({ kind: 'traces' }, spans.length);
      try {
        const r = await fetch(`${cfg.otlpEndpoint.replace(/\/$/, '')}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ resourceSpans: spans }),
          signal: AbortSignal.timeout(5000),
        });
        if (!r.ok) throw new Error(`Tempo answered ${r.status}: ${(await r.text()).slice(0, 200)}`);
      } catch (e) {
        m.faroForwardFailures.inc();
        console.error(`dashboard: browser traces not forwarded to Tempo (${e instanceof Error ? e.message : String(e)}); the page keeps working`);
      }
    }
    res.status(202).json({ ok: true });
  });

  const server: Server = createServer(app);
  const wss = new WebSocketServer({ server, path: '/ws' });
  const broadcast = (msg: Push) => {
    const open = [...wss.clients].filter((c) => c.readyState === WebSocket.OPEN);
    // no page open: nothing to serialise (a new page gets the table and the snapshot when it connects)
    if (!open.length) return;
    const text = JSON.stringify(msg);
    for (const c of open) c.send(text);
    m.pushes.inc({ type: msg.type });
  };
  wss.on('connection', (ws) => {
    m.clients.set(wss.clients.size);
    ws.on('close', () => m.clients.set(wss.clients.size));
    // a new page starts from what is known now
    if (snapshot) ws.send(JSON.stringify(snapshot));
    ws.send(JSON.stringify({ type: 'aggregates', rows: table.rows() } satisfies Push));
  });

  // Kafka: the committed aggregates (read_committed) and the DLQ, from where this dashboard's groups left off
  // librdkafka: the aggregates are a compacted changelog with aborted transactions in it, which kafkajs cannot read past
  const kafka = kafkaClient({ clientId: 'faultline-dashboard', brokers: cfg.brokers });
  const consumers: Consumer[] = [];
  const follow = async (groupId: string, topic: string, onBatch: (msgs: KafkaMessage[], partition: number) => void) => {
    const c = await connectPatiently(() => kafka.consumer({ kafkaJS: { groupId, readUncommitted: false, fromBeginning: false, maxWaitTimeInMs: 200 }, 'js.consumer.max.batch.size': 500 }), `dashboard (${groupId})`);
    consumers.push(c);
    await c.subscribe({ topics: [topic] });
    await c.run({ eachBatch: async ({ batch }) => onBatch(batch.messages, batch.partition) });
  };
  await follow('faultline-dashboard', TOPICS.aggregates, (msgs) => {
    const rows = [];
    for (const msg of msgs) {
      if (!msg.value) continue;
      const a = JSON.parse(msg.value.toString()) as WindowAggregate;
      const parent = headerString(msg.headers, HEADERS.traceparent);
      let traceparent: string | undefined;
      if (parent && tracing && isSampled({ traceparent: parent })) {
        const span = tracing.tracer.startSpan('websocket push', { kind: SpanKind.PRODUCER, attributes: { 'faultline.window': a.windowStart, 'faultline.service': a.service, 'faultline.level': a.level, 'faultline.clients': wss.clients.size } }, extractContext({ traceparent: parent }));
        traceparent = injectContext(span).traceparent;
        span.end();
      }
      rows.push(table.put(a, traceparent));
    }
    if (rows.length) broadcast({ type: 'aggregates', rows });
  });
  await follow('faultline-dashboard-dlq', TOPICS.dlq, (msgs, partition) => {
    for (const msg of msgs) {
      totals.dlq++;
      dlq.unshift({
        offset: msg.offset,
        partition,
        reason: headerString(msg.headers, HEADERS.dlqReason) ?? 'unknown',
        source: headerString(msg.headers, HEADERS.dlqSource) ?? '',
        at: new Date(Number(msg.timestamp)).toISOString(),
        value: (msg.value?.toString() ?? '').slice(0, 200),
      });
    }
    dlq.splice(20);
  });

  // Prometheus: rates, lag, broker health; a failing Prometheus is shown, not hidden
  const refresh = async () => {
    const base = cfg.prometheusUrl;
    try {
      const [ingest, stages, lagOffsets, lagSeconds, up, urp, offline] = await Promise.all([
        promQuery(base, 'sum(rate(faultline_ingest_events_total{outcome="accepted"}[30s]))'),
        promQuery(base, 'sum by (stage) (rate(faultline_stage_records_in_total{job="pipeline"}[30s]))'),
        promQuery(base, 'faultline_consumer_lag_offsets'),
        promQuery(base, 'faultline_consumer_lag_seconds'),
        promQuery(base, 'count(up{job="kafka"} == 1)'),
        promQuery(base, 'sum(kafka_server_replicamanager_underreplicatedpartitions)'),
        promQuery(base, 'max(kafka_controller_kafkacontroller_offlinepartitionscount)'),
      ]);
      const rates: Record<string, number> = { ingest: num(ingest[0]?.value[1]) ?? 0 };
      for (const s of stages) rates[s.metric.stage!] = num(s.value[1]) ?? 0;
      const lag = new Map<string, LagRow>();
      const row = (mm: Record<string, string>) => {
        const k = `${mm.group}|${mm.topic}|${mm.partition}`;
        if (!lag.has(k)) lag.set(k, { group: mm.group!, topic: mm.topic!, partition: mm.partition!, offsets: null, seconds: null });
        return lag.get(k)!;
      };
      for (const s of lagOffsets) row(s.metric).offsets = num(s.value[1]);
      for (const s of lagSeconds) row(s.metric).seconds = num(s.value[1]);
      snapshot = {
        type: 'snapshot',
        at: new Date().toISOString(),
        rates,
        brokers: { online: num(up[0]?.value[1]) ?? 0, expected: cfg.expectedBrokers, underReplicated: num(urp[0]?.value[1]), offline: num(offline[0]?.value[1]) },
        lag: [...lag.values()].sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || Number(a.partition) - Number(b.partition)),
        dlq,
        totals,
        prometheus: 'ok',
      };
    } catch (e) {
      snapshot = { ...(snapshot ?? { type: 'snapshot', rates: {}, brokers: { online: null, expected: cfg.expectedBrokers, underReplicated: null, offline: null }, lag: [], dlq, totals }), at: new Date().toISOString(), dlq, totals, prometheus: `unreachable: ${e instanceof Error ? e.message : String(e)}` };
    }
    broadcast(snapshot);
  };
  await refresh();
  const timer = setInterval(() => void refresh(), cfg.snapshotMs);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.host, () => resolve());
  });
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : cfg.port;
  return {
    url: `http://${cfg.host}:${port}`,
    async close() {
      clearInterval(timer);
      for (const c of wss.clients) c.terminate();
      wss.close();
      await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
      await tracing?.shutdown().catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
