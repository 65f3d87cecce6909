// Pure checks of the renderers on fixture runs: self-contained HTML, escaping, junit counts, index.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerKillRun, negativeControlRun } from './fixtures.js';
import { controlOutcome, passed, renderIndex, renderJunit, renderReport, verdictLines, writeRun, DEFAULT_OUT } from './index.js';

const EVIL = '<img src=x onerror=alert(1)>';
const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length;

describe('renderReport', () => {
  const run = brokerKillRun();
  const html = renderReport(run);

  test('is self-contained: no external scripts, styles, images or fonts', () => {
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/sourceMappingURL/);
    expect(html).toContain('Chart.js v4'); // the bundle itself is inlined
  });

  test('has one verdict row per check, with property and summary', () => {
    expect(count(html, /<tr class="check"/g)).toBe(run.checks.length);
    for (const c of run.checks) {
      expect(html).toContain(`data-check="${c.name}"`);
      expect(html).toContain(c.summary);
    }
    expect(html).toContain('class="verdict bad"><div class="big">INVALID');
  });

  test('shows counterexamples with where, during and trace id, and the fault table with unavailability', () => {
    expect(html).toContain('logs.processed/4@9811');
    expect(html).toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(html).toContain('broker-kill broker-c');
    expect(html).toMatch(/<td class="num">8\.4<\/td>/); // maxUnavailableMs:0
    expect(html).toContain('<pre id="replay">npx just chaos broker-kill --seed 4242');
    expect(count(html, /<canvas id="chart-\d+"/g)).toBe(run.series.length);
  });

  test('places series on seconds since run start', () => {
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!);
    expect(data.series[0].lines[0].points[0][0]).toBe(0);
    expect(data.series[0].lines[0].points.at(-1)[0]).toBe(120);
    expect(data.faults[1]).toMatchObject({ start: 70, end: 95 });
  });

  test('escapes every run string, in markup and in embedded JSON', () => {
    const evil = brokerKillRun();
    evil.description = EVIL;
    evil.notes.push(EVIL);
    evil.checks[1]!.counterexamples[0]!.id = EVIL;
    evil.series[0]!.lines[0]!.label = `</script>${EVIL}`;
    evil.config[EVIL] = EVIL;
    const out = renderReport(evil);
    expect(out).not.toContain(EVIL);
    expect(out).not.toContain('</script><img');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(count(out, /<\/script>/gi)).toBe(count(html, /<\/script>/gi));
  });

  test('negative control: pass when judged invalid, loud when caught nothing', () => {
    const control = negativeControlRun();
    expect(renderReport(control)).toContain('negative control: caught by no-lost-writes, as it must be');
    control.verdict = true;
    const missed = renderReport(control);
    expect(missed).toContain('CONTROL NOT CAUGHT');
    expect(missed).toContain('class="verdict bad"');
  });

  test('negative control INVALID for another reason than the check it targets is not caught', () => {
    const control = negativeControlRun();
    control.checks[0]!.valid = true; // no-lost-writes held
    control.checks.push({ name: 'recovery-bounds', property: 'writes come back', valid: false, summary: 'no write for 70 s', stats: {}, counterexamples: [] });
    expect(control.verdict).toBe(false);
    expect(passed(control)).toBe(false);
    expect(controlOutcome(control).why).toBe('NOT CAUGHT: no-lost-writes held; judged INVALID only for another reason (recovery-bounds)');
    expect(verdictLines(control)[0]).toBe('broker-kill-rf1: INVALID (negative control: NOT CAUGHT: no-lost-writes held; judged INVALID only for another reason (recovery-bounds))');
    const html = renderReport(control);
    expect(html).toContain('CONTROL NOT CAUGHT');
    expect(html).toContain('class="verdict bad"');
    expect(renderJunit(control)).toMatch(/<failure message="control not caught/);
    // a target that did not run at all is not caught either
    expect(controlOutcome({ ...control, mustFail: ['no-duplicates (processed)'] }).why).toMatch(/^NOT CAUGHT: no-duplicates \(processed\) did not run/);
  });
});

describe('renderJunit', () => {
  test('one testcase per check; invalid fails with counterexamples, unknown is skipped', () => {
    const xml = renderJunit(brokerKillRun());
    expect(count(xml, /<testsuite /g)).toBe(1);
    expect(xml).toContain('<testsuite name="broker-kill"');
    expect(count(xml, /<testcase /g)).toBe(6);
    expect(count(xml, /<failure /g)).toBe(1);
    expect(count(xml, /<skipped /g)).toBe(1);
    expect(xml).toMatch(/tests="6" failures="1" errors="0" skipped="1"/);
    expect(xml).toContain('id=c2-000481; read twice; at logs.processed/4@9811 logs.processed/4@9840');
  });

  test('negative control: checks do not fail, the verdict testcase carries pass/fail', () => {
    const control = negativeControlRun();
    const ok = renderJunit(control);
    expect(count(ok, /<testcase /g)).toBe(control.checks.length + 1);
    expect(count(ok, /<failure /g)).toBe(0);
    control.verdict = true;
    const missed = renderJunit(control);
    expect(count(missed, /<failure /g)).toBe(1);
    expect(missed).toMatch(/<testcase name="verdict"[^>]*>\s*<failure message="control not caught/);
  });

  test('escapes XML and drops characters XML cannot hold', () => {
    const run = brokerKillRun();
    run.experiment = `a"b<c>&\u0001`;
    const xml = renderJunit(run);
    expect(xml).toContain('<testsuite name="a&quot;b&lt;c&gt;&amp;"');
  });
});

describe('renderIndex', () => {
  test('lists runs newest first with pass/fail, and embeds their summaries for comparison', () => {
    const a = brokerKillRun();
    const b = negativeControlRun();
    const html = renderIndex([a, b]);
    expect(count(html, /<tr class="run">/g)).toBe(2);
    expect(html.indexOf(b.runId)).toBeLessThan(html.indexOf(a.runId)); // b started later
    expect(html).toContain(`href="${a.runId}/report.html"`);
    expect(count(html, />PASS</g)).toBe(1); // the control
    expect(count(html, />FAIL</g)).toBe(1);
    expect(html).toContain('id="cmp-a"');
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
  });

  test('escapes run ids in links and text', () => {
    const r = brokerKillRun();
    r.runId = EVIL;
    const html = renderIndex([r]);
    expect(html).not.toContain(EVIL);
    expect(html).toContain(`href="${encodeURIComponent(EVIL)}/report.html"`);
  });
});

describe('writeRun', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'faultline-reports-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('writes the run files and an index over every readable run', () => {
    writeRun(root, negativeControlRun());
    mkdirSync(join(root, 'broken'));
    writeFileSync(join(root, 'broken', 'results.json'), '{ not json');
    const { dir, report } = writeRun(root, brokerKillRun(), '{"process":0}\n');
    for (const f of ['results.json', 'junit.xml', 'report.html', 'history.jsonl']) expect(existsSync(join(dir, f))).toBe(true);
    expect(report).toBe(join(dir, 'report.html'));
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).runId).toBe(brokerKillRun().runId);
    expect(count(readFileSync(join(root, 'index.html'), 'utf8'), /<tr class="run">/g)).toBe(2);
  });

  test('refuses run ids that would leave the out directory', () => {
    const r = brokerKillRun();
    r.runId = '../escape';
    expect(() => writeRun(root, r)).toThrow(/directory name/);
  });

  test('DEFAULT_OUT is reports/out', () => {
    expect(DEFAULT_OUT).toMatch(/[/\\]reports[/\\]out$/);
  });
});
