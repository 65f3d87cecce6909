// The campaign's plan: every experiment on every mode it applies to, round after round, with seeds that are
// stable (a resumed campaign replays the same runs) and differ from run to run.
import { CONTROLS, experimentByName } from '../experiments/index.js';
import { campaignCommand, notApplicable, planCampaign, runSeed } from './campaign.js';

const opts = { experiments: ['broker-kill', 'zookeeper-kill', 'control-rf1-zone-destroy'], rounds: 2, coordination: ['zookeeper', 'kraft'] as ('zookeeper' | 'kraft')[], seed: 42, provider: 'processes' as const };

test('plans mode by mode, round by round, and leaves out what a mode cannot run', () => {
  const { plan, skipped } = planCampaign(opts);
  expect(plan.map((p) => p.key)).toEqual([
    'broker-kill@zookeeper#1', 'zookeeper-kill@zookeeper#1', 'control-rf1-zone-destroy@zookeeper#1',
    'broker-kill@zookeeper#2', 'zookeeper-kill@zookeeper#2', 'control-rf1-zone-destroy@zookeeper#2',
    'broker-kill@kraft#1', 'control-rf1-zone-destroy@kraft#1',
    'broker-kill@kraft#2', 'control-rf1-zone-destroy@kraft#2',
  ]);
  expect(skipped).toEqual([{ experiment: 'zookeeper-kill', coordination: 'kraft', why: 'zookeeper-kill applies to zookeeper only' }]);
  expect(notApplicable(experimentByName('broker-kill'), 'kraft')).toBeUndefined();
});

test('seeds are derived from the campaign seed: the same plan twice, distinct per run, another seed another plan', () => {
  const a = planCampaign(opts).plan.map((p) => p.seed);
  expect(planCampaign(opts).plan.map((p) => p.seed)).toEqual(a);
  expect(new Set(a).size).toBe(a.length);
  expect(a.every((s) => Number.isInteger(s) && s > 0 && s < 2_000_000_000)).toBe(true);
  expect(planCampaign({ ...opts, seed: 43 }).plan.map((p) => p.seed)).not.toEqual(a);
  expect(runSeed(0, 'x')).toBeGreaterThan(0);
});

test('the command that resumes it names every option', () => {
  expect(campaignCommand({ ...opts, durationS: 30 })).toBe('just chaos campaign --experiments broker-kill,zookeeper-kill,control-rf1-zone-destroy --rounds 2 --duration 30 --coordination both --seed 42');
  expect(campaignCommand({ ...opts, coordination: ['kraft'], experiments: CONTROLS, client: 'kafkajs' })).toMatch(/--coordination kraft --seed 42 --client kafkajs$/);
});
