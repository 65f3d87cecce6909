/// <reference lib="dom" />
// The live dashboard page: a lit element fed by the server's WebSocket.
// Faro sends the page's own telemetry (errors, web vitals, fetches, and a
// `render aggregate` span per traced update, child of the server's push) to
// the dashboard server, which forwards the traces to Tempo.
import { getWebInstrumentations, initializeFaro, type Faro } from '@grafana/faro-web-sdk';
import { TracingInstrumentation } from '@grafana/faro-web-tracing';
import { css, html, LitElement, nothing, svg } from 'lit';
import type { AggregatesPush, Push, Snapshot, WindowRow } from '../view.js';

let faro: Faro | undefined;
try {
  faro = initializeFaro({
    url: `${location.origin}/faro/collect`,
    app: { name: 'faultline-browser', version: '0.1.0', environment: 'local' },
    instrumentations: [...getWebInstrumentations({ captureConsole: false }), new TracingInstrumentation()],
    batching: { enabled: true, sendTimeout: 1000 },
  });
} catch (e) {
  console.error('Faro did not start; the dashboard works without browser telemetry', e);
}

/** A `render aggregate` span in the event's trace: its parent is the server's `websocket push`. */
function renderSpan(row: WindowRow): (() => void) | undefined {
  const otel = faro?.api.getOTEL();
  const m = row.traceparent && /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(row.traceparent);
  if (!otel || !m) return undefined;
  const parent = otel.trace.setSpanContext(otel.context.active(), { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true });
  const span = otel.trace.getTracer('faultline-dashboard').startSpan('render aggregate', { attributes: { 'faultline.window': row.windowStart, 'faultline.service': row.service, 'faultline.level': row.level, 'faultline.count': row.count } }, parent);
  return () => span.end();
}

const HISTORY = 60;
const fmt = (n: number | null | undefined, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en', { maximumFractionDigits: digits }));
const ms = (n: number | null) => (n === null ? '–' : n > 1e9 ? '> 10 s' : `≤ ${fmt(n)} ms`);

export class FaultlineDashboard extends LitElement {
  static override properties = {
    snapshot: { state: true },
    windows: { state: true },
    connection: { state: true },
    flashed: { state: true },
  };

  // reactive properties are declared, not defined as class fields (which would shadow lit's accessors)
  declare snapshot?: Snapshot;
  declare windows: WindowRow[];
  declare connection: 'connecting' | 'live' | 'reconnecting';
  declare flashed: Set<string>;

  constructor() {
    super();
    this.windows = [];
    this.connection = 'connecting';
    this.flashed = new Set();
  }

  private history: Record<string, number[]> = {};
  private ws?: WebSocket;
  private retry = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    this.connect();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.ws?.close();
  }

  private connect(): void {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () => {
      this.connection = 'live';
      this.retry = 0;
    };
    ws.onmessage = (e) => this.receive(JSON.parse(String(e.data)) as Push);
    ws.onclose = () => {
      this.connection = 'reconnecting';
      // bounded backoff: 0.5 s doubling up to 8 s
      setTimeout(() => this.isConnected && this.connect(), Math.min(8000, 500 * 2 ** this.retry++));
    };
  }

  private receive(msg: Push): void {
    if (msg.type === 'snapshot') {
      this.snapshot = msg;
      for (const [stage, rate] of Object.entries(msg.rates)) (this.history[stage] ??= []).push(rate);
      for (const h of Object.values(this.history)) h.splice(0, Math.max(0, h.length - HISTORY));
    } else this.merge(msg);
  }

  private merge(msg: AggregatesPush): void {
    const byKey = new Map(this.windows.map((w) => [`${w.windowStart}|${w.service}|${w.level}`, w]));
    const ends: (() => void)[] = [];
    const flashed = new Set<string>();
    for (const r of msg.rows) {
      const k = `${r.windowStart}|${r.service}|${r.level}`;
      byKey.set(k, r);
      flashed.add(k);
      const end = renderSpan(r);
      if (end) ends.push(end);
    }
    this.windows = [...byKey.values()].sort((a, b) => b.windowStart.localeCompare(a.windowStart) || a.service.localeCompare(b.service) || a.level.localeCompare(b.level)).slice(0, 200);
    this.flashed = flashed;
    void this.updateComplete.then(() => ends.forEach((end) => end()));
  }

  static override styles = css`
    :host { display: block; padding: 16px 24px; max-width: 1280px; margin: 0 auto; }
    header { display: flex; align-items: baseline; gap: 16px; margin-bottom: 12px; }
    h1 { font-size: 20px; margin: 0; }
    h2 { font-size: 14px; text-transform: uppercase; letter-spacing: 0.04em; color: #5b6573; margin: 20px 0 8px; }
    .pill { padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; }
    .live { background: #d8f5e3; color: #11643a; }
    .connecting, .reconnecting { background: #fdf0d5; color: #7a5200; }
    .muted { color: #6b7580; font-size: 12px; }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
    .card { background: #fff; border: 1px solid #e1e5ea; border-radius: 8px; padding: 12px 14px; }
    .card .label { color: #5b6573; font-size: 12px; }
    .card .value { font-size: 26px; font-weight: 600; font-variant-numeric: tabular-nums; }
    .bad .value { color: #b3261e; }
    .ok .value { color: #11643a; }
    table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #e1e5ea; border-radius: 8px; overflow: hidden; }
    th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #eef1f4; font-variant-numeric: tabular-nums; }
    th { background: #f0f2f5; font-weight: 600; font-size: 12px; color: #4a5360; }
    td.num, th.num { text-align: right; }
    tr.flash td { background: #fff7d6; transition: background 1s; }
    .grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
    .lvl-error, .lvl-fatal { color: #b3261e; font-weight: 600; }
    .lvl-warn { color: #8a5a00; }
    svg { display: block; margin-top: 4px; }
    .empty { color: #6b7580; padding: 10px; background: #fff; border: 1px dashed #d5dae0; border-radius: 8px; }
  `;

  private spark(values: number[] = []) {
    const w = 150;
    const h = 28;
    if (values.length < 2) return svg`<svg width=${w} height=${h}></svg>`;
    const max = Math.max(1, ...values);
    const pts = values.map((v, i) => `${((i / (HISTORY - 1)) * w).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`).join(' ');
    return svg`<svg width=${w} height=${h}><polyline points=${pts} fill="none" stroke="#2f6fdf" stroke-width="1.5"/></svg>`;
  }

  override render() {
    const s = this.snapshot;
    const b = s?.brokers;
    const stages = ['ingest', 'process', 'aggregate'];
    return html`
      <header>
        <h1>Faultline · live pipeline</h1>
        <span class="pill ${this.connection}" data-testid="connection">${this.connection}</span>
        <span class="muted">${s ? `updated ${new Date(s.at).toLocaleTimeString()}` : 'waiting for the first snapshot'}</span>
        ${s && s.prometheus !== 'ok' ? html`<span class="pill reconnecting">Prometheus ${s.prometheus}</span>` : nothing}
      </header>

      <div class="cards">
        <div class="card ${b && b.online !== null && b.online < b.expected ? 'bad' : 'ok'}"><div class="label">brokers online</div><div class="value" data-testid="brokers-online">${fmt(b?.online)} / ${b?.expected ?? 3}</div></div>
        <div class="card ${b?.underReplicated ? 'bad' : 'ok'}"><div class="label">under-replicated partitions</div><div class="value" data-testid="under-replicated">${fmt(b?.underReplicated)}</div></div>
        <div class="card ${b?.offline ? 'bad' : 'ok'}"><div class="label">offline partitions</div><div class="value">${fmt(b?.offline)}</div></div>
        <div class="card ${s?.totals.dlq ? 'bad' : ''}"><div class="label">dead-lettered (since start)</div><div class="value" data-testid="dlq-total">${fmt(s?.totals.dlq)}</div></div>
      </div>

      <h2>Events per second (30 s rate)</h2>
      <div class="cards">
        ${stages.map(
          (st) => html`<div class="card"><div class="label">${st}</div><div class="value" data-testid="rate-${st}">${fmt(s?.rates[st], 0)}</div>${this.spark(this.history[st])}</div>`,
        )}
      </div>

      <div class="grid2">
        <div>
          <h2>Window aggregates (10 s, committed)</h2>
          ${this.windows.length
            ? html`<table data-testid="aggregates">
                <thead><tr><th>window</th><th>service</th><th>level</th><th class="num">events</th><th class="num">p50</th><th class="num">p99</th></tr></thead>
                <tbody>
                  ${this.windows.slice(0, 24).map(
                    (w) => html`<tr class=${this.flashed.has(`${w.windowStart}|${w.service}|${w.level}`) ? 'flash' : ''}>
                      <td>${new Date(w.windowStart).toLocaleTimeString()}</td><td>${w.service}</td><td class="lvl-${w.level}">${w.level}</td>
                      <td class="num" data-testid="window-count">${fmt(w.count)}</td><td class="num">${ms(w.p50Ms)}</td><td class="num">${ms(w.p99Ms)}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<div class="empty">no aggregates committed since this page opened; post events to the ingest API</div>`}
        </div>
        <div>
          <h2>Consumer lag (from the lag exporter)</h2>
          ${s?.lag.length
            ? html`<table data-testid="lag">
                <thead><tr><th>group</th><th>topic</th><th class="num">partition</th><th class="num">offsets</th><th class="num">seconds</th></tr></thead>
                <tbody>
                  ${s.lag.map(
                    (l) => html`<tr><td>${l.group}</td><td>${l.topic}</td><td class="num">${l.partition}</td><td class="num">${fmt(l.offsets)}</td>
                      <td class="num ${l.seconds !== null && l.seconds > 30 ? 'lvl-error' : ''}">${fmt(l.seconds, 1)}</td></tr>`,
                  )}
                </tbody>
              </table>`
            : html`<div class="empty">no lag series yet (the lag exporter samples every 5 s)</div>`}
          <h2>Dead-letter queue (latest)</h2>
          ${s?.dlq.length
            ? html`<table data-testid="dlq">
                <thead><tr><th>at</th><th>reason</th><th>source</th></tr></thead>
                <tbody>${s.dlq.map((d) => html`<tr title=${d.value}><td>${new Date(d.at).toLocaleTimeString()}</td><td class="lvl-error">${d.reason}</td><td>${d.source}</td></tr>`)}</tbody>
              </table>`
            : html`<div class="empty">nothing dead-lettered since the dashboard started</div>`}
        </div>
      </div>
    `;
  }
}

customElements.define('faultline-dashboard', FaultlineDashboard);
