// A 20-second k6 smoke against the deployed pipeline: k6's thresholds hold and the chaos checkers verify it end to
// end (nothing acknowledged lost or doubled, processed equals accepted, aggregates equal the recomputation); k6's
// own metrics reached Prometheus by remote write and the report draws them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExperiment } from '../chaos/index.js';
import { coordination, liveTopology, promQuery } from '../test/live.js';
import { loadExperiment } from './k6/loads.js';

test('k6 smoke at a low rate: thresholds hold, every event verified end to end, k6 metrics in Prometheus and in the report', async () => {
  const out = mkdtempSync(join(tmpdir(), 'faultline-load-'));
  // the HTTP p99 bound is wide here: latency on this shared 2-core machine is measured by the bench and the reports,
  // not asserted in a test (a CI run crossed the 2 s default); failed requests and dropped iterations still fail it
  const { result } = await runExperiment({ experiment: loadExperiment('smoke', { p99Ms: 10_000 }), durationS: 20, rate: 300, seed: 1, coordination, outRoot: out, log: () => undefined });
  const byName = Object.fromEntries(result.checks.map((c) => [c.name, c]));
  const lines = result.checks.map((c) => `${c.valid} ${c.name}: ${c.summary}`).join('\n');
  for (const name of ['history-well-formed', 'no-lost-writes', 'no-duplicates', 'no-aborted-reads', 'processed-equals-accepted', 'no-duplicates (processed)', 'aggregates-equal-recomputed', 'stages-caught-up', 'k6 thresholds'])
    expect([name, byName[name]?.valid, lines]).toEqual([name, true, lines]);
  expect(result.kind).toBe('soak');
  // 20 s at 6 requests/s of 50 events
  expect(result.workload.eventsAcknowledged).toBeGreaterThan(4000);
  expect(byName['no-aborted-reads']!.summary).toMatch(/[1-9]\d* refused/);
  const k6Series = result.series.find((s) => s.title === 'HTTP request latency seen by k6, p50 and p99 since the test began');
  expect(k6Series?.lines.map((l) => l.label).sort()).toEqual(['p50', 'p99']);
  // k6 tags its metrics with the run's id (<experiment>-<short>), the run id's last two parts
  const testid = result.runId.split('-').slice(-2).join('-');
  const sent = await promQuery(liveTopology(), `sum(k6_http_reqs_total{testid="${testid}"})`);
  expect(Number(sent[0]?.value[1] ?? 0)).toBeGreaterThan(100);
});
