// Every panel of every generated dashboard, run against the live system while
// the pipeline is under load: a PromQL query that errors or returns no series,
// or a TraceQL search that finds nothing, is a broken panel. Only the queries
// declared `emptyOk` (faults, alerts, errors: absent when all is well) may be empty.
import { randomUUID } from 'node:crypto';
import { addr, promQuery, tempoSearch } from '../../cluster/index.js';
import { coordination, liveTopology, sampledTraceparent } from '../../test/live.js';
import { dashboards } from './dashboards.js';
import { panelQueries, type PanelQuery } from './provision.js';

const t = liveTopology();
const run = randomUUID().slice(0, 8);

/** Grafana's interval variables, as Grafana would fill them for a 30-minute view with 5 s scrapes. */
const asGrafana = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '30m');

const promSeries = async (expr: string): Promise<number> => (await promQuery(t, asGrafana(expr))).length;

const tempoTraces = async (traceql: string): Promise<number> => (await tempoSearch(t, traceql, Date.now() - 1_800_000, Date.now() + 5000, 5)).length;

const ingests = t.stages.filter((s) => s.stage === 'ingest');
let posted = 0;
async function post(tag: string): Promise<void> {
  const i = posted++;
  const events = Array.from({ length: 100 }, (_, k) => ({ id: `panels-${run}-${tag}-${k}`, service: 'panels', level: k % 10 ? 'info' : 'error', message: 'panel test', timestamp: new Date().toISOString(), latencyMs: k }));
  const r = await fetch(`http://${addr(ingests[i % 3]!.http)}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', traceparent: sampledTraceparent().traceparent }, body: JSON.stringify(events) });
  expect(r.status).toBe(200);
}

test(`every panel query of the ${coordination} deployment returns data under load (PromQL on Prometheus, TraceQL on Tempo)`, async () => {
  // load: 20 requests over ~20 s, each traced, through every zone's ingest
  for (let i = 0; i < 20; i++) {
    await post(String(i));
    await new Promise((res) => setTimeout(res, 1000));
  }
  // two more scrapes of what the load did
  await new Promise((res) => setTimeout(res, 11_000));

  const queries: PanelQuery[] = dashboards()
    .filter((d) => !d.coordination || d.coordination === coordination)
    .flatMap((d) => panelQueries(d.json));
  const broken: string[] = [];
  const empty: string[] = [];
  const run1 = async (q: PanelQuery): Promise<number | string> => {
    try {
      return q.kind === 'traceql' ? await tempoTraces(q.expr) : await promSeries(q.expr);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  };
  let pending = queries;
  // what needs time to show (rate windows, Tempo's metrics-generator on a fresh cluster) gets it: up to 60 s, under load
  for (let round = 0; round < 7 && pending.length; round++) {
    if (round) {
      await post(`retry-${round}`);
      await new Promise((res) => setTimeout(res, 9000));
    }
    const next: PanelQuery[] = [];
    for (const q of pending) {
      const r = await run1(q);
      if (typeof r === 'number' && r > 0) continue;
      if (typeof r === 'number' && q.emptyOk) {
        empty.push(`${q.dashboard} / ${q.panel}: ${q.kind} ${q.expr} returned nothing (allowed: ${q.emptyOk})`);
        continue;
      }
      if (round < 6) next.push(q);
      else broken.push(`${q.dashboard} / ${q.panel}: ${q.kind} ${q.expr} ${typeof r === 'string' ? `failed: ${r}` : 'returned nothing'}`);
    }
    pending = next;
  }
  if (empty.length) console.log(`panels allowed to be empty and empty now:\n${empty.join('\n')}`);
  expect(broken).toEqual([]);
  expect(queries.length).toBeGreaterThan(40);
});
