// The deployed dashboard in a real Chromium (Debian's): it connects over the
// WebSocket, shows the brokers, and its counts move as events are posted,
// without a reload. A traced event's trace in Tempo ends in the browser's own
// `render aggregate` span, sent by Faro through the dashboard server.
import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { addr, waitFor } from '../../cluster/index.js';
import { liveTopology, sampledTraceparent, traceSpans } from '../../test/live.js';

const t = liveTopology();
const run = randomUUID().slice(0, 8);
const service = `dash-${run}`;
const windowTs = new Date().toISOString();

const post = async (n: number, from: number, traceparent?: string) => {
  const ingest = t.stages.find((s) => s.stage === 'ingest')!;
  const events = Array.from({ length: n }, (_, i) => ({ id: `${service}-${from + i}`, service, level: 'error', message: 'dashboard test', timestamp: windowTs, latencyMs: (i * 7) % 300 }));
  const r = await fetch(`http://${addr(ingest.http)}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...(traceparent ? { traceparent } : {}) }, body: JSON.stringify(events) });
  expect(r.status).toBe(200);
};

test('the dashboard shows the brokers and counts that move over the WebSocket; the browser span joins the event trace', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://${addr(t.ops.dashboard)}/`);
  await expect(page.getByTestId('connection')).toHaveText(/live/, { timeout: 15_000 });
  await expect(page.getByTestId('brokers-online')).toHaveText(/3 \/ 3/, { timeout: 15_000 });

  const countCell = page.locator('tr', { hasText: service }).getByTestId('window-count');
  const { traceId, traceparent } = sampledTraceparent();
  await post(300, 0, traceparent);
  await expect(countCell).toHaveText(/^300$/, { timeout: 60_000 });
  // the same row moves on the next events, pushed, not reloaded
  await post(450, 300);
  await expect(countCell).toHaveText(/^750$/, { timeout: 60_000 });
  await expect(page.getByTestId('rate-ingest')).toHaveText(/^[1-9]/, { timeout: 30_000 });

  const spans = await waitFor(
    `the browser's render span in trace ${traceId}`,
    async () => {
      const s = await traceSpans(t, traceId);
      return s.some((x) => x.service === 'faultline-browser' && x.name === 'render aggregate') ? s : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 3000 },
  );
  const ids = new Set(spans!.map((s) => s.spanId));
  const render = spans!.find((s) => s.name === 'render aggregate')!;
  // its parent is the server's push, inside the same trace
  expect(spans!.find((s) => s.spanId === render.parentSpanId)?.name).toBe('websocket push');
  expect(ids.size).toBe(spans!.length);

  await info.attach('dashboard', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  expect(errors).toEqual([]);
});
