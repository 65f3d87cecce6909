import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { batchSpans, extractContext, isSampled } from './tracing.js';

const exporter = new InMemorySpanExporter();
const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test');
const A = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const B = '00-11111111111111111111111111111111-2222222222222222-01';
const UNSAMPLED = '00-33333333333333333333333333333333-4444444444444444-00';

beforeEach(() => exporter.reset());

test('one span per distinct sampled parent in a batch; records continue the trace from it; unsampled records untouched', () => {
  const records: { headers?: Record<string, string | Buffer> }[] = [
    { headers: { traceparent: Buffer.from(A) } },
    { headers: { traceparent: A } },
    { headers: { traceparent: B } },
    { headers: { traceparent: UNSAMPLED } },
    {},
  ];
  const spans = batchSpans(tracer, 'process logs.raw', records, { 'messaging.system': 'kafka' });
  expect(spans.count).toBe(2);
  spans.end();
  const done = exporter.getFinishedSpans();
  expect(done.map((s) => s.spanContext().traceId).sort()).toEqual(['0af7651916cd43dd8448eb211c80319c', '11111111111111111111111111111111']);
  const a = done.find((s) => s.spanContext().traceId.startsWith('0af7'))!;
  expect(a.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  expect(a.attributes['faultline.events']).toBe(2);
  // both records of trace A now carry A's new span as parent for the next stage
  expect(records[0]!.headers!.traceparent).toBe(`00-0af7651916cd43dd8448eb211c80319c-${a.spanContext().spanId}-01`);
  expect(records[1]!.headers!.traceparent).toBe(records[0]!.headers!.traceparent);
  expect(records[3]!.headers!.traceparent).toBe(UNSAMPLED);
  expect(records[4]!.headers).toBeUndefined();
});

test('an aborted batch ends its spans with the error', () => {
  const spans = batchSpans(tracer, 'aggregate logs.processed', [{ headers: { traceparent: A } }], {});
  spans.end(new Error('CONCURRENT_TRANSACTIONS'));
  const [s] = exporter.getFinishedSpans();
  expect(s!.status).toMatchObject({ code: 2, message: 'CONCURRENT_TRANSACTIONS' });
});

test('sampled flag and malformed contexts', () => {
  expect(isSampled({ traceparent: A })).toBe(true);
  expect(isSampled({ traceparent: UNSAMPLED })).toBe(false);
  expect(isSampled({ traceparent: 'garbage' })).toBe(false);
  expect(extractContext({})).toBeDefined();
});
