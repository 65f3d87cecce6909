import { LogEvent } from '../contract/index.js';
import { classify, transform } from './transform.js';

const src = { partition: 2, offset: '41' };
const valid = { id: 'e-1', service: 'checkout', level: 'error', message: 'upstream timed out after 5s', timestamp: '2026-01-01T00:00:00Z', latencyMs: 5000 };

describe('transform', () => {
  test('a valid raw event is enriched with severity, category, lineage and times', () => {
    const r = transform(Buffer.from(JSON.stringify(valid)), src, '2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z');
    expect(r).toEqual({
      ok: true,
      event: { ...valid, severity: 3, category: 'timeout', source: src, ingestedAt: '2026-01-01T00:00:01Z', processedAt: '2026-01-01T00:00:02Z' },
    });
  });

  test('the processed JSON is byte for byte what the schema-parsed event spread with the derived fields gives, with or without latency', () => {
    for (const raw of [valid, { ...valid, latencyMs: undefined }, { timestamp: valid.timestamp, id: 'e-2', level: 'info', message: 'ok', service: 's' }]) {
      const r = transform(Buffer.from(JSON.stringify(raw)), src, '2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z');
      const e = LogEvent.parse(JSON.parse(JSON.stringify(raw)));
      const expected = { ...e, ingestedAt: '2026-01-01T00:00:01Z', processedAt: '2026-01-01T00:00:02Z', severity: { debug: 0, info: 1, warn: 2, error: 3 }[e.level], category: classify(e.message), source: src };
      expect(r.ok && JSON.stringify(r.event)).toBe(JSON.stringify(expected));
    }
  });

  test('poison records are refused with a reason, never guessed at', () => {
    expect(transform(null, src, undefined, 'x')).toEqual({ ok: false, reason: 'empty record value' });
    expect(transform(Buffer.from('{nope'), src, undefined, 'x')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
    expect(transform(Buffer.from(JSON.stringify({ ...valid, level: 'fatal' })), src, undefined, 'x')).toMatchObject({ ok: false, reason: expect.stringMatching(/^schema: level/) });
    expect(transform(Buffer.from(JSON.stringify({ ...valid, extra: 1 })), src, undefined, 'x')).toMatchObject({ ok: false, reason: expect.stringMatching(/^schema: /) });
  });

  test('classification by message', () => {
    expect(['deadline exceeded', 'token expired', 'GET /x 404', 'NullPointerException', 'hello'].map(classify)).toEqual(['timeout', 'auth', 'client', 'server', 'other']);
  });
});
