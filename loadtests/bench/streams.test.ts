import { parseStreamsApp, reached } from './streams.js';

const line = (t: number, committedProcessed: number, cpuMs: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ t, consumed: committedProcessed + 10, aggregated: committedProcessed, committedInput: committedProcessed, committedProcessed, cpuMs, ...extra });

test("the Kafka Streams app's progress lines: steady rate and CPU from its first processed-side commit to its last line", () => {
  const out = [
    '[main] WARN org.apache.kafka.streams.StreamsConfig - stray log line',
    line(1000, 0, 2000),
    line(2000, 0, 3000),
    line(3000, 5000, 4500),
    '{"t":3500,"not":"a progress line"}',
    '{broken json',
    line(5000, 25000, 8500),
    JSON.stringify({ done: true, t: 6000, closed: true, closeMs: 900, consumed: 25010, aggregated: 25000, committedInput: 25000, committedProcessed: 25000, cpuMs: 9500, wallMs: 5500 }),
  ].join('\n');
  const p = parseStreamsApp(out);
  expect(p.points.map((x) => x.t)).toEqual([1000, 2000, 3000, 5000]);
  expect(p.steady).toEqual({ records: 20000, ms: 2000, cpuMs: 4000 });
  expect(p.end).toEqual({ done: true, t: 6000, closed: true, closeMs: 900, consumed: 25010, aggregated: 25000, committedInput: 25000, committedProcessed: 25000, cpuMs: 9500, wallMs: 5500 });
});

test('no steady rate without two processed-side commits; a failed end keeps its reason, and what was reached is said', () => {
  const one = parseStreamsApp([line(1000, 0, 100), line(2000, 300, 200)].join('\n'));
  expect(one.steady).toBeUndefined();
  expect(one.end).toBeUndefined();
  expect(reached(one, 1000)).toBe('committed 300 of 1000 input records and 300 offsets of the processed topic; processed 310 and aggregated 300 in memory; 0.2 CPU s');
  const failed = parseStreamsApp(line(9000, 400, 5000, { done: false, error: 'timeout after 60000 ms: committed 400 of 1000 input records', closed: true, closeMs: 10, wallMs: 60100 }));
  expect(failed.end?.done).toBe(false);
  expect(failed.end?.error).toMatch(/^timeout after 60000 ms/);
  expect(reached(parseStreamsApp('Error: Could not find or load main class'), 1000)).toMatch(/no progress line/);
});
