// Panel helpers over the Grafana Foundation SDK: every panel names its
// datasource, and every query is registered so a live test can run it
// against the real Prometheus or Tempo. A query that may rightly return
// nothing in a healthy cluster says why (`emptyOk`); every other one must
// return series while the pipeline is under load.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as tempo from '@grafana/grafana-foundation-sdk/tempo';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as nodegraph from '@grafana/grafana-foundation-sdk/nodegraph';

export const PROMETHEUS: dashboard.DataSourceRef = { type: 'prometheus', uid: 'faultline-prometheus' };
export const TEMPO: dashboard.DataSourceRef = { type: 'tempo', uid: 'faultline-tempo' };

export interface Query {
  expr: string;
  legend?: string;
  /** Why this query may return no series in a healthy, loaded deployment (e.g. it shows faults only). */
  emptyOk?: string;
  /** Show exemplars (trace ids) on a latency panel. */
  exemplars?: boolean;
}

/** Notes on queries allowed to be empty, keyed by expression (read by the panel-query test). */
export const EMPTY_OK = new Map<string, string>();

const promTarget = (q: Query, refId: string) => {
  if (q.emptyOk) EMPTY_OK.set(q.expr, q.emptyOk);
  const t = new prometheus.DataqueryBuilder().expr(q.expr).refId(refId).datasource(PROMETHEUS).range();
  if (q.legend) t.legendFormat(q.legend);
  if (q.exemplars) t.exemplar(true);
  return t;
};
const refIds = 'ABCDEFGHIJ';

export function series(title: string, unit: string, queries: Query[], opts: { description?: string; stack?: boolean; w?: number } = {}) {
  const p = new timeseries.PanelBuilder().title(title).unit(unit).datasource(PROMETHEUS).gridPos({ x: 0, y: 0, w: opts.w ?? 12, h: 8 }).lineWidth(1).fillOpacity(opts.stack ? 30 : 8);
  if (opts.description) p.description(opts.description);
  queries.forEach((q, i) => p.withTarget(promTarget(q, refIds[i]!)));
  return p;
}

export function single(title: string, unit: string, q: Query, opts: { description?: string; thresholds?: { red: number; green?: number } } = {}) {
  const p = new stat.PanelBuilder().title(title).unit(unit).datasource(PROMETHEUS).gridPos({ x: 0, y: 0, w: 4, h: 4 }).withTarget(promTarget(q, 'A'));
  if (opts.description) p.description(opts.description);
  if (opts.thresholds)
    p.thresholds(
      new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
        { value: null, color: opts.thresholds.green !== undefined ? 'red' : 'green' },
        ...(opts.thresholds.green !== undefined ? [{ value: opts.thresholds.green, color: 'green' }] : [{ value: opts.thresholds.red, color: 'red' }]),
      ]),
    );
  return p;
}

export function promTable(title: string, q: Query, description?: string) {
  const p = new table.PanelBuilder().title(title).datasource(PROMETHEUS).gridPos({ x: 0, y: 0, w: 12, h: 8 }).withTarget(promTarget(q, 'A').instant().format(prometheus.PromQueryFormat.Table));
  if (description) p.description(description);
  return p;
}

/** A Tempo TraceQL search panel; `query` is run by the panel-query test against Tempo's search API. */
export function traceSearch(title: string, traceql: string, description?: string, emptyOk?: string) {
  if (emptyOk) EMPTY_OK.set(traceql, emptyOk);
  const p = new table.PanelBuilder()
    .title(title)
    .datasource(TEMPO)
    .gridPos({ x: 0, y: 0, w: 24, h: 8 })
    .withTarget(new tempo.TempoQueryBuilder().refId('A').datasource(TEMPO).queryType('traceql').query(traceql).limit(20).tableType(tempo.SearchTableType.Traces));
  if (description) p.description(description);
  return p;
}

export function serviceGraph(title: string) {
  return new nodegraph.PanelBuilder().title(title).datasource(TEMPO).gridPos({ x: 0, y: 0, w: 24, h: 10 }).withTarget(new tempo.TempoQueryBuilder().refId('A').datasource(TEMPO).queryType('serviceMap'));
}

/** A dashboard with our conventions: uid, tags, 5 s refresh, last 30 minutes, panels laid out in rows of two. */
export function board(uid: string, title: string, description: string, rows: [string, { build(): dashboard.Panel }[]][]) {
  const d = new dashboard.DashboardBuilder(title).uid(uid).description(description).tags(['faultline', 'generated']).refresh('5s').time({ from: 'now-30m', to: 'now' }).timezone('browser').editable();
  let y = 0;
  let id = 1;
  for (const [row, panels] of rows) {
    d.withRow(new dashboard.RowBuilder(row).id(id++).gridPos({ x: 0, y: y++, w: 24, h: 1 }));
    let x = 0;
    let rowH = 0;
    for (const b of panels) {
      const panel = b.build();
      const { w, h } = panel.gridPos ?? { w: 12, h: 8 };
      if (x + w > 24) {
        x = 0;
        y += rowH;
        rowH = 0;
      }
      panel.gridPos = { x, y, w, h };
      panel.id = id++;
      x += w;
      rowH = Math.max(rowH, h);
      d.withPanel({ build: () => panel });
    }
    y += rowH;
  }
  return d;
}
