// The aggregate stage against the real cluster: crashed between writing its
// window updates and committing, then restarted, its output still equals the
// aggregates recomputed from its input; with exactly-once off it does not.
import { randomUUID } from 'node:crypto';
import { ensureTopics, kafka, waitFor } from '../../cluster/index.js';
import { liveTopology } from '../../test/live.js';
import { readTopicToEnd } from '../../test/read-topic.js';
import { exitCode, killStages, outputOf, startStage, waitCaughtUp } from '../../test/stage-process.js';
import type { ProcessedEvent } from '../contract/index.js';
import { aggregateKey, recompute, type WindowAggregate } from './index.js';

const t = liveTopology();
const run = randomUUID().slice(0, 8);
afterAll(killStages);

/** A test's own input and changelog topics and group; `changelog` adds settings to the output topic. */
async function stageTopics(id: string, changelog?: Record<string, string>) {
  const input = `test.agg-in.${id}`;
  const output = `test.agg-out.${id}`;
  const group = `test-aggregate-${id}`;
  await ensureTopics(t, [
    { name: input, partitions: 3 },
    { name: output, partitions: 3, ...(changelog ? { config: changelog } : {}) },
  ]);
  return { input, output, group, env: { AGGREGATE_GROUP: group, AGGREGATE_INPUT: input, AGGREGATE_OUTPUT: output } };
}

const base = Date.parse('2026-01-01T00:00:00Z');

/** A processed event as the process stage writes it; `at` is its offset in ms from the base time. */
const processedEvent = (id: string, o: { service: string; level: ProcessedEvent['level']; at: number; latencyMs: number }, i: number): ProcessedEvent => ({
  id,
  service: o.service,
  level: o.level,
  message: 'm',
  timestamp: new Date(base + o.at).toISOString(),
  latencyMs: o.latencyMs,
  ingestedAt: new Date(base).toISOString(),
  processedAt: new Date(base).toISOString(),
  severity: 1,
  category: 'other',
  source: { partition: 0, offset: String(i) },
});

/** An idempotent producer onto `input` that sends events in sends of `per` (so the stage sees several batches), pausing `pauseMs` between them. */
async function feeder(input: string, per: number, pauseMs = 0) {
  const producer = kafka(t, 'test-aggregate-feed').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    send: async (events: ProcessedEvent[]) => {
      for (let i = 0; i < events.length; i += per) {
        await producer.send({ topic: input, acks: -1, messages: events.slice(i, i + per).map((e) => ({ key: e.id, value: JSON.stringify(e) })) });
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      }
    },
    close: () => producer.disconnect(),
  };
}

/** The latest aggregates of `output` against a recomputation from `input`: every window that differs, or is missing or extra. */
async function mismatches(input: string, output: string): Promise<{ mismatches: string[]; keys: number }> {
  const latest = new Map<string, WindowAggregate>();
  for (const r of await readTopicToEnd(t, output)) latest.set(r.key!, JSON.parse(r.value) as WindowAggregate);
  const expected = recompute((await readTopicToEnd(t, input)).map((r) => ({ event: JSON.parse(r.value) as ProcessedEvent, inputPartition: r.partition })));
  const out: string[] = [];
  for (const [key, want] of expected) {
    const got = latest.get(key);
    if (!got || got.count !== want.count || JSON.stringify(got.latency) !== JSON.stringify(want.latency)) out.push(`${key}: got ${got?.count ?? 'nothing'}, want ${want.count}`);
  }
  for (const key of latest.keys()) if (!expected.has(key)) out.push(`${key}: not in the recomputation`);
  expect([...latest.values()].every((a) => aggregateKey(a) !== '')).toBe(true);
  return { mismatches: out, keys: expected.size };
}

type Fault = 'crash' | 'fail-before-transaction';

async function crashAndCompare(exactlyOnce: boolean, fault: Fault = 'crash'): Promise<{ mismatches: string[]; keys: number }> {
  const id = `${run}-${exactlyOnce ? 'eos' : 'alo'}-${fault === 'crash' ? 'c' : 'f'}`;
  const { input, group, output, env: topicsEnv } = await stageTopics(id);
  const services = ['checkout', 'search', 'auth'];
  const levels = ['info', 'warn', 'error'] as const;
  const feed = await feeder(input, 250);
  await feed.send(Array.from({ length: 3000 }, (_, i) => processedEvent(`a-${id}-${i}`, { service: services[i % 3]!, level: levels[(i >> 2) % 3]!, at: i * 20, latencyMs: (i * 37) % 3000 }, i)));
  await feed.close();

  const env = { ...topicsEnv, AGGREGATE_EXACTLY_ONCE: String(exactlyOnce) };
  let stage;
  if (fault === 'crash') {
    expect(await exitCode(startStage(t, 'pipeline/aggregate/main.ts', { ...env, AGGREGATE_CRASH_AFTER_BATCHES: '2' }))).toBe(137);
    stage = startStage(t, 'pipeline/aggregate/main.ts', env);
  } else {
    // the same process keeps running: its consumer retries the batch after each failure
    stage = startStage(t, 'pipeline/aggregate/main.ts', { ...env, AGGREGATE_FAIL_AFTER_BATCHES: '2', AGGREGATE_FAIL_TIMES: '3', AGGREGATE_FAIL_POINT: 'before-transaction' });
  }
  await waitCaughtUp(t, group, input);
  stage.kill('SIGTERM');

  return mismatches(input, output);
}

test('crash between window updates and commit, restart: aggregates equal the recomputation from the input', async () => {
  const { mismatches, keys } = await crashAndCompare(true);
  expect(keys).toBeGreaterThan(10);
  expect(mismatches).toEqual([]);
});

test('a failure after the window updates, before the transaction begins (the stage keeps running): aggregates still equal the recomputation', async () => {
  // broker-kill caught this: the batch stayed in the in-memory windows, the retry counted it again (whole windows at double)
  const { mismatches, keys } = await crashAndCompare(true, 'fail-before-transaction');
  expect(keys).toBeGreaterThan(10);
  expect(mismatches).toEqual([]);
});

test.each([
  { check: true, outcome: 'caught against the input, read again, and the aggregates still equal the recomputation' },
  { check: false, outcome: 'left unchecked (the negative control), counts the later events onto older totals' },
])('a restore that stops short of the changelog’s end is $outcome', async ({ check }) => {
  const id = `${run}-short-${check ? 'checked' : 'unchecked'}`;
  const { input, output, group, env } = await stageTopics(id);
  // the second feed lands in the windows the first one ended in: the windows a short restore gets wrong
  const events = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, k) => from + k).map((i) => processedEvent(`s-${id}-${i}`, { service: 'checkout', level: 'info', at: (i < 2000 ? i : 1900 + (i % 100)) * 20, latencyMs: i % 700 }, i));
  const feed = await feeder(input, 250);
  await feed.send(events(0, 2000));
  let stage = startStage(t, 'pipeline/aggregate/main.ts', env);
  await waitCaughtUp(t, group, input);
  stage.kill('SIGTERM');
  await exitCode(stage);
  await feed.send(events(2000, 2600));
  // each partition's first changelog read leaves out its last records, as one answered from an older end would
  stage = startStage(t, 'pipeline/aggregate/main.ts', { ...env, AGGREGATE_RESTORE_SHORT_BY: '3', ...(check ? {} : { AGGREGATE_RESTORE_UNCHECKED: 'true' }) });
  await waitCaughtUp(t, group, input);
  stage.kill('SIGTERM');
  await exitCode(stage);
  await feed.close();

  const { mismatches: wrong, keys } = await mismatches(input, output);
  expect(keys).toBeGreaterThan(5);
  if (check) {
    expect(outputOf(stage)).toMatch(/events between are in none of them .*reading it again/);
    expect(wrong).toEqual([]);
  } else {
    expect(wrong.length).toBeGreaterThan(0);
  }
});

test('negative control: the same crash with exactly-once off double-counts, and the comparison shows it', async () => {
  const { mismatches } = await crashAndCompare(false);
  expect(mismatches.length).toBeGreaterThan(0);
});

test('restore from a compacted changelog with aborted transactions in it: the restore reads past what the cleaner left, and the aggregates still equal the recomputation', async () => {
  const id = `${run}-compacted`;
  // the changelog's settings, with segments that roll every second; compaction held back (a lag of an hour) until the
  // stage has written, so that what it wrote is counted before the cleaner removes any of it
  const changelog = { 'cleanup.policy': 'compact', 'segment.ms': '1000', 'min.cleanable.dirty.ratio': '0.01' };
  const { input, output, group, env } = await stageTopics(id, { ...changelog, 'min.compaction.lag.ms': '3600000' });
  const events = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, k) => from + k).map((i) => processedEvent(`c-${id}-${i}`, { service: ['checkout', 'search'][i % 2]!, level: 'info', at: (i % 200) * 100, latencyMs: i % 500 }, i));
  const feed = await feeder(input, 100, 300);
  // aborted transactions in the changelog: failures inside the open transaction, after its window updates were sent
  let stage = startStage(t, 'pipeline/aggregate/main.ts', { ...env, AGGREGATE_FAIL_AFTER_BATCHES: '3', AGGREGATE_FAIL_TIMES: '4' });
  // Two rounds, each committed before the next: every window key is then in the changelog twice before the last batch
  // below, so the cleaner has something to remove. (In one round a CI run's retries put the whole feed in one
  // transaction, every key once; the only later updates were in the active segment, which the cleaner leaves, and
  // the test waited 120 s for a drop that could not come.)
  await feed.send(events(0, 1500));
  await waitCaughtUp(t, group, input);
  await feed.send(events(1500, 3000));
  await waitCaughtUp(t, group, input);
  // The cleaner compacts only rolled segments, and a segment rolls on an append a segment.ms after its first record.
  // A last batch, after a pause, appends to every changelog partition, so all that came before is in rolled segments.
  await new Promise((r) => setTimeout(r, 1500));
  await feed.send(events(3000, 3100));
  await waitCaughtUp(t, group, input);
  stage.kill('SIGTERM');
  await exitCode(stage);
  // the same window keys updated again and again: once the cleaner has run, fewer records remain than were written.
  // (Counted while compaction is held: when the cleaner was free to run during the stage's run, as it was before, it
  // had sometimes removed all it could before the count, and a CI run waited 120 s for a drop that could not come.)
  const before = await readTopicToEnd(t, output);
  const written = before.length;
  expect(written).toBeGreaterThan(new Set(before.map((r) => `${r.partition}/${r.key}`)).size);
  await ensureTopics(t, [{ name: output, partitions: 3, config: { ...changelog, 'min.compaction.lag.ms': '0' } }]);
  await waitFor(`the log cleaner to compact ${output} (what the cleaner did is in the brokers' logs: \`just logs broker-a | grep -i cleaner\`)`, async () => (await readTopicToEnd(t, output)).length < written, { timeoutMs: 120_000, intervalMs: 3000 });
  stage = startStage(t, 'pipeline/aggregate/main.ts', env);
  await feed.send(events(3100, 3700));
  await waitCaughtUp(t, group, input);
  stage.kill('SIGTERM');
  await feed.close();

  const { mismatches: wrong, keys } = await mismatches(input, output);
  expect(keys).toBeGreaterThan(5);
  expect(wrong).toEqual([]);
});
