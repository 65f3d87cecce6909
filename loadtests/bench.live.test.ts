// `just bench --quick` on the deployed cluster: every pair runs once against Kafka's own tool, the report is
// written with one verdict line per goal and figures in each, and no bench topic is left behind. No timing is
// asserted: the figures are the bench's output, not a test's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafka } from '../cluster/index.js';
import type { RunResult } from '../reports/index.js';
import { liveTopology } from '../test/live.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));

test('bench --quick runs every pair once, writes its report, and leaves no bench topic', async () => {
  const out = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
  const printed = execFileSync(process.execPath, ['--import', 'tsx', 'loadtests/bench-cli.ts', '--quick', '--out', out], { cwd: REPO, encoding: 'utf8', timeout: 600_000 });
  expect(printed).toMatch(/R_client .*ratio [\d.]+/);
  const [dir] = readdirSync(out).filter((d) => d.includes('-bench-'));
  const r = JSON.parse(readFileSync(join(out, dir!, 'results.json'), 'utf8')) as RunResult;
  expect(r.kind).toBe('bench');
  expect(r.checks.map((c) => c.name.split(' ')[0])).toEqual(['R_client', 'R_eos', 'R_http', 'R_e2e', 'pipeline']);
  for (const c of r.checks.slice(0, 4)) {
    expect([c.name, c.valid]).not.toEqual([c.name, 'unknown']);
    expect(c.stats.ours).toBeGreaterThan(0);
    expect(c.stats.theirs).toBeGreaterThan(0);
  }
  expect(r.checks[4]!.stats.eventsPerS).toBeGreaterThan(0);
  expect(readFileSync(join(out, dir!, 'report.html'), 'utf8')).toContain('R_eos');
  const admin = kafka(liveTopology()).admin();
  await admin.connect();
  try {
    expect((await admin.listTopics()).filter((t) => t.startsWith('bench.'))).toEqual([]);
  } finally {
    await admin.disconnect();
  }
});
