// A fresh ingest exports every outcome of its events counter at 0, so that Prometheus sees the first burst as an
// increase (a series first scraped at its final value has no rate).
import { ingestMetrics, stageRegistry } from './metrics.js';

test("a fresh ingest's events counter has every outcome at 0 before any request", async () => {
  const registry = stageRegistry('ingest', 'zone-a');
  ingestMetrics(registry);
  const text = await registry.metrics();
  for (const outcome of ['accepted', 'refused', 'failed']) expect(text).toMatch(new RegExp(`^faultline_ingest_events_total\\{outcome="${outcome}",stage="ingest",zone="zone-a"\\} 0$`, 'm'));
});

test('the counter then counts from 0', async () => {
  const registry = stageRegistry('ingest', 'zone-b');
  const m = ingestMetrics(registry);
  m.events.inc({ outcome: 'accepted' }, 300);
  expect(await registry.metrics()).toMatch(/^faultline_ingest_events_total\{outcome="accepted",stage="ingest",zone="zone-b"\} 300$/m);
});
