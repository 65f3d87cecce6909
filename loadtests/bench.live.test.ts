// `just bench --quick` on the deployed cluster: every pair runs once against Kafka's own tool or Kafka Streams, the
// report is written with one verdict line per goal and figures in each, every output the stages wrote is checked,
// and no bench topic is left behind. No timing is asserted: the figures are the bench's output, not a test's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafka } from '../cluster/index.js';
import type { RunResult } from '../reports/index.js';
import { liveTopology } from '../test/live.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));

test('bench --quick measures every line, decides every verdict, checks every output, writes its report, and leaves no bench topic', async () => {
  const out = mkdtempSync(join(tmpdir(), 'faultline-bench-'));
  const printed = execFileSync(process.execPath, ['--import', 'tsx', 'loadtests/bench-cli.ts', '--quick', '--out', out], { cwd: REPO, encoding: 'utf8', timeout: 1_200_000 });
  expect(printed).toMatch(/R_client .*ratio [\d.]+/);
  expect(printed).toMatch(/cores for 50,000 events\/s/);
  const [dir] = readdirSync(out).filter((d) => d.includes('-bench-'));
  const r = JSON.parse(readFileSync(join(out, dir!, 'results.json'), 'utf8')) as RunResult;
  expect(r.kind).toBe('bench');
  expect(r.checks.map((c) => c.name.split(' =')[0])).toEqual([
    'R_client',
    'R_consumer',
    'R_streams',
    'R_limit',
    'R_e2e',
    'pipeline sustained, exactly-once end to end',
    'pipeline p99 at 80% of sustained',
    'pipeline output exactly once',
    'our stages output exactly once',
    'Kafka Streams output exactly once',
  ]);
  // every line measured and decided; the figures are the bench's output, not asserted
  for (const c of r.checks.slice(0, 5)) {
    expect([c.name, c.valid]).not.toEqual([c.name, 'unknown']);
    expect(c.stats.ours).toBeGreaterThan(0);
    expect(c.stats.theirs).toBeGreaterThan(0);
  }
  expect(r.checks[5]!.stats.eventsPerS).toBeGreaterThan(0);
  expect(r.checks[6]!.stats.p99Ms).toBeGreaterThan(0);
  // exactly-once is a property, not a goal: every output checked must hold
  for (const c of r.checks.slice(7)) {
    expect([c.name, c.valid, c.summary]).toEqual([c.name, true, c.summary]);
    expect(c.stats.runs).toBeGreaterThan(0);
  }
  expect(readFileSync(join(out, dir!, 'report.html'), 'utf8')).toContain('R_streams');
  const admin = kafka(liveTopology()).admin();
  await admin.connect();
  try {
    expect((await admin.listTopics()).filter((t) => t.startsWith('bench.') || t.startsWith('bench-'))).toEqual([]);
  } finally {
    await admin.disconnect();
  }
}, 1_300_000);
