// junit.xml for CI: one testsuite per run, one testcase per check. A negative control's checks are
// expected to fail, so its pass/fail rides on an extra `verdict` testcase instead.
import type { CheckResult, RunResult } from './model.js';
import { controlOutcome, passed } from './model.js';

type Counterexample = CheckResult['counterexamples'][number];

/** XML 1.0 cannot carry most control characters even escaped, so they are dropped. */
export const xmlText = (v: unknown): string =>
  String(v ?? '')
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

const x = xmlText;

const FIRST = 5;

function describe(c: Counterexample): string {
  const where = (c.where ?? []).map((l) => `${l.topic}/${l.partition}@${l.offset}`).join(' ');
  const parts = [c.id && `id=${c.id}`, c.what, where && `at ${where}`, c.during?.length && `during ${c.during.join(', ')}`, c.traceId && `trace ${c.traceId}`, c.time !== undefined && `t=${(c.time / 1000).toFixed(1)}s`];
  return parts.filter(Boolean).join('; ');
}

function evidence(c: CheckResult): string {
  const shown = c.counterexamples.slice(0, FIRST).map((e) => `- ${describe(e)}`);
  const more = c.counterexamples.length > FIRST ? [`... and ${c.counterexamples.length - FIRST} more in report.html`] : [];
  return [c.property, c.summary, ...shown, ...more].join('\n');
}

export function renderJunit(run: RunResult): string {
  const cls = `faultline.${run.kind}.${run.experiment}`;
  const control = run.expectInvalid === true;
  let failures = 0;
  let skipped = 0;
  const cases = run.checks.map((c) => {
    const open = `  <testcase name="${x(c.name)}" classname="${x(cls)}" time="0">`;
    if (control) return `${open}\n    <system-out>${x(`judged ${String(c.valid)} (negative control)\n${evidence(c)}`)}</system-out>\n  </testcase>`;
    if (c.valid === false) {
      failures++;
      return `${open}\n    <failure message="${x(c.summary)}" type="invalid">${x(evidence(c))}</failure>\n  </testcase>`;
    }
    if (c.valid === 'unknown') {
      skipped++;
      return `${open}\n    <skipped message="${x(c.summary)}"/>\n  </testcase>`;
    }
    return `${open}\n    <system-out>${x(c.summary)}</system-out>\n  </testcase>`;
  });
  if (control) {
    const open = `  <testcase name="verdict" classname="${x(cls)}" time="0">`;
    const why = `negative control judged ${String(run.verdict)}: ${controlOutcome(run).why}`;
    if (passed(run)) cases.push(`${open}\n    <system-out>${x(why)}</system-out>\n  </testcase>`);
    else {
      failures++;
      cases.push(`${open}\n    <failure message="${x('control not caught: ' + why)}" type="control-not-caught">${x(why)}</failure>\n  </testcase>`);
    }
  }
  const time = (run.durationMs / 1000).toFixed(3);
  const attrs = `tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}"`;
  const props = [
    ['runId', run.runId],
    ['kind', run.kind],
    ['verdict', String(run.verdict)],
    ['expectInvalid', String(control)],
    ['command', run.command],
  ]
    .map(([k, v]) => `    <property name="${x(k)}" value="${x(v)}"/>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="faultline" ${attrs}>
<testsuite name="${x(run.experiment)}" ${attrs} timestamp="${x(run.startedAt)}">
  <properties>
${props}
  </properties>
${cases.join('\n')}
</testsuite>
</testsuites>
`;
}
