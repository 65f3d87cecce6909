import { LogEvent, ProcessedEvent, fastLogEvent, isProcessedEvent, validateEvent } from './event.js';

const ok = { id: 'svc-1:42', service: 'checkout', level: 'info', message: 'hi', timestamp: '2026-01-01T00:00:00.000+02:00' };

describe('event contract', () => {
  test('a well-formed event passes, latency optional', () => {
    expect(validateEvent(ok)).toEqual({ ok: true, event: ok });
    expect(validateEvent({ ...ok, latencyMs: 12.5 }).ok).toBe(true);
  });

  test.each([
    ['missing id', { ...ok, id: undefined }, 'invalid_type', /^id:/],
    ['bad level', { ...ok, level: 'fatal' }, 'invalid_enum_value', /^level:/],
    ['bad timestamp', { ...ok, timestamp: 'yesterday' }, 'invalid_string', /^timestamp:/],
    ['negative latency', { ...ok, latencyMs: -1 }, 'too_small', /^latencyMs:/],
    ['unknown field', { ...ok, user: 'x' }, 'unrecognized_keys', /user/],
    ['id with spaces', { ...ok, id: 'a b' }, 'invalid_string', /^id: id may hold only/],
    ['not an object', 42, 'invalid_type', /^\(event\)/],
  ])('%s is refused with a machine-readable reason', (_what, input, reason, detail) => {
    const v = validateEvent(input);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.refusal.reason).toBe(reason);
      expect(v.refusal.detail).toMatch(detail);
    }
  });

  test('the refusal names the id when it has one', () => {
    const v = validateEvent({ ...ok, level: 'x' });
    expect(!v.ok && v.refusal.id).toBe('svc-1:42');
  });
});

describe('the hot path validators agree with the schemas', () => {
  const base = { id: 'bench-abc-1', service: 'checkout', level: 'warn', message: 'GET /x returned 404 in 3 ms', timestamp: '2026-12-03T19:00:01.123Z', latencyMs: 3 };
  const tricky: Record<string, unknown[]> = {
    id: ['', 'a', 'x'.repeat(128), 'x'.repeat(129), 'a b', 'a/b', 'é', 'A.b_c:d-e', 7, null, undefined, ['a']],
    service: ['', 'a', 'x'.repeat(64), 'x'.repeat(65), '-a', 'A', 'a-b-9', 'a_b', 3, null],
    level: ['debug', 'info', 'warn', 'error', 'fatal', 'INFO', '', 1, null],
    message: ['', 'm'.repeat(8192), 'm'.repeat(8193), 5, null, { a: 1 }],
    timestamp: [
      '2026-12-03T19:00:01Z', '2026-12-03T19:00Z', '2026-12-03T19:00:01.5+01:00', '2026-12-03T19:00:01+0100', '2026-12-03T19:00:01',
      '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-12-03T24:00:00Z',
      '2026-12-03 19:00:01Z', '2026-12-03T19:00:61Z', '2026-12-03T19:00:01.Z', 'yesterday', '', 1764788401000, null,
    ],
    latencyMs: [0, -0, 1.5, -1, Infinity, NaN, '3', null, undefined, 1e300],
  };
  const logCorpus: unknown[] = [base, { ...base, latencyMs: undefined }, (({ latencyMs: _, ...r }) => r)(base), { ...base, extra: 1 }, {}, null, [], 'x', 3, [base]];
  for (const [field, values] of Object.entries(tricky)) for (const v of values) logCorpus.push({ ...base, [field]: v });
  for (const field of Object.keys(base)) logCorpus.push(Object.fromEntries(Object.entries(base).filter(([k]) => k !== field)));
  // every key order of the input gives the schema's order out
  logCorpus.push(Object.fromEntries(Object.entries(base).reverse()));

  test.each(logCorpus.map((x, i) => [i, x]))('log event %i', (_i, x) => {
    const schema = LogEvent.safeParse(x);
    const fast = fastLogEvent(x);
    expect(fast !== undefined).toBe(schema.success);
    if (schema.success) {
      expect(fast).toEqual(schema.data);
      // a key present as undefined (never from JSON) is kept by the schema and left out here: the same event
      const defined = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined).map(([k]) => k);
      expect(defined(fast!)).toEqual(defined(schema.data));
      expect(JSON.stringify(fast)).toBe(JSON.stringify(schema.data));
    }
  });

  const processed = { ...base, ingestedAt: '2026-12-03T19:00:01.200Z', processedAt: '2026-12-03T19:00:01.300Z', severity: 2, category: 'client', source: { partition: 3, offset: '12' } };
  const trickyProcessed: Record<string, unknown[]> = {
    ingestedAt: ['2026-12-03T19:00:01Z', 'now', null, undefined],
    processedAt: ['2026-02-29T00:00:00Z', '2026-12-03T19:00:01.3+02:00', 5],
    severity: [0, 3, 4, -1, 1.5, '2', null],
    category: ['client', 'server', 'timeout', 'auth', 'other', 'misc', null],
    source: [{ partition: 0, offset: '0' }, { partition: 1.5, offset: '1' }, { partition: 1, offset: 1 }, { partition: 1 }, { partition: 1, offset: '1', extra: true }, null, 'p1', []],
    level: ['fatal'],
    timestamp: ['2026-13-01T00:00:00Z'],
    extra: [1],
  };
  const processedCorpus: unknown[] = [processed, base, null];
  for (const [field, values] of Object.entries(trickyProcessed)) for (const v of values) processedCorpus.push({ ...processed, [field]: v });

  test.each(processedCorpus.map((x, i) => [i, x]))('processed event %i', (_i, x) => {
    expect(isProcessedEvent(x)).toBe(ProcessedEvent.safeParse(x).success);
  });

  test('a valid event is taken by the fast path, and a broken one still gets the schema\'s reason', () => {
    expect(validateEvent(base)).toEqual({ ok: true, event: base });
    const v = validateEvent({ ...base, timestamp: '2026-02-30T00:00:00Z' });
    expect(!v.ok && v.refusal.reason).toBe('invalid_string');
  });
});
