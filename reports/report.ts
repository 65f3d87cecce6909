// One run's report.html: verdicts, counterexamples, faults, workload, phases and Chart.js timelines
// with fault bands, all in a single file that opens offline (the Chart.js bundle is inlined).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CheckResult, RunResult } from './model.js';
import { controlOutcome, passed } from './model.js';

type Counterexample = CheckResult['counterexamples'][number];
import { esc, fmtDuration, fmtNum, fmtS, jsonForScript, page, validityClass, validityPill, validityText } from './html.js';

let chartBundle: string | undefined;

/** Read once per process; the `</script` escape keeps the bundle from closing its own element. */
export function chartJs(): string {
  if (chartBundle === undefined) {
    const dist = dirname(createRequire(import.meta.url).resolve('chart.js'));
    chartBundle = readFileSync(join(dist, 'chart.umd.min.js'), 'utf8')
      .replace(/<\/script/gi, '<\\/script')
      .replace(/\n\/\/# sourceMappingURL=.*$/m, '');
  }
  return chartBundle;
}

const RECOVERY = 'recovery-bounds';

function badge(run: RunResult): string {
  const ok = passed(run);
  if (run.expectInvalid) {
    const { caught, why } = controlOutcome(run);
    if (caught) return bigBadge('ok', 'INVALID', `negative control: ${why}`, 'PASS');
    return bigBadge(run.verdict === 'unknown' ? 'unk' : 'bad', 'CONTROL NOT CAUGHT', `negative control: ${why}`, 'FAIL');
  }
  return bigBadge(validityClass(run.verdict), validityText(run.verdict), ok ? 'every check holds' : 'composed verdict of the checks below', ok ? 'PASS' : 'FAIL');
}

const bigBadge = (cls: string, text: string, sub: string, pass: string): string =>
  `<div class="verdict ${cls}"><div class="big">${esc(text)}</div><div class="sub">${esc(sub)}</div><div class="passfail">${pass}</div></div>`;

const statChips = (stats: Record<string, number>): string =>
  Object.entries(stats)
    .map(([k, v]) => `<span class="stat">${esc(k)} <b>${esc(fmtNum(v))}</b></span>`)
    .join('');

function verdictTable(checks: CheckResult[]): string {
  if (checks.length === 0) return '<p class="muted">No checks ran.</p>';
  const rows = checks.map(
    (c) =>
      `<tr class="check" data-check="${esc(c.name)}"><td><b>${esc(c.name)}</b></td><td>${esc(c.property)}</td><td>${validityPill(c.valid)}</td><td>${esc(c.summary)}</td><td>${statChips(c.stats)}</td></tr>`,
  );
  return `<table id="verdicts"><thead><tr><th>check</th><th>property</th><th>valid</th><th>summary</th><th>key stats</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function counterexampleTable(cs: Counterexample[]): string {
  const rows = cs.map((c) => {
    const where = (c.where ?? []).map((l) => `<code>${esc(l.topic)}/${esc(l.partition)}@${esc(l.offset)}</code>`).join('<br>');
    return `<tr><td><code>${esc(c.id ?? '—')}</code></td><td>${esc(c.what)}</td><td>${where || '—'}</td><td>${esc((c.during ?? []).join(', ') || '—')}</td><td><code>${esc(c.traceId ?? '—')}</code></td><td class="num">${fmtS(c.time)}</td></tr>`;
  });
  return `<table class="cx"><thead><tr><th>id</th><th>what</th><th>where (topic/partition@offset)</th><th>during</th><th>trace id</th><th class="num">time s</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function counterexamples(checks: CheckResult[]): string {
  const failing = checks.filter((c) => c.valid !== true);
  if (failing.length === 0) return '<p class="muted">Every check holds; nothing to show.</p>';
  return failing
    .map(
      (c) =>
        `<h3>${esc(c.name)} ${validityPill(c.valid)}</h3><p class="muted">${esc(c.summary)}</p>` +
        (c.counterexamples.length ? counterexampleTable(c.counterexamples) : '<p class="muted">No counterexamples recorded.</p>'),
    )
    .join('');
}

function faults(run: RunResult): string {
  const rb = run.checks.find((c) => c.name === RECOVERY);
  const head = `<tr><th>#</th><th>fault</th><th>targets</th><th class="num">start s</th><th class="num">end s</th><th class="num">duration s</th>${rb ? '<th class="num">max unavailable s</th>' : ''}</tr>`;
  const rows = run.faults.map((f, i) => {
    const end = f.end ?? run.durationMs;
    const unavailable = rb?.stats[`maxUnavailableMs:${i}`];
    return (
      `<tr><td class="num">${i}</td><td><b>${esc(f.fault)}</b></td><td>${esc(f.targets.join(', '))}</td><td class="num">${fmtS(f.start)}</td>` +
      `<td class="num">${f.end === undefined ? '<span class="muted" title="healed by the final phase">healed at end</span>' : fmtS(f.end)}</td><td class="num">${fmtS(end - f.start)}</td>` +
      (rb ? `<td class="num">${fmtS(unavailable)}</td>` : '') +
      '</tr>'
    );
  });
  const table = run.faults.length ? `<table id="faults"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>` : '<p class="muted">No faults were injected.</p>';
  const recovery = rb
    ? `<h3>${RECOVERY} ${validityPill(rb.valid)}</h3><p>${esc(rb.summary)}</p><p>${statChips(rb.stats)}</p>` +
      (rb.counterexamples.length ? counterexampleTable(rb.counterexamples) : '')
    : '';
  return table + recovery;
}

function workload(w: RunResult['workload']): string {
  const cards: [string, number][] = [
    ['invoked', w.invoked],
    ['ok', w.ok],
    ['fail', w.fail],
    ['info (unknown)', w.info],
    ['events', w.events],
    ['events acknowledged', w.eventsAcknowledged],
  ];
  return `<div class="cards">${cards.map(([k, v]) => `<div class="card"><div class="v">${fmtNum(v)}</div><div class="k">${k}</div></div>`).join('')}</div>`;
}

/** Phases and faults on one to-scale strip, so the table below reads at a glance. */
function timeline(run: RunResult): string {
  const total = Math.max(run.durationMs, 1);
  const pct = (ms: number): string => `${Math.min(100, Math.max(0, (ms / total) * 100)).toFixed(2)}%`;
  const seg = (cls: string, start: number, end: number, label: string): string =>
    `<div class="${cls}" style="left:${pct(start)};width:calc(${pct(end)} - ${pct(start)})" title="${esc(label)}">${esc(label)}</div>`;
  const phases = run.phases.map((p) => seg('seg phase', p.start, p.end, p.name)).join('');
  const fs = run.faults.map((f) => seg('seg fault', f.start, f.end ?? run.durationMs, `${f.fault} ${f.targets.join(', ')}`)).join('');
  return `<div class="strip">${phases}</div>${run.faults.length ? `<div class="strip">${fs}</div>` : ''}<div class="axis"><span>0 s</span><span>${fmtS(run.durationMs)} s</span></div>`;
}

function phases(run: RunResult): string {
  if (run.phases.length === 0) return '<p class="muted">No phases recorded.</p>';
  const rows = run.phases.map((p) => `<tr><td>${esc(p.name)}</td><td class="num">${fmtS(p.start)}</td><td class="num">${fmtS(p.end)}</td><td class="num">${fmtS(p.end - p.start)}</td></tr>`);
  return timeline(run) + `<table id="phases"><thead><tr><th>phase</th><th class="num">start s</th><th class="num">end s</th><th class="num">duration s</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function charts(run: RunResult): string {
  if (run.series.length === 0) return '<p class="muted">No timelines recorded.</p>';
  return run.series
    .map(
      (s, i) =>
        `<figure class="chart"><figcaption><b>${esc(s.title)}</b> <span class="muted">(${esc(s.unit)})</span></figcaption><div class="box"><canvas id="chart-${i}"></canvas></div><pre class="query">${esc(s.query)}</pre></figure>`,
    )
    .join('');
}

/** Series points are epoch ms; the charts share the tables' axis, seconds since the run started. */
function chartData(run: RunResult): unknown {
  const toS = (t: number): number => Math.round(t - run.epochMs) / 1000;
  return {
    xMax: run.durationMs / 1000,
    faults: run.faults.map((f) => ({ label: `${f.fault} ${f.targets.join(', ')}`, start: f.start / 1000, end: (f.end ?? run.durationMs) / 1000 })),
    series: run.series.map((s) => ({ unit: s.unit, lines: s.lines.map((l) => ({ label: l.label, points: l.points.map(([t, v]) => [toS(t), v]) })) })),
  };
}

// Runs in the page; reads only the JSON element, so no run string is ever evaluated as code.
const CHART_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var palette = ['#0969da', '#bf3989', '#1a7f37', '#9a6700', '#8250df', '#cf222e', '#1b7c83', '#57606a'];
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  Chart.defaults.color = '#59636e';
  var faultBands = {
    id: 'faultBands',
    beforeDraw: function (chart) {
      var a = chart.chartArea, x = chart.scales.x, ctx = chart.ctx;
      if (!a || !x) return;
      ctx.save();
      ctx.font = '11px system-ui, sans-serif';
      data.faults.forEach(function (f) {
        var x0 = Math.max(a.left, x.getPixelForValue(f.start)), x1 = Math.min(a.right, x.getPixelForValue(f.end));
        if (!(x1 > x0)) return;
        ctx.fillStyle = 'rgba(207, 34, 46, 0.10)';
        ctx.fillRect(x0, a.top, x1 - x0, a.bottom - a.top);
        ctx.fillStyle = 'rgba(207, 34, 46, 0.8)';
        ctx.fillText(f.label, x0 + 4, a.top + 13, Math.max(0, x1 - x0 - 6));
      });
      ctx.restore();
    }
  };
  data.series.forEach(function (s, i) {
    new Chart(document.getElementById('chart-' + i), {
      type: 'line',
      data: { datasets: s.lines.map(function (l, j) {
        var c = palette[j % palette.length];
        return { label: l.label, data: l.points.map(function (p) { return { x: p[0], y: p[1] }; }), borderColor: c, backgroundColor: c, borderWidth: 1.6, pointRadius: 0, tension: 0 };
      }) },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: { type: 'linear', min: 0, max: data.xMax, title: { display: true, text: 'seconds since run start' } },
          y: { beginAtZero: true, title: { display: true, text: s.unit } }
        },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 2 } } }
      },
      plugins: [faultBands]
    });
  });
})();
`;

const REPORT_CSS = `
header { display: flex; gap: 24px; align-items: flex-start; justify-content: space-between; padding-bottom: 16px; border-bottom: 1px solid var(--line); }
header .meta { margin-top: 8px; font-size: 13px; }
header .meta span { margin-right: 14px; white-space: nowrap; }
.verdict { min-width: 240px; max-width: 320px; text-align: center; border-radius: 10px; padding: 12px 16px; border: 2px solid currentColor; }
.verdict .big { font-size: 30px; font-weight: 800; letter-spacing: 1px; line-height: 1.1; }
.verdict .sub { font-size: 12.5px; margin-top: 4px; }
.verdict .passfail { font-size: 12px; font-weight: 700; margin-top: 6px; opacity: .8; }
#verdicts td:nth-child(1) { min-width: 150px; max-width: 220px; } #verdicts td:nth-child(2) { min-width: 260px; } #verdicts td:nth-child(5) { max-width: 300px; }
table.cx td { font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--bg); }
.card .v { font-size: 20px; font-weight: 700; font-variant-numeric: tabular-nums; } .card .k { color: var(--muted); font-size: 12px; }
.strip { position: relative; height: 24px; margin: 4px 0; background: var(--bg); border-radius: 4px; }
.seg { position: absolute; top: 0; bottom: 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font-size: 11.5px; line-height: 24px; padding: 0 6px; border-right: 1px solid #fff; }
.seg.phase { background: #ddf4ff; color: #0550ae; } .seg.fault { background: rgba(207,34,46,.16); color: var(--bad); border-radius: 3px; }
.axis { display: flex; justify-content: space-between; font-size: 11px; color: var(--muted); margin-bottom: 8px; }
figure.chart { margin: 16px 0 26px; } figure.chart figcaption { margin-bottom: 6px; }
figure.chart .box { position: relative; height: 280px; }
pre.query { margin-top: 6px; font-size: 12px; color: var(--muted); }
#phases { width: auto; min-width: 560px; }
#config td:first-child { white-space: nowrap; width: 30%; }
@media (max-width: 900px) { header { flex-direction: column; } .cards { grid-template-columns: repeat(3, 1fr); } }
`;

export function renderReport(run: RunResult): string {
  const config = Object.entries(run.config)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `<tr><td><code>${esc(k)}</code></td><td><code>${esc(v)}</code></td></tr>`)
    .join('');
  const notes = run.notes.length ? `<ul>${run.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '<p class="muted">None.</p>';
  const body = `
<header>
  <div>
    <h1>${esc(run.experiment)}</h1>
    <p>${esc(run.description)}</p>
    <p class="meta muted"><span>run <code>${esc(run.runId)}</code></span><span>${esc(run.kind)}${run.expectInvalid ? ' · negative control' : ''}</span><span>started ${esc(run.startedAt)}</span><span>duration ${fmtDuration(run.durationMs)}</span></p>
  </div>
  ${badge(run)}
</header>
<h2>Verdicts</h2>
${verdictTable(run.checks)}
<h2>Counterexamples</h2>
${counterexamples(run.checks)}
<h2>Faults</h2>
${faults(run)}
<h2>Workload</h2>
${workload(run.workload)}
<h2>Phases</h2>
${phases(run)}
<h2>Timelines</h2>
<p class="muted">Shaded bands are fault windows.</p>
${charts(run)}
<h2>Configuration</h2>
${Object.keys(run.config).length ? `<table id="config"><tbody>${config}</tbody></table>` : '<p class="muted">None recorded.</p>'}
<h2>Replay</h2>
<pre id="replay">${esc(run.command)}</pre>
<h2>Notes</h2>
${notes}`;
  const scripts = run.series.length
    ? `<script type="application/json" id="report-data">${jsonForScript(chartData(run))}</script>\n<script>${chartJs()}</script>\n<script>${CHART_SCRIPT}</script>`
    : '';
  return page(`${run.experiment} · ${run.runId}`, body, REPORT_CSS, scripts);
}
