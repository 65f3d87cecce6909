// Realistic RunResults for the report tests: a broker-kill run with one invalid check, and a
// negative control (RF 1, acks 1) that the checkers judged invalid as they must.
import type { RunResult, Series } from './model.js';
import { campaignRun, type CampaignResult } from './campaign.js';

const STEP_MS = 2000;

/** Deterministic wobble, so fixtures (and screenshots) are identical on every run. */
const wobble = (i: number, k: number): number => Math.sin(i * 0.9 + k) * 0.5 + Math.sin(i * 0.23 + k * 2) * 0.5;

function timeline(epochMs: number, durationMs: number, f: (tS: number, i: number) => number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i * STEP_MS <= durationMs; i++) out.push([epochMs + i * STEP_MS, Math.round(f((i * STEP_MS) / 1000, i) * 100) / 100]);
  return out;
}

const inWindow = (tS: number, ws: [number, number][]): boolean => ws.some(([a, b]) => tS >= a && tS < b);

function brokerKillSeries(epochMs: number, durationMs: number): Series[] {
  const down: [number, number][] = [[20, 45], [70, 95]];
  const throughput = (zone: number) => (tS: number, i: number) => (inWindow(tS, down) && zone === (tS < 50 ? 1 : 2) ? 40 : 330 + 25 * wobble(i, zone)) * (tS > 110 ? 0.05 : 1);
  const lag = (base: number) => (tS: number, i: number) => {
    const since = down.map(([a, b]) => (tS >= a && tS < b + 12 ? Math.min(tS - a, b + 12 - tS) : 0)).reduce((x, y) => Math.max(x, y), 0);
    return Math.max(0, base + since * 180 + 40 * wobble(i, base));
  };
  return [
    {
      title: 'Acknowledged events per second, by ingest zone',
      unit: 'events/s',
      query: 'sum by (zone) (rate(faultline_ingest_events_total{result="accepted"}[15s]))',
      lines: [0, 1, 2].map((z) => ({ label: `zone-${'abc'[z]}`, points: timeline(epochMs, durationMs, throughput(z)) })),
    },
    {
      title: 'Consumer lag, by stage',
      unit: 'records',
      query: 'sum by (group) (faultline_consumer_lag_records{topic=~"logs.raw|logs.processed"})',
      lines: [
        { label: 'process (logs.raw)', points: timeline(epochMs, durationMs, lag(60)) },
        { label: 'aggregate (logs.processed)', points: timeline(epochMs, durationMs, lag(120)) },
      ],
    },
  ];
}

export function brokerKillRun(): RunResult {
  const startedAt = '2025-11-22T09:14:03.120Z';
  const epochMs = Date.parse(startedAt);
  const durationMs = 120_000;
  return {
    runId: '20251122-091403-broker-kill-7f3a',
    kind: 'chaos',
    experiment: 'broker-kill',
    description: 'SIGKILL one broker at a time under steady load through HTTP ingest; acks=all, RF 3, min.insync.replicas=2.',
    verdict: false,
    expectInvalid: false,
    startedAt,
    durationMs,
    command: 'npx just chaos broker-kill --seed 4242 --rate 1000 --duration 120s --interval 50s',
    config: {
      seed: 4242,
      rate: 1000,
      coordination: 'zookeeper',
      provider: 'processes',
      replicationFactor: 3,
      minInsyncReplicas: 2,
      acks: 'all',
      uncleanLeaderElection: false,
      exactlyOnce: true,
    },
    checks: [
      { name: 'no-lost-writes', property: 'Every acknowledged event is read back after the final drain.', valid: true, summary: '58 912 acknowledged, 58 912 read, 0 lost', stats: { acknowledged: 58912, read: 58912, lost: 0, unknownOutcome: 37 }, counterexamples: [] },
      {
        name: 'no-duplicates',
        property: 'No event id is read more than once from logs.processed.',
        valid: false,
        summary: '3 event ids read twice from logs.processed',
        stats: { read: 58915, distinct: 58912, duplicated: 3 },
        counterexamples: [
          { id: 'c2-000481', what: 'read twice', where: [{ topic: 'logs.processed', partition: 4, offset: '9811' }, { topic: 'logs.processed', partition: 4, offset: '9840' }], during: ['broker-kill broker-b'], traceId: '4bf92f3577b34da6a3ce929d0e0e4736', time: 24_310 },
          { id: 'c0-000502', what: 'read twice', where: [{ topic: 'logs.processed', partition: 1, offset: '10022' }, { topic: 'logs.processed', partition: 1, offset: '10031' }], during: ['broker-kill broker-b'], traceId: '0af7651916cd43dd8448eb211c80319c', time: 25_004 },
          { id: 'c1-001377', what: 'read twice', where: [{ topic: 'logs.processed', partition: 7, offset: '20417' }, { topic: 'logs.processed', partition: 7, offset: '20422' }], during: ['broker-kill broker-c'], time: 73_880 },
        ],
      },
      { name: 'no-aborted-reads', property: 'No record from an aborted transaction is visible to read_committed consumers.', valid: true, summary: '212 aborted writes, none read', stats: { aborted: 212, read: 0 }, counterexamples: [] },
      { name: 'offsets-monotonic', property: 'Per partition, acknowledged offsets increase in acknowledgement order.', valid: true, summary: '12 partitions, 0 regressions', stats: { partitions: 12, regressions: 0 }, counterexamples: [] },
      { name: 'processed-equals-raw', property: 'The set of ids in logs.processed equals the set in logs.raw.', valid: 'unknown', summary: 'logs.raw drain timed out on partition 3; set equality not decided', stats: { raw: 58890, processed: 58912 }, counterexamples: [] },
      {
        name: 'recovery-bounds',
        property: 'Each fault leaves ingest unavailable for at most 30 s and the ISR is full again within 60 s of heal.',
        valid: true,
        summary: 'max unavailability 8.4 s (bound 30 s); full ISR 14.2 s after heal',
        stats: { boundMs: 30000, 'maxUnavailableMs:0': 8400, 'maxUnavailableMs:1': 6100, 'timeToFullIsrMs:0': 14200, 'timeToFullIsrMs:1': 11800 },
        counterexamples: [],
      },
    ],
    faults: [
      { fault: 'broker-kill', targets: ['broker-b'], start: 20_000, end: 45_000 },
      { fault: 'broker-kill', targets: ['broker-c'], start: 70_000, end: 95_000 },
    ],
    phases: [
      { name: 'warm-up', start: 0, end: 15_000 },
      { name: 'faults', start: 15_000, end: 100_000 },
      { name: 'heal + recover', start: 100_000, end: 110_000 },
      { name: 'drain', start: 110_000, end: 120_000 },
    ],
    workload: { invoked: 5931, ok: 5891, fail: 36, info: 4, events: 59310, eventsAcknowledged: 58912 },
    series: brokerKillSeries(epochMs, durationMs),
    epochMs,
    notes: ['Prometheus query for faultline_isr_shrinks_total returned no data; ISR timings come from broker metadata instead.'],
  };
}

export function negativeControlRun(): RunResult {
  const startedAt = '2025-11-22T10:02:41.500Z';
  const epochMs = Date.parse(startedAt);
  const durationMs = 60_000;
  return {
    runId: '20251122-100241-broker-kill-rf1-c41d',
    kind: 'chaos',
    experiment: 'broker-kill-rf1',
    description: 'Negative control: broker-kill against a topic with RF 1 and acks=1; acknowledged writes on the killed broker must be reported lost.',
    verdict: false,
    expectInvalid: true,
    mustFail: ['no-lost-writes'],
    startedAt,
    durationMs,
    command: 'npx just chaos broker-kill-rf1 --seed 17',
    config: { seed: 17, replicationFactor: 1, acks: 1, uncleanLeaderElection: true },
    checks: [
      {
        name: 'no-lost-writes',
        property: 'Every acknowledged event is read back after the final drain.',
        valid: false,
        summary: '20 112 acknowledged, 19 430 read, 682 lost',
        stats: { acknowledged: 20112, read: 19430, lost: 682 },
        counterexamples: [{ id: 'c0-000118', what: 'acknowledged, never read', where: [{ topic: 'faultline.control.rf1', partition: 2, offset: '3310' }], during: ['broker-kill broker-a'], time: 21_200 }],
      },
      { name: 'no-duplicates', property: 'No event id is read more than once.', valid: true, summary: '0 duplicates', stats: { duplicated: 0 }, counterexamples: [] },
      { name: 'offsets-monotonic', property: 'Per partition, acknowledged offsets increase in acknowledgement order.', valid: true, summary: '3 partitions, 0 regressions', stats: { partitions: 3, regressions: 0 }, counterexamples: [] },
    ],
    faults: [{ fault: 'broker-kill', targets: ['broker-a'], start: 20_000 }],
    phases: [
      { name: 'faults', start: 0, end: 45_000 },
      { name: 'drain', start: 45_000, end: 60_000 },
    ],
    workload: { invoked: 2040, ok: 2012, fail: 28, info: 0, events: 20400, eventsAcknowledged: 20112 },
    series: [
      {
        title: 'Acknowledged events per second',
        unit: 'events/s',
        query: 'sum(rate(faultline_ingest_events_total{result="accepted"}[15s]))',
        lines: [{ label: 'all zones', points: timeline(epochMs, durationMs, (tS, i) => (tS >= 20 ? 220 : 340) + 20 * wobble(i, 1)) }],
      },
    ],
    epochMs,
    notes: [],
  };
}

const planned = (experiment: string, round: number) => ({ key: `${experiment}@zookeeper#${round}`, experiment, coordination: 'zookeeper', round, seed: round });

/** A finished campaign of three runs: broker-kill valid, broker-kill invalid, a caught control. */
export function campaignFixture(id = 'campaign-20251122-100000-7'): CampaignResult {
  const bad = brokerKillRun(); // INVALID: a duplicate in the processed topic
  const good = { ...brokerKillRun(), runId: 'good', verdict: true as const, checks: brokerKillRun().checks.map((c) => ({ ...c, valid: true as const })) };
  const control = negativeControlRun();
  const runs = [campaignRun(planned('broker-kill', 1), good), campaignRun(planned('broker-kill', 2), bad), campaignRun(planned('broker-kill-rf1', 1), control)];
  return {
    campaignId: id,
    startedAt: '2025-11-22T10:00:00.000Z',
    finishedAt: '2025-11-22T11:00:00.000Z',
    command: 'just chaos campaign --experiments broker-kill,broker-kill-rf1 --rounds 2 --coordination zookeeper --seed 7',
    options: { experiments: ['broker-kill', 'broker-kill-rf1'], rounds: 2, coordination: ['zookeeper'], seed: 7, provider: 'processes' },
    plan: [planned('broker-kill', 1), planned('broker-kill', 2), planned('broker-kill-rf1', 1), planned('broker-kill-rf1', 2)],
    skipped: [],
    runs,
  };
}

