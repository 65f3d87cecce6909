// The k6 script: POSTs batches of unique log events to the ingest of every
// zone, on the scenario's arrival rate, each request traced (a sampled
// traceparent that ingest honours). Every reply is printed as one `FL` line
// (see scenarios.ts): the run's history is rebuilt from them, so the chaos
// checkers verify a load test end to end (nothing acknowledged lost, nothing
// twice, aggregates equal to a recomputation).
//
// Environment: SCENARIO, RATE (events/s), DURATION_S, BATCH, TARGETS (ingest
// URLs, comma-separated), RUN_ID, SERVICES (comma-separated), P99_MS.
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { formatPostLine, idsOf, k6Options, type ScenarioName } from './scenarios.ts';

const env = __ENV;
const batch = Number(env.BATCH ?? 100);
const runId = env.RUN_ID ?? 'k6';
const targets = (env.TARGETS ?? 'http://127.0.1.40:8080/v1/events').split(',');
const services = (env.SERVICES ?? 'k6-svc').split(',');
const LEVELS = ['debug', 'info', 'warn', 'error'];

export const options = k6Options((env.SCENARIO ?? 'smoke') as ScenarioName, {
  rate: Number(env.RATE ?? 1000),
  durationS: Number(env.DURATION_S ?? 20),
  batch,
  p99Ms: env.P99_MS ? Number(env.P99_MS) : undefined,
});

const hex = (n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
};

interface Reply {
  accepted?: string[];
  refused?: { id?: string }[];
  unknown?: string[];
}

export function post(): void {
  const vu = exec.vu.idInTest;
  const iteration = exec.scenario.iterationInTest;
  const { prefix, valid, invalid } = idsOf(runId, iteration, batch);
  const now = new Date().toISOString();
  const events: Record<string, unknown>[] = valid.map((id, i) => ({
    id,
    service: services[(iteration * batch + i) % services.length],
    level: LEVELS[(iteration + i) % LEVELS.length],
    message: i % 11 ? 'request served' : 'upstream timeout',
    timestamp: now,
    latencyMs: Math.round(Math.random() * 300),
  }));
  if (invalid) events.push({ ...events[0], id: invalid, level: 'loud' });
  const traceId = hex(32);
  const url = targets[iteration % targets.length]!;
  const t0 = Date.now();
  const res = http.post(url, JSON.stringify(events), {
    headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${hex(16)}-01` },
    timeout: '15s',
    tags: { name: 'POST /v1/events' },
  });
  const t1 = Date.now();
  let body: Reply = {};
  try {
    body = (res.body ? JSON.parse(res.body as string) : {}) as Reply;
  } catch {
    body = {};
  }
  const suffix = (id: string) => (id.startsWith(prefix) ? id.slice(prefix.length) : id);
  const accepted = body.accepted ?? [];
  const allValid = accepted.length === valid.length && accepted.every((id, i) => id === valid[i]);
  const refused = (body.refused ?? []).map((r) => r.id).filter((x): x is string => Boolean(x));
  check(res, {
    'every event accepted or refused': () => res.status === 200 && accepted.length + refused.length === events.length,
    'the invalid event refused': () => res.status !== 200 || !invalid || refused.includes(invalid),
  });
  console.log(
    formatPostLine({
      vu,
      iteration,
      status: res.status,
      t0,
      t1,
      traceId,
      accepted: allValid ? '*' : accepted.map(suffix),
      refused: refused.map(suffix),
      unknown: (body.unknown ?? []).map(suffix),
      ...(res.status === 0 ? { error: /connection refused/i.test(res.error ?? '') ? ('refused' as const) : ('other' as const) } : {}),
    }),
  );
}
