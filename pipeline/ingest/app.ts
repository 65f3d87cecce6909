// POST /v1/events: validate every event of a JSON-array batch, write the valid
// ones to logs.raw with acks=all, and say exactly which were stored and why any
// were refused. A refused event is never written; a failed send is reported.
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { HEADERS, LIMITS, recordKey, validateEvent, type LogEvent, type Refusal } from '../contract/index.js';
import { contextOf, endSpan, extractContext, injectContext, SpanKind, type Span, type Tracer } from '../telemetry/index.js';
import { SaturatedError, type Sink } from './sink.js';

export interface IngestDeps {
  sink: Pick<Sink, 'offer' | 'pending'>;
  healthy: () => boolean;
  metrics?: { contentType: string; body: () => Promise<string> };
  onResult?: (r: { status: number; accepted: number; refused: number; seconds: number; traceId?: string }) => void;
  /** Traces: a server span per request, a producer span per Kafka send whose context every stored record carries. */
  tracer?: Tracer;
}

const sampled = (span: Span | undefined) => !!span && (span.spanContext().traceFlags & 1) === 1;

const problem = (res: Response, status: number, error: string, message: string, extra: object = {}) =>
  res.status(status).json({ error, message, accepted: [], ...extra });

export function ingestApp(deps: IngestDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    const ok = deps.healthy();
    res.status(ok ? 200 : 503).json({ ok, pending: deps.sink.pending });
  });

  if (deps.metrics) {
    const m = deps.metrics;
    app.get('/metrics', async (_req, res) => {
      res.type(m.contentType).send(await m.body());
    });
  }

  app.post(
    '/v1/events',
    (req, res, next) => {
      if (!req.is('application/json')) {
        problem(res, 415, 'unsupported_media_type', `send a JSON array with content-type application/json (got ${req.get('content-type') ?? 'none'})`);
        return;
      }
      next();
    },
    express.json({ limit: LIMITS.bodyBytes, strict: false, type: () => true }),
    async (req: Request, res: Response) => {
      const t0 = performance.now();
      const carrier: Record<string, string> = {};
      for (const h of ['traceparent', 'tracestate']) if (req.get(h)) carrier[h] = req.get(h)!;
      const server = deps.tracer?.startSpan('POST /v1/events', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'url.path': '/v1/events' } }, extractContext(carrier));
      if (sampled(server)) res.set('traceresponse', injectContext(server!).traceparent);
      res.once('finish', () => {
        server?.setAttribute('http.response.status_code', res.statusCode);
        server?.end();
      });
      const body: unknown = req.body;
      if (!Array.isArray(body)) return void problem(res, 400, 'not_an_array', 'the body must be a JSON array of events');
      if (body.length === 0) return void problem(res, 400, 'empty_batch', 'the batch holds no events');
      if (body.length > LIMITS.batchEvents)
        return void problem(res, 413, 'batch_too_large', `a batch holds at most ${LIMITS.batchEvents} events (got ${body.length}); split it`);

      const refused: Refusal[] = [];
      const events: LogEvent[] = [];
      const seen = new Set<string>();
      body.forEach((item, index) => {
        const v = validateEvent(item);
        if (!v.ok) return void refused.push({ index, ...v.refusal });
        if (seen.has(v.event.id))
          return void refused.push({ index, id: v.event.id, reason: 'duplicate_in_batch', detail: `id ${v.event.id} appears earlier in this batch` });
        seen.add(v.event.id);
        events.push(v.event);
      });
      server?.setAttributes({ 'faultline.events': body.length, 'faultline.refused': refused.length, 'faultline.event_ids': events.slice(0, 5).map((e) => e.id).join(',') });
      const reply = (status: number, payload: object) => {
        const traceId = sampled(server) ? server!.spanContext().traceId : undefined;
        deps.onResult?.({ status, accepted: status === 200 ? events.length : 0, refused: refused.length, seconds: (performance.now() - t0) / 1000, traceId });
        res.status(status).json(payload);
      };
      if (!events.length) return reply(422, { error: 'all_refused', message: 'no event of the batch is valid', accepted: [], refused });

      const ingestedAt = new Date().toISOString();
      // the records carry the producer span's context only when it is sampled: unsampled events cost no header bytes
      const send = sampled(server)
        ? deps.tracer!.startSpan('send logs.raw', { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'logs.raw', 'faultline.events': events.length } }, contextOf(server!))
        : undefined;
      const trace = send ? injectContext(send) : {};
      try {
        await deps.sink.offer(
          events.map((e) => ({
            key: recordKey(e),
            value: JSON.stringify(e),
            headers: { [HEADERS.eventId]: e.id, [HEADERS.ingestedAt]: ingestedAt, ...trace },
          })),
        );
        if (send) endSpan(send);
      } catch (e) {
        if (send) endSpan(send, e);
        res.set('Retry-After', '1');
        if (e instanceof SaturatedError)
          return reply(503, { error: 'saturated', message: `${e.message}; nothing of this batch was written, retry after 1 s`, accepted: [], refused });
        // a failed multi-partition send may have written some partitions: the
        // outcome of these ids is unknown, and the client must retry them
        return reply(503, {
          error: 'kafka_unavailable',
          message: `Kafka did not acknowledge the batch (${e instanceof Error ? e.message : String(e)}); retry the ids in "unknown" with the same ids`,
          accepted: [],
          unknown: events.map((x) => x.id),
          refused,
        });
      }
      reply(200, { accepted: events.map((e) => e.id), refused });
    },
  );

  const onError: ErrorRequestHandler = (err: { type?: string; status?: number; message?: string }, _req, res, _next) => {
    if (err.type === 'entity.too.large')
      return void problem(res, 413, 'body_too_large', `the body exceeds ${LIMITS.bodyBytes} bytes; send smaller batches`);
    if (err.type === 'entity.parse.failed') return void problem(res, 400, 'malformed_json', `the body is not valid JSON: ${err.message}`);
    if (err.status && err.status < 500) return void problem(res, err.status, 'bad_request', err.message ?? 'bad request');
    problem(res, 500, 'internal', `ingest failed: ${err.message ?? 'unknown error'}; nothing of this batch was written`);
  };
  app.use(onError);
  return app;
}
