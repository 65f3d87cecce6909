import { fileURLToPath } from 'node:url';
import { formatPostLine, idsOf, k6Options, parsePostLine, requestsPerSecond, SCENARIOS, type PostLine } from './scenarios.js';
import { k6ThresholdsHeld, opsOfLine, thresholdsOf } from './workload.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

test('every scenario is an arrival-rate executor with the four failing thresholds', () => {
  for (const name of SCENARIOS) {
    const o = k6Options(name, { rate: 2000, durationS: 60, batch: 100 });
    const s = o.scenarios[name]!;
    expect(String(s.executor)).toMatch(/arrival-rate$/);
    expect(s.exec).toBe('post');
    // every VU exists before the start (a VU initialised mid-run drops its iteration)
    expect(s.preAllocatedVUs).toBe(s.maxVUs);
    const exprs = Object.fromEntries(Object.entries(o.thresholds).map(([k, v]) => [k, v.map((x) => (typeof x === 'string' ? x : x.threshold))]));
    expect(exprs).toEqual({ http_req_failed: ['rate==0'], http_req_duration: ['p(99)<2000'], dropped_iterations: ['count==0'], checks: ['rate==1'] });
  }
});

test('soak holds the rate for the duration; spike jumps to the peak and back; stress climbs in four steps and aborts on a crossing', () => {
  expect(requestsPerSecond({ rate: 2000, batch: 100 })).toBe(20);
  expect(requestsPerSecond({ rate: 10, batch: 100 })).toBe(1);
  const soak = k6Options('soak', { rate: 2000, durationS: 600, batch: 100 }).scenarios.soak!;
  expect(soak).toMatchObject({ executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '600s' });

  const spike = k6Options('spike', { rate: 5000, durationS: 100, batch: 100 }).scenarios.spike!;
  const targets = (spike.stages as { target: number }[]).map((x) => x.target);
  expect(spike.startRate).toBe(10);
  expect(targets).toEqual([10, 50, 50, 10, 10]);

  const stress = k6Options('stress', { rate: 8000, durationS: 100, batch: 100, p99Ms: 1500 });
  expect((stress.scenarios.stress!.stages as { target: number }[]).map((x) => x.target)).toEqual([20, 20, 40, 40, 60, 60, 80, 80]);
  expect(stress.thresholds.http_req_duration).toEqual([{ threshold: 'p(99)<1500', abortOnFail: true, delayAbortEval: '10s' }]);
});

test('bad parameters are refused with the reason', () => {
  expect(() => k6Options('soak', { rate: 0, durationS: 10, batch: 10 })).toThrow(/positive/);
  expect(() => k6Options('chaos' as never, { rate: 1, durationS: 10, batch: 10 })).toThrow(/unknown k6 scenario chaos/);
});

test('ids derive from the iteration; every tenth carries one invalid event', () => {
  expect(idsOf('r', 3, 2)).toEqual({ prefix: 'r-k3-', valid: ['r-k3-0', 'r-k3-1'] });
  expect(idsOf('r', 19, 1)).toEqual({ prefix: 'r-k19-', valid: ['r-k19-0'], invalid: 'r-k19-bad' });
});

const line: PostLine = { vu: 4, iteration: 9, status: 200, t0: 1_000_500, t1: 1_000_800, traceId: 'ab12', accepted: '*', refused: ['bad'], unknown: [] };

test('a reply line survives k6 logfmt and parses back; other console lines are not ours', () => {
  const logged = `time="2026-11-25T18:35:59Z" level=info msg="${formatPostLine(line)}" source=console`;
  expect(parsePostLine(logged)).toEqual(line);
  const failed: PostLine = { ...line, status: 0, accepted: [], refused: [], error: 'refused' };
  expect(parsePostLine(formatPostLine(failed))).toEqual(failed);
  expect(parsePostLine('time="x" level=warn msg="Request Failed"')).toBeUndefined();
});

test('a reply line becomes an invoke and its completion: 200 -> ok with the refused, no answer -> unknown, refused connection -> fail', () => {
  const { invoke, done } = opsOfLine('r', 2, line, 1_000_000, '127.0.1.40:8080');
  expect(invoke).toMatchObject({ process: 4, type: 'invoke', time: 500, value: { ids: ['r-k9-0', 'r-k9-1', 'r-k9-bad'] } });
  expect(invoke.value.traces['r-k9-bad']).toBe('ab12');
  expect(done).toMatchObject({ type: 'ok', time: 800, value: { ids: ['r-k9-0', 'r-k9-1'], refused: ['r-k9-bad'] } });
  expect(opsOfLine('r', 2, { ...line, accepted: ['1'] }, 1_000_000, 'x').done.value.ids).toEqual(['r-k9-1']);
  expect(opsOfLine('r', 2, { ...line, status: 0, error: 'other' }, 1_000_000, 'x').done.type).toBe('info');
  expect(opsOfLine('r', 2, { ...line, status: 503, unknown: ['0', '1'] }, 1_000_000, 'x').done.type).toBe('info');
  expect(opsOfLine('r', 2, { ...line, status: 0, error: 'refused' }, 1_000_000, 'x').done.type).toBe('fail');
  expect(opsOfLine('r', 2, { ...line, status: 400 }, 1_000_000, 'x').done.type).toBe('fail');
});

test("k6's thresholds from its summary: a crossed one makes the line invalid and names it; none at all is unknown", () => {
  const t = thresholdsOf(fixture('summary-crossed.json'));
  expect(t).toHaveLength(4);
  const r = k6ThresholdsHeld({ thresholds: t, exitCode: 99, summaryFile: 'summary-crossed.json' });
  expect(r.valid).toBe(false);
  expect(r.summary).toBe('crossed: http_req_duration p(99)<2000, dropped_iterations count==0');
  expect(k6ThresholdsHeld({ thresholds: t.map((x) => ({ ...x, crossed: false })), exitCode: 0, summaryFile: 's' }).valid).toBe(true);
  expect(k6ThresholdsHeld({ thresholds: thresholdsOf('/nonexistent/summary.json'), exitCode: 1, summaryFile: 's' }).valid).toBe('unknown');
});
