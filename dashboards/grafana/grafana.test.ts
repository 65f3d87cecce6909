import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { dashboards } from './dashboards.js';
import { datasourcesYaml, panelQueries, providersYaml, validateDashboard } from './provision.js';

const all = dashboards();

test('every generated dashboard is sound: uid, unique panel ids, grid, a known datasource and a query on every panel', () => {
  expect(all.map((d) => d.uid)).toEqual(['faultline-cluster', 'faultline-zookeeper', 'faultline-kraft', 'faultline-pipeline', 'faultline-lag', 'faultline-traces', 'faultline-chaos']);
  for (const d of all) expect([d.uid, validateDashboard(d.json)]).toEqual([d.uid, []]);
  // the views the issue names are there: exemplars on latency, Tempo search, service graph, fault annotations
  const json = JSON.stringify(all.map((d) => d.json));
  expect(json).toContain('"exemplar":true');
  expect(json).toContain('"queryType":"traceql"');
  expect(json).toContain('"queryType":"serviceMap"');
  expect(all.find((d) => d.uid === 'faultline-chaos')!.json.annotations?.list?.some((a) => (a as { expr?: string }).expr === 'faultline_chaos_fault_active == 1')).toBe(true);
});

test('the validator fails a dashboard with a broken panel (so the check above can fail)', () => {
  const good = all.find((d) => d.uid === 'faultline-lag')!.json;
  const broken = JSON.parse(JSON.stringify(good)) as dashboard.Dashboard & { panels: { id?: number; targets?: unknown[]; datasource?: unknown; gridPos?: { x: number; w: number } }[] };
  broken.panels[2]!.id = broken.panels[1]!.id;
  broken.panels[3]!.targets = [];
  (broken.panels[4]!.targets![0] as { datasource: unknown }).datasource = { type: 'prometheus', uid: 'nope' };
  broken.panels[1]!.gridPos = { ...broken.panels[1]!.gridPos!, x: 20, w: 12 };
  const problems = validateDashboard(broken).join('\n');
  expect(problems).toMatch(/duplicate panel id/);
  expect(problems).toMatch(/no query/);
  expect(problems).toMatch(/unknown datasource/);
  expect(problems).toMatch(/outside the 24-column grid/);
});

test('every query is found for the live test, with its kind; only declared ones may be empty', () => {
  const qs = all.flatMap((d) => panelQueries(d.json));
  expect(qs.filter((q) => q.kind === 'promql').length).toBeGreaterThan(40);
  expect(qs.filter((q) => q.kind === 'traceql').map((q) => q.expr)).toContain('{ resource.service.name = "faultline-ingest" && name = "POST /v1/events" }');
  expect(qs.filter((q) => q.emptyOk).map((q) => q.panel).sort()).toEqual(['Aborted transactions (errors)', 'Alerts firing', 'Faults active', 'annotation: Chaos faults']);
});

test('provisioning: both datasources with fixed uids, exemplars linked to Tempo, the service graph to Prometheus; a file provider', () => {
  const ds = datasourcesYaml('http://127.0.0.1:9090', 'http://127.0.0.1:3200');
  expect(ds).toMatch(/uid: faultline-prometheus[\s\S]*url: http:\/\/127\.0\.0\.1:9090/);
  expect(ds).toMatch(/exemplarTraceIdDestinations:\n\s+- name: trace_id\n\s+datasourceUid: faultline-tempo/);
  expect(ds).toMatch(/serviceMap:\n\s+datasourceUid: faultline-prometheus/);
  expect(providersYaml('/x/dashboards')).toMatch(/type: file[\s\S]*path: \/x\/dashboards/);
});
