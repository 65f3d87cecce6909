// index.html over every run in the out directory: newest first, plus a side-by-side comparison
// of two runs driven by inline JS over an embedded JSON of their summaries.
import type { RunResult } from './model.js';
import { passed } from './model.js';
import { esc, fmtDuration, jsonForScript, page, validityPill } from './html.js';

/** What the comparison needs of a run; embedding whole runs would carry every series point. */
const summary = (r: RunResult) => ({
  runId: r.runId,
  experiment: r.experiment,
  startedAt: r.startedAt,
  verdict: r.verdict,
  expectInvalid: r.expectInvalid === true,
  passed: passed(r),
  checks: r.checks.map((c) => ({ name: c.name, valid: c.valid, summary: c.summary })),
  workload: r.workload,
});

// Builds cells with textContent only: run strings never become markup.
const COMPARE_SCRIPT = `
(function () {
  var runs = JSON.parse(document.getElementById('runs-data').textContent);
  var a = document.getElementById('cmp-a'), b = document.getElementById('cmp-b'), body = document.querySelector('#cmp-table tbody');
  var head = document.querySelectorAll('#cmp-table thead th');
  runs.forEach(function (r) {
    [a, b].forEach(function (sel) {
      var o = document.createElement('option');
      o.value = r.runId; o.textContent = r.runId + ' · ' + r.experiment;
      sel.appendChild(o);
    });
  });
  if (runs.length > 1) b.selectedIndex = 1;
  var text = function (v) { return v === true ? 'VALID' : v === false ? 'INVALID' : 'UNKNOWN'; };
  var cls = function (v) { return v === true ? 'ok' : v === false ? 'bad' : 'unk'; };
  function cell(tr, v, s) {
    var td = document.createElement('td');
    if (v !== undefined) { var p = document.createElement('span'); p.className = 'pill ' + cls(v); p.textContent = text(v); td.appendChild(p); td.appendChild(document.createTextNode(' ')); }
    td.appendChild(document.createTextNode(s));
    tr.appendChild(td);
  }
  function row(label, ca, cb, differ) {
    var tr = document.createElement('tr');
    if (differ) tr.className = 'diff';
    var th = document.createElement('td'); th.textContent = label; tr.appendChild(th);
    cell(tr, ca[0], ca[1]); cell(tr, cb[0], cb[1]);
    body.appendChild(tr);
  }
  function render() {
    var ra = runs.find(function (r) { return r.runId === a.value; }), rb = runs.find(function (r) { return r.runId === b.value; });
    body.textContent = '';
    if (!ra || !rb) return;
    head[1].textContent = ra.runId; head[2].textContent = rb.runId;
    row('verdict', [ra.verdict, ra.passed ? 'pass' : 'fail'], [rb.verdict, rb.passed ? 'pass' : 'fail'], ra.verdict !== rb.verdict);
    var names = [];
    ra.checks.concat(rb.checks).forEach(function (c) { if (names.indexOf(c.name) < 0) names.push(c.name); });
    names.forEach(function (n) {
      var ca = ra.checks.find(function (c) { return c.name === n; }), cb = rb.checks.find(function (c) { return c.name === n; });
      row(n, ca ? [ca.valid, ca.summary] : [undefined, '—'], cb ? [cb.valid, cb.summary] : [undefined, '—'], !ca || !cb || ca.valid !== cb.valid);
    });
    Object.keys(ra.workload).forEach(function (k) {
      row('workload ' + k, [undefined, String(ra.workload[k])], [undefined, String(rb.workload[k])], ra.workload[k] !== rb.workload[k]);
    });
  }
  a.addEventListener('change', render); b.addEventListener('change', render);
  render();
})();
`;

const INDEX_CSS = `
.controls { display: flex; gap: 16px; align-items: center; margin: 8px 0 12px; flex-wrap: wrap; }
select { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; max-width: 480px; }
#cmp-table td:first-child { white-space: nowrap; font-weight: 600; width: 20%; }
#cmp-table td { width: 40%; }
tr.diff td { background: #fffbea; } tr.diff td:first-child { box-shadow: inset 3px 0 0 #d4a72c; }
`;

export function renderIndex(runs: RunResult[]): string {
  const sorted = [...runs].sort((x, y) => Date.parse(y.startedAt) - Date.parse(x.startedAt) || y.runId.localeCompare(x.runId));
  const rows = sorted.map((r) => {
    const ok = passed(r);
    return (
      `<tr class="run"><td><a href="${esc(encodeURIComponent(r.runId))}/report.html"><code>${esc(r.runId)}</code></a></td><td>${esc(r.kind)}</td>` +
      `<td>${esc(r.experiment)}${r.expectInvalid ? ' <span class="muted">(negative control)</span>' : ''}</td><td>${esc(r.startedAt)}</td><td class="num">${fmtDuration(r.durationMs)}</td>` +
      `<td>${validityPill(r.verdict)}</td><td><span class="pill ${ok ? 'ok' : 'bad'}">${ok ? 'PASS' : 'FAIL'}</span></td></tr>`
    );
  });
  const body = `
<h1>Faultline runs</h1>
<p class="muted">${sorted.length} run${sorted.length === 1 ? '' : 's'}, newest first. A negative control passes when it is judged INVALID.</p>
<table id="runs"><thead><tr><th>run</th><th>kind</th><th>experiment</th><th>started</th><th class="num">duration</th><th>verdict</th><th>result</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<h2>Compare two runs</h2>
<div class="controls"><label>A <select id="cmp-a"></select></label><label>B <select id="cmp-b"></select></label></div>
<p class="muted">Rows marked at the left differ between the two runs.</p>
<table id="cmp-table"><thead><tr><th></th><th>A</th><th>B</th></tr></thead><tbody></tbody></table>`;
  const scripts = `<script type="application/json" id="runs-data">${jsonForScript(sorted.map(summary))}</script>\n<script>${COMPARE_SCRIPT}</script>`;
  return page('Faultline runs', body, INDEX_CSS, scripts);
}
