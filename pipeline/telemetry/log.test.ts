import { prettyLogLine, serviceLog } from './log.js';

const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
afterEach(() => Object.assign(console, saved));

const capture = (isTTY = false) => {
  const lines: string[] = [];
  return { lines, out: { isTTY, write: (s: string) => void lines.push(...s.split('\n').filter(Boolean)) } };
};

test('a service logs JSON lines with time, level, component and zone; console lines become log lines at their level', () => {
  const { lines, out } = capture();
  const l = serviceLog('process', 'zone-b', out);
  l.warn({ kind: 'fenced', inputs: 20, trace_id: 'abc123' }, 'transaction aborted');
  console.error('stage %s: failed', 'process-b');
  console.log('restored');
  const [a, b, c] = lines.map((x) => JSON.parse(x) as Record<string, unknown>);
  expect(a).toMatchObject({ level: 'warn', component: 'process', zone: 'zone-b', msg: 'transaction aborted', kind: 'fenced', inputs: 20, trace_id: 'abc123' });
  expect(Date.parse(String(a!.time))).toBeGreaterThan(Date.now() - 60_000);
  expect(b).toMatchObject({ level: 'error', msg: 'stage process-b: failed' });
  expect(c).toMatchObject({ level: 'info', msg: 'restored' });
});

test('on a terminal the same lines are readable, and `just logs` reads the JSON the same way', () => {
  const { lines, out } = capture(true);
  serviceLog('ingest', 'zone-a', out).info({ trace_id: 'f00d' }, 'listening');
  expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ INFO {2}ingest@zone-a listening trace=f00d$/);
  expect(prettyLogLine('{"time":"2026-12-03T12:00:00.000Z","level":"error","component":"lag-exporter","zone":"ops","msg":"sample failed","attempt":2}')).toBe('2026-12-03T12:00:00.000Z ERROR lag-exporter sample failed attempt=2');
  // a line that is not ours is shown as it is (a JVM's, or a log from before this format)
  expect(prettyLogLine('2026-12-03T12:00:00.000Z process (zone-a): consuming')).toBe('2026-12-03T12:00:00.000Z process (zone-a): consuming');
  expect(prettyLogLine('{"not":"a log line"}')).toBe('{"not":"a log line"}');
});
