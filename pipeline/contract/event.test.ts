import { validateEvent } from './event.js';

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
