// A campaign: many runs of many experiments (`just chaos campaign`), summed up per experiment and coordination mode
// on one page, with the totals first and a trend over the earlier campaigns in the same out directory. Its files:
// campaign.json (the source of truth, rewritten after every run, so an interrupted campaign resumes from it),
// campaign.html and junit.xml, under reports/out/<campaign-id>/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { controlOutcome, passed, type RunResult, type Validity } from './model.js';
import { esc, fmtNum, fmtS, jsonForScript, page, validityPill, validityText } from './html.js';
import { chartJs } from './report.js';
import { readEach, writeAtomic } from './write.js';
import { xmlText } from './junit.js';

/** One planned run of a campaign: which experiment, on which coordination mode, which round, with which seed. */
export interface PlannedRun {
  /** `<experiment>@<coordination>#<round>`: what makes a run already done when the campaign resumes. */
  key: string;
  experiment: string;
  coordination: string;
  round: number;
  seed: number;
}

/** What a campaign keeps of one finished run (the run's own files are in its directory). */
export interface CampaignRun extends PlannedRun {
  /** The run's id (its directory beside the campaign's), absent when it could not run. */
  runId?: string;
  verdict: Validity | 'error';
  /** Valid, or for a negative control caught by the checks it targets. */
  passed: boolean;
  control: boolean;
  /** Checks judged INVALID (or UNKNOWN), by name. */
  failing: string[];
  faults: number;
  acknowledged: number;
  lost: number;
  /** Extra copies beyond one per write attempt, in the input topic and in the processed topic. */
  duplicated: number;
  wrongWindows: number;
  maxUnavailableMs?: number;
  durationMs: number;
  /** Why the run could not run or finish (a deploy that failed, a timeout). */
  error?: string;
}

export interface CampaignResult {
  campaignId: string;
  startedAt: string;
  finishedAt?: string;
  /** The command that started it (and resumes it). */
  command: string;
  options: { experiments: string[]; rounds: number; durationS?: number; coordination: string[]; seed: number; provider: string; client?: string };
  plan: PlannedRun[];
  /** Experiments left out of a mode because one of their faults does not apply to it (e.g. zookeeper-kill on KRaft). */
  skipped: { experiment: string; coordination: string; why: string }[];
  runs: CampaignRun[];
}

const stat = (r: RunResult, check: string, key: string): number => r.checks.find((c) => c.name === check)?.stats[key] ?? 0;

/** The campaign's line for a finished run, from its results. */
export function campaignRun(planned: PlannedRun, r: RunResult): CampaignRun {
  const recovery = r.checks.find((c) => c.name === 'recovery-bounds');
  return {
    ...planned,
    runId: r.runId,
    verdict: r.verdict,
    passed: passed(r),
    control: r.expectInvalid === true,
    failing: r.checks.filter((c) => c.valid !== true).map((c) => c.name),
    faults: r.faults.length,
    acknowledged: r.workload.eventsAcknowledged,
    lost: stat(r, 'no-lost-writes', 'lost'),
    duplicated: stat(r, 'no-duplicates', 'extraCopies') + stat(r, 'no-duplicates (processed)', 'extraCopies'),
    wrongWindows: stat(r, 'aggregates-equal-recomputed', 'wrong') + stat(r, 'aggregates-equal-recomputed', 'missing'),
    ...(recovery ? { maxUnavailableMs: recovery.stats.maxUnavailableMs ?? 0 } : {}),
    durationMs: r.durationMs,
  };
}

/** One row per experiment and mode. */
export interface CampaignRow {
  experiment: string;
  coordination: string;
  control: boolean;
  runs: number;
  passed: number;
  valid: number;
  invalid: number;
  unknown: number;
  errors: number;
  faults: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
  wrongWindows: number;
  medianUnavailableMs?: number;
  maxUnavailableMs?: number;
  runIds: string[];
}

export function campaignRows(runs: CampaignRun[]): CampaignRow[] {
  const rows = new Map<string, CampaignRow>();
  const unavailable = new Map<string, number[]>();
  for (const r of runs) {
    const k = `${r.experiment}@${r.coordination}`;
    const row = rows.get(k) ?? { experiment: r.experiment, coordination: r.coordination, control: r.control, runs: 0, passed: 0, valid: 0, invalid: 0, unknown: 0, errors: 0, faults: 0, acknowledged: 0, lost: 0, duplicated: 0, wrongWindows: 0, runIds: [] };
    row.runs++;
    row.control ||= r.control;
    if (r.passed) row.passed++;
    if (r.verdict === true) row.valid++;
    else if (r.verdict === false) row.invalid++;
    else if (r.verdict === 'unknown') row.unknown++;
    else row.errors++;
    row.faults += r.faults;
    row.acknowledged += r.acknowledged;
    row.lost += r.lost;
    row.duplicated += r.duplicated;
    row.wrongWindows += r.wrongWindows;
    if (r.runId) row.runIds.push(r.runId);
    if (r.maxUnavailableMs !== undefined) unavailable.set(k, [...(unavailable.get(k) ?? []), r.maxUnavailableMs]);
    rows.set(k, row);
  }
  for (const [k, row] of rows) {
    const us = (unavailable.get(k) ?? []).sort((a, b) => a - b);
    if (us.length) Object.assign(row, { medianUnavailableMs: us[Math.floor((us.length - 1) / 2)], maxUnavailableMs: us.at(-1) });
  }
  return [...rows.values()];
}

/**
 * The totals a user signs off on: the safe experiments' runs (faults, acknowledged, lost, duplicated, wrong
 * windows, how many passed) and the controls' catch rate. A control's own losses are its point, not a finding.
 */
export function campaignTotals(c: Pick<CampaignResult, 'runs' | 'plan'>) {
  const safe = c.runs.filter((r) => !r.control);
  const controls = c.runs.filter((r) => r.control);
  const sum = (f: (r: CampaignRun) => number) => safe.reduce((s, r) => s + f(r), 0);
  return {
    planned: c.plan.length,
    done: c.runs.length,
    runs: safe.length,
    passed: safe.filter((r) => r.passed).length,
    faults: sum((r) => r.faults),
    acknowledged: sum((r) => r.acknowledged),
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    wrongWindows: sum((r) => r.wrongWindows),
    controls: controls.length,
    caught: controls.filter((r) => r.passed).length,
  };
}

const looksLikeCampaign = (v: unknown): v is CampaignResult => {
  const c = v as Partial<CampaignResult> | null;
  return !!c && typeof c.campaignId === 'string' && typeof c.startedAt === 'string' && Array.isArray(c.runs) && Array.isArray(c.plan);
};

/** Every campaign in an out directory, oldest first (the trend). */
export const readCampaigns = (outRoot: string): CampaignResult[] =>
  readEach(outRoot, 'campaign.json', looksLikeCampaign).sort((a, b) => a.startedAt.localeCompare(b.startedAt));

const verdictCell = (r: CampaignRun): string =>
  r.verdict === 'error' ? '<span class="pill bad">ERROR</span>' : `${validityPill(r.verdict)}${r.control ? ` <span class="pill ${r.passed ? 'ok' : 'bad'}">${r.passed ? 'caught' : 'NOT CAUGHT'}</span>` : ''}`;

const runLink = (r: CampaignRun): string => (r.runId ? `<a href="../${encodeURIComponent(r.runId)}/report.html">${esc(r.runId)}</a>` : '<span class="muted">no run</span>');

const CSS = `
.totals { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0; }
.total { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 140px; }
.total .n { font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; } .total .l { color: var(--muted); font-size: 12.5px; }
.total.bad .n { color: var(--bad); } .total.ok .n { color: var(--ok); }
tr.control td:first-child::after { content: ' (negative control)'; color: var(--muted); font-weight: 400; }
#trend-box { position: relative; height: 260px; }
`;

const TREND_SCRIPT = `
(function () {
  var d = JSON.parse(document.getElementById('trend-data').textContent);
  new Chart(document.getElementById('trend'), {
    type: 'line',
    data: { labels: d.labels, datasets: [
      { label: 'safe runs passed (%)', data: d.passRate, yAxisID: 'y', borderColor: '#1a7f37', backgroundColor: '#1a7f37' },
      { label: 'controls caught (%)', data: d.catchRate, yAxisID: 'y', borderColor: '#0969da', backgroundColor: '#0969da' },
      { label: 'lost + duplicated events', data: d.bad, yAxisID: 'y2', borderColor: '#cf222e', backgroundColor: '#cf222e' }
    ] },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100, title: { display: true, text: '%' } }, y2: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'events' } } } }
  });
})();
`;

export function renderCampaign(c: CampaignResult, earlier: CampaignResult[] = []): string {
  const t = campaignTotals(c);
  const rows = campaignRows(c.runs);
  const total = (n: number, label: string, cls = '') => `<div class="total ${cls}"><div class="n">${esc(fmtNum(n))}</div><div class="l">${esc(label)}</div></div>`;
  const state = c.finishedAt ? `finished ${esc(c.finishedAt)}` : `<b>unfinished</b>: ${t.done} of ${t.planned} runs done; the same command resumes it`;
  const rowHtml = rows
    .map(
      (r) =>
        `<tr class="row${r.control ? ' control' : ''}"><td><b>${esc(r.experiment)}</b></td><td>${esc(r.coordination)}</td><td class="num">${r.runs}</td>` +
        `<td class="num"><span class="pill ${r.passed === r.runs ? 'ok' : 'bad'}">${r.passed}/${r.runs}</span></td>` +
        `<td class="num">${r.valid} / ${r.invalid} / ${r.unknown}${r.errors ? ` / <b>${r.errors} error</b>` : ''}</td>` +
        `<td class="num">${fmtNum(r.faults)}</td><td class="num">${fmtNum(r.acknowledged)}</td><td class="num">${fmtNum(r.lost)}</td><td class="num">${fmtNum(r.duplicated)}</td><td class="num">${fmtNum(r.wrongWindows)}</td>` +
        `<td class="num">${fmtS(r.medianUnavailableMs)} / ${fmtS(r.maxUnavailableMs)}</td></tr>`,
    )
    .join('\n');
  const runHtml = c.runs
    .map(
      (r) =>
        `<tr class="run"><td>${esc(r.experiment)}</td><td>${esc(r.coordination)}</td><td class="num">${r.round}</td><td class="num">${r.seed}</td><td>${verdictCell(r)}</td>` +
        `<td>${esc(r.error ?? r.failing.join(', '))}</td><td class="num">${fmtNum(r.acknowledged)}</td><td class="num">${fmtS(r.maxUnavailableMs)}</td><td>${runLink(r)}</td></tr>`,
    )
    .join('\n');
  const history = [...earlier.filter((e) => e.campaignId !== c.campaignId), c].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const trend = history.map((h) => ({ id: h.campaignId, t: campaignTotals(h) }));
  const pct = (a: number, b: number) => (b ? Math.round((1000 * a) / b) / 10 : null);
  const trendData = {
    labels: trend.map((x) => x.id.replace(/^campaign-/, '')),
    passRate: trend.map((x) => pct(x.t.passed, x.t.runs)),
    catchRate: trend.map((x) => pct(x.t.caught, x.t.controls)),
    bad: trend.map((x) => x.t.lost + x.t.duplicated),
  };
  const skipped = c.skipped.length
    ? `<p class="muted">Not run: ${c.skipped.map((s) => `${esc(s.experiment)} on ${esc(s.coordination)} (${esc(s.why)})`).join('; ')}.</p>`
    : '';
  const body = `
<h1>Chaos campaign <code>${esc(c.campaignId)}</code></h1>
<p class="meta muted">started ${esc(c.startedAt)} · ${state} · ${esc(c.options.provider)} · seed ${c.options.seed} · ${c.options.rounds} round(s) · modes ${esc(c.options.coordination.join(', '))}</p>
<pre>${esc(c.command)}</pre>
<div class="totals">
${total(t.runs, 'runs of safe experiments')}
${total(t.passed, 'of them passed', t.passed === t.runs ? 'ok' : 'bad')}
${total(t.faults, 'faults injected')}
${total(t.acknowledged, 'events acknowledged')}
${total(t.lost, 'lost', t.lost ? 'bad' : 'ok')}
${total(t.duplicated, 'duplicated', t.duplicated ? 'bad' : 'ok')}
${total(t.wrongWindows, 'wrong windows', t.wrongWindows ? 'bad' : 'ok')}
${total(t.caught, `of ${t.controls} control runs caught`, t.caught === t.controls ? 'ok' : 'bad')}
</div>
<p class="muted">Lost, duplicated and wrong windows count the safe experiments' runs only: a negative control is unsafe on purpose, and passes when the checks it targets judge it INVALID.</p>
<h2>Per experiment and mode</h2>
<table id="rows"><thead><tr><th>experiment</th><th>mode</th><th class="num">runs</th><th class="num">passed</th><th class="num">valid / invalid / unknown</th><th class="num">faults</th><th class="num">acknowledged</th><th class="num">lost</th><th class="num">duplicated</th><th class="num">wrong windows</th><th class="num">unavailable s<br>median / max</th></tr></thead>
<tbody>
${rowHtml}
</tbody></table>
${skipped}
<h2>Trend over campaigns</h2>
<p class="muted">${history.length} campaign(s) in this out directory, oldest first.</p>
<div id="trend-box"><canvas id="trend"></canvas></div>
<h2>Runs</h2>
<table id="runs"><thead><tr><th>experiment</th><th>mode</th><th class="num">round</th><th class="num">seed</th><th>verdict</th><th>failing checks</th><th class="num">acknowledged</th><th class="num">max unavailability s</th><th>report</th></tr></thead>
<tbody>
${runHtml}
</tbody></table>`;
  const scripts = `<script type="application/json" id="trend-data">${jsonForScript(trendData)}</script>\n<script>${chartJs()}</script>\n<script>${TREND_SCRIPT}</script>`;
  return page(`campaign ${c.campaignId}`, body, CSS, scripts);
}

const x = xmlText;

/** One testcase per run: a run that did not pass (or could not run) is a failure. */
export function renderCampaignJunit(c: CampaignResult): string {
  let failures = 0;
  const cases = c.runs.map((r) => {
    const open = `  <testcase name="${x(`${r.experiment} ${r.coordination} round ${r.round}`)}" classname="${x(`faultline.campaign.${r.experiment}`)}" time="${(r.durationMs / 1000).toFixed(3)}">`;
    if (r.passed) return `${open}\n    <system-out>${x(`${r.runId}: ${String(r.verdict)}`)}</system-out>\n  </testcase>`;
    failures++;
    const why = r.error ?? `${r.control ? 'control not caught' : `verdict ${String(r.verdict)}`}; failing: ${r.failing.join(', ') || 'none'}`;
    return `${open}\n    <failure message="${x(why)}" type="${r.error ? 'error' : 'invalid'}">${x(`${r.runId ?? 'no run'}: ${why}`)}</failure>\n  </testcase>`;
  });
  const attrs = `tests="${cases.length}" failures="${failures}" errors="0" skipped="0"`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="faultline-campaign" ${attrs}>
<testsuite name="${x(c.campaignId)}" ${attrs} timestamp="${x(c.startedAt)}">
${cases.join('\n')}
</testsuite>
</testsuites>
`;
}

/** Writes campaign.json, campaign.html (with the trend over the out directory's campaigns) and junit.xml. */
export function writeCampaign(outRoot: string, c: CampaignResult): { dir: string; report: string } {
  if (!/^campaign-[A-Za-z0-9._-]+$/.test(c.campaignId)) throw new Error(`bad campaign id ${JSON.stringify(c.campaignId)}`);
  const dir = join(outRoot, c.campaignId);
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, 'campaign.json'), JSON.stringify(c, null, 2) + '\n');
  writeAtomic(join(dir, 'junit.xml'), renderCampaignJunit(c));
  const report = join(dir, 'campaign.html');
  writeAtomic(report, renderCampaign(c, readCampaigns(outRoot)));
  return { dir, report };
}

/** A run's line for the console: verdict (a control's caught or not, and why), losses, duplicates, unavailability. */
export const campaignRunLine = (r: CampaignRun, result?: RunResult): string =>
  `${r.experiment} ${r.coordination} #${r.round}: ${r.verdict === 'error' ? `ERROR ${r.error ?? ''}` : validityText(r.verdict)}` +
  (r.control && result ? ` (negative control: ${controlOutcome(result).why})` : r.failing.length && r.verdict !== 'error' ? ` (${r.failing.join(', ')})` : '') +
  ` · ${fmtNum(r.acknowledged)} acknowledged, ${r.lost} lost, ${r.duplicated} duplicated${r.maxUnavailableMs !== undefined ? `, max unavailability ${fmtS(r.maxUnavailableMs)} s` : ''}`;
