// Opens the written report and index in a real Chromium (file://, offline) and checks what a person
// would see: one verdict row per check, every Chart.js chart drawn with its fault bands, a working comparison.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { brokerKillRun, campaignFixture, negativeControlRun } from './fixtures.js';
import { writeCampaign, writeRun } from './index.js';

// The page's globals, as far as these checks touch them.
type ChartLike = { canvas: HTMLCanvasElement; chartArea: { top: number; bottom: number }; scales: { x: { getPixelForValue(v: number): number } }; config: { plugins: { id: string }[] } };
type PageWindow = Window & { Chart?: { instances: Record<string, ChartLike> } };

let root: string;
let report: string;
const run = brokerKillRun();
const control = negativeControlRun();

/** Everything that would mean the page is broken or not self-contained. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`); // an alert() here means some run string was not escaped
    void d.dismiss();
  });
  page.on('request', (r) => r.url().startsWith('file:') || problems.push(`network: ${r.url()}`));
  return problems;
}

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'faultline-report-'));
  writeRun(root, control);
  report = writeRun(root, run).report;
});

test.afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The page as a person saw it, kept with the test's results (the HTML report shows it). */
const keep = async (page: Page, info: TestInfo, name: string) => info.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });

test('report.html renders verdicts and one Chart.js chart per series, with fault bands', async ({ page }, info) => {
  const problems = watch(page);
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });

  expect(await page.locator('#verdicts tbody tr').count()).toBe(run.checks.length);
  expect(await page.locator('.verdict .big').textContent()).toBe('INVALID');

  const charts = await page.evaluate(() => {
    const Chart = (window as PageWindow).Chart;
    if (!Chart) return null;
    return Object.values(Chart.instances).map((c) => {
      const { canvas, chartArea: a } = c;
      const x = Math.round(c.scales.x.getPixelForValue(32.5) * devicePixelRatio);
      const px = canvas.getContext('2d')!.getImageData(x, Math.round(a.top * devicePixelRatio), 1, Math.round((a.bottom - a.top) * devicePixelRatio)).data;
      let reddish = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 0 && px[i]! > px[i + 1]! + 8) reddish++;
      return { width: canvas.width, height: canvas.height, bands: c.config.plugins.some((p) => p.id === 'faultBands'), reddish: reddish / (px.length / 4) };
    });
  });
  expect(charts).not.toBeNull();
  expect(charts).toHaveLength(run.series.length);
  expect(await page.locator('canvas').count()).toBe(run.series.length);
  for (const c of charts!) {
    expect(c.width).toBeGreaterThan(0);
    expect(c.height).toBeGreaterThan(0);
    expect(c.bands).toBe(true);
    expect(c.reddish).toBeGreaterThan(0.5); // 32.5 s is inside the first broker-kill window
  }

  await keep(page, info, 'report');
  expect(problems).toEqual([]);
});

test('index.html lists the runs and compares two of them', async ({ page }, info) => {
  const problems = watch(page);
  await page.goto(pathToFileURL(join(root, 'index.html')).href, { waitUntil: 'load' });

  expect(await page.locator('#runs tbody tr').count()).toBe(2);
  await page.selectOption('#cmp-a', run.runId);
  await page.selectOption('#cmp-b', control.runId);
  expect(await page.locator('#cmp-table thead th').allTextContents()).toEqual(['', run.runId, control.runId]);
  // verdict row + the union of check names + six workload counts
  expect(await page.locator('#cmp-table tbody tr').count()).toBe(1 + run.checks.length + 6);
  const lost = page.locator('#cmp-table tbody tr', { hasText: 'no-lost-writes' });
  expect(await lost.locator('td').nth(1).locator('.pill').textContent()).toBe('VALID');
  expect(await lost.locator('td').nth(2).locator('.pill').textContent()).toBe('INVALID');
  expect(await lost.getAttribute('class')).toBe('diff');

  await keep(page, info, 'index');
  await page.locator('#runs a', { hasText: run.runId }).click();
  await page.waitForURL(/report\.html$/);
  expect(await page.locator('#verdicts tbody tr').count()).toBe(run.checks.length);
  expect(problems).toEqual([]);
});

test('campaign.html shows the totals, one row per experiment and mode, every run linked, and draws the trend', async ({ page }, info) => {
  const c = campaignFixture();
  writeCampaign(root, { ...campaignFixture('campaign-20251121-100000-6'), startedAt: '2025-11-21T10:00:00.000Z' });
  const { report: page_ } = writeCampaign(root, c);
  const problems = watch(page);
  await page.goto(pathToFileURL(page_).href, { waitUntil: 'load' });
  expect(await page.locator('#rows tbody tr').count()).toBe(2);
  expect(await page.locator('#runs tbody tr').count()).toBe(c.runs.length);
  expect(await page.locator('#runs a').count()).toBe(c.runs.length);
  expect(await page.locator('#rows tr.control').count()).toBe(1);
  const points = await page.evaluate(() => Object.values((window as PageWindow).Chart!.instances).map((x) => (x as unknown as { data: { labels: string[] } }).data.labels.length));
  expect(points).toEqual([2]);
  await keep(page, info, 'campaign');
  expect(problems).toEqual([]);
});
