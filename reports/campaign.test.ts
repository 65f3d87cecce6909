// The campaign page's arithmetic and files, on runs built from the fixtures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerKillRun, campaignFixture } from './fixtures.js';
import { campaignRows, campaignTotals, readCampaigns, renderCampaignJunit, writeCampaign } from './index.js';

test('a run becomes a line: verdict, pass, the losses and duplicates the checks counted, max unavailability', () => {
  const c = campaignFixture();
  const [good, bad, control] = c.runs;
  expect(good).toMatchObject({ verdict: true, passed: true, control: false, failing: [] });
  const dupStats = brokerKillRun().checks.filter((x) => x.name.startsWith('no-duplicates')).reduce((s, x) => s + (x.stats.extraCopies ?? 0), 0);
  expect(bad).toMatchObject({ verdict: false, passed: false, duplicated: dupStats });
  expect(bad!.failing.length).toBeGreaterThan(0);
  expect(control).toMatchObject({ verdict: false, passed: true, control: true, lost: 682 });
});

test('rows per experiment and mode; totals count safe runs only and the controls caught', () => {
  const c = campaignFixture();
  const rows = campaignRows(c.runs);
  expect(rows.map((r) => [r.experiment, r.runs, r.passed, r.valid, r.invalid])).toEqual([
    ['broker-kill', 2, 1, 1, 1],
    ['broker-kill-rf1', 1, 1, 0, 1],
  ]);
  const t = campaignTotals(c);
  expect(t).toMatchObject({ planned: 4, done: 3, runs: 2, passed: 1, controls: 1, caught: 1, lost: c.runs[0]!.lost + c.runs[1]!.lost });
  expect(t.acknowledged).toBe(c.runs[0]!.acknowledged + c.runs[1]!.acknowledged);
});

test('junit: one testcase per run, the run that did not pass fails', () => {
  const xml = renderCampaignJunit(campaignFixture());
  expect((xml.match(/<testcase /g) ?? []).length).toBe(3);
  expect((xml.match(/<failure /g) ?? []).length).toBe(1);
});

test('writes campaign.json, campaign.html and junit.xml, and reads campaigns back oldest first for the trend', () => {
  const root = mkdtempSync(join(tmpdir(), 'faultline-campaign-'));
  try {
    const later = { ...campaignFixture('campaign-20251123-100000-8'), startedAt: '2025-11-23T10:00:00.000Z', finishedAt: undefined };
    writeCampaign(root, later);
    const { report } = writeCampaign(root, campaignFixture());
    expect(readCampaigns(root).map((c) => c.campaignId)).toEqual(['campaign-20251122-100000-7', 'campaign-20251123-100000-8']);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('2 campaign(s) in this out directory');
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(readFileSync(join(root, 'campaign-20251123-100000-8', 'campaign.html'), 'utf8')).toContain('unfinished');
    expect(() => writeCampaign(root, { ...campaignFixture('campaign-../x') })).toThrow(/bad campaign id/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
