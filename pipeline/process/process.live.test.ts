// The process stage against the real cluster: a processor SIGKILLed mid-stream
// and restarted still yields every valid event exactly once (read_committed),
// and poison records land in the DLQ with their reason.
import { randomUUID } from 'node:crypto';
import { ensureTopics, kafka, waitFor } from '../../cluster/index.js';
import { HEADERS } from '../contract/index.js';
import { liveTopology } from '../../test/live.js';
import { readTopicToEnd } from '../../test/read-topic.js';
import { exitCode, killStages, outputOf, startStage, waitCaughtUp } from '../../test/stage-process.js';

const t = liveTopology();
const run = randomUUID().slice(0, 8);
const topicsFor = (id: string) => ({ input: `test.raw.${id}`, output: `test.processed.${id}`, dlq: `test.dlq.${id}` });
const topics = topicsFor(run);

const startProcessor = (env: Record<string, string> = {}, tp = topics) =>
  startStage(t, 'pipeline/process/main.ts', { PROCESS_GROUP: `test-process-${tp.input}`, PROCESS_INPUT: tp.input, PROCESS_OUTPUT: tp.output, PROCESS_DLQ: tp.dlq, ...env });

afterAll(killStages);

/** How many times each key is in a topic (read_committed, to its end). */
async function keyCounts(topic: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const r of await readTopicToEnd(t, topic)) counts.set(r.key!, (counts.get(r.key!) ?? 0) + 1);
  return counts;
}

const event = (i: number, id = `p-${run}-${i}`) =>
  JSON.stringify({ id, service: 'checkout', level: i % 7 ? 'info' : 'error', message: i % 5 ? 'ok' : 'upstream timeout', timestamp: new Date().toISOString(), latencyMs: i });

/** A test's own input, output and DLQ topics, and a feed of valid events `${prefix}-${i}` into its input. */
async function feedFor(tp: ReturnType<typeof topicsFor>, prefix: string, partitions: number, dlqPartitions: number) {
  await ensureTopics(t, [
    { name: tp.input, partitions },
    { name: tp.output, partitions },
    { name: tp.dlq, partitions: dlqPartitions },
  ]);
  const producer = kafka(t, 'test-process-feed').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    producer,
    send: (from: number, to: number) =>
      producer.send({ topic: tp.input, acks: -1, messages: Array.from({ length: to - from }, (_, k) => ({ key: `${prefix}-${from + k}`, value: event(from + k, `${prefix}-${from + k}`) })) }),
    disconnect: () => producer.disconnect(),
  };
}

test('SIGKILL mid-stream and restart: every valid event exactly once in the output, poison in the DLQ with its reason', async () => {
  const { producer } = await feedFor(topics, `p-${run}`, 6, 3);
  const total = 4000;
  const poison = new Set<number>([17, 1234, 3999]);
  const send = async (from: number, to: number) => {
    const messages = [];
    for (let i = from; i < to; i++) messages.push({ key: `p-${run}-${i}`, value: poison.has(i) ? (i === 17 ? '{not json' : JSON.stringify({ id: `p-${run}-${i}`, level: 'loud' })) : event(i) });
    await producer.send({ topic: topics.input, acks: -1, messages });
  };

  let proc = startProcessor();
  await send(0, 1000);
  // let the first processor commit something, then kill it in the middle of the stream
  await waitFor('the first processor to commit output', async () => (await outputCount()) > 0, { timeoutMs: 90_000, intervalMs: 500 });
  await send(1000, 2500);
  proc.kill('SIGKILL');
  await send(2500, total);
  proc = startProcessor();

  const expected = total - poison.size;
  await waitCaughtUp(t, `test-process-${topics.input}`, topics.input);
  const records = await readTopicToEnd(t, topics.output);
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.key!, (counts.get(r.key!) ?? 0) + 1);
  const dups = [...counts].filter(([, c]) => c > 1);
  // a counterexample names where each copy sits: output partition/offset and the input offset it came from
  const where = (key: string) => records.filter((r) => r.key === key).map((r) => `${r.partition}/${r.offset} <- ${JSON.stringify((JSON.parse(r.value) as { source: unknown }).source)}`);
  expect(dups.slice(0, 5).map(([k]) => [k, where(k)])).toEqual([]);
  expect(counts.size).toBe(expected);
  for (const i of poison) expect(counts.has(`p-${run}-${i}`)).toBe(false);
  const first = JSON.parse(records[0]!.value) as { severity: number; category: string; source: { partition: number } };
  expect(typeof first.severity).toBe('number');
  expect(first.source.partition).toBeGreaterThanOrEqual(0);

  const dlq = await readTopicToEnd(t, topics.dlq);
  expect(dlq.map((r) => r.key).sort()).toEqual([...poison].map((i) => `p-${run}-${i}`).sort());
  expect(dlq.find((r) => r.key === `p-${run}-17`)!.headers[HEADERS.dlqReason]).toMatch(/^not JSON/);
  expect(dlq.find((r) => r.key === `p-${run}-1234`)!.headers[HEADERS.dlqReason]).toMatch(/^schema: /);
  await producer.disconnect();
  proc.kill('SIGTERM');
});

async function outputCount(): Promise<number> {
  const admin = kafka(t).admin();
  await admin.connect();
  try {
    const offs = await admin.fetchOffsets({ groupId: `test-process-${topics.input}`, topics: [topics.input] });
    return offs[0]!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Feeds `n` valid events, crashes the processor between its produce and its commit, restarts it, and counts the output per id. */
async function crashBetweenProduceAndCommit(exactlyOnce: boolean): Promise<{ counts: Map<string, number>; expected: number }> {
  const id = `${run}-${exactlyOnce ? 'eos' : 'alo'}`;
  const tp = topicsFor(id);
  const feed = await feedFor(tp, `c-${id}`, 3, 1);
  const n = 1500;
  await feed.send(0, n);
  await feed.disconnect();
  // exactly-once off is the negative control, unsafe all the way: de-duplication by id (which would drop the replayed
  // batch) is off too
  const mode = { PROCESS_EXACTLY_ONCE: String(exactlyOnce), ...(exactlyOnce ? {} : { PROCESS_DEDUP_HORIZON_MS: '0' }) };
  const crashing = startProcessor({ ...mode, PROCESS_CRASH_AFTER_BATCHES: '1' }, tp);
  expect(await exitCode(crashing)).toBe(137);
  const proc = startProcessor(mode, tp);
  await waitCaughtUp(t, `test-process-${tp.input}`, tp.input);
  const records = await readTopicToEnd(t, tp.output);
  proc.kill('SIGTERM');
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.key!, (counts.get(r.key!) ?? 0) + 1);
  return { counts, expected: n };
}

test('a crash between produce and commit: exactly-once leaves no duplicate', async () => {
  const { counts, expected } = await crashBetweenProduceAndCommit(true);
  expect(counts.size).toBe(expected);
  expect([...counts.values()].filter((c) => c > 1)).toHaveLength(0);
});

test.each([
  ['streamed while it runs (many small batches)', 'stream'],
  ['a backlog present before it starts (few large batches)', 'backlog'],
] as const)('a transient failure inside a transaction (abort, consumer retry or rejoin), input %s: nothing lost, nothing duplicated', async (_label, feed) => {
  const id = `${run}-transient-${feed}`;
  const tp = topicsFor(id);
  const feeder = await feedFor(tp, `t-${id}`, 6, 1);
  const fault = feed === 'stream' ? { PROCESS_FAIL_AFTER_BATCHES: '8', PROCESS_FAIL_TIMES: '12' } : { PROCESS_FAIL_AFTER_BATCHES: '3', PROCESS_FAIL_TIMES: '2' };
  let proc = feed === 'stream' ? startProcessor(fault, tp) : undefined;
  const n = 3000;
  for (let from = 0; from < n; from += 100) {
    await feeder.send(from, from + 100);
    if (feed === 'stream') await new Promise((r) => setTimeout(r, 50));
  }
  await feeder.disconnect();
  proc ??= startProcessor(fault, tp);
  await waitCaughtUp(t, `test-process-${tp.input}`, tp.input);
  const records = await readTopicToEnd(t, tp.output);
  proc.kill('SIGTERM');
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.key!, (counts.get(r.key!) ?? 0) + 1);
  expect([...counts].filter(([, c]) => c > 1).slice(0, 5)).toEqual([]);
  expect(counts.size).toBe(n);
});

test('negative control: the same crash with exactly-once off duplicates the batch, and the count shows it', async () => {
  const { counts, expected } = await crashBetweenProduceAndCommit(false);
  expect(counts.size).toBe(expected);
  expect([...counts.values()].filter((c) => c > 1).length).toBeGreaterThan(0);
});

test('a committed offset read stale (rewound behind the committed output): the processor resumes from the output lineage, no duplicate', async () => {
  // what a stale committed-offset read after fencing looks like to the stage, made deterministic: the group's
  // offsets are set back to the start while its output already holds every event
  const id = `${run}-lineage`;
  const tp = topicsFor(id);
  const group = `test-process-${tp.input}`;
  const feed = await feedFor(tp, `l-${id}`, 3, 1);
  const n = 900;
  await feed.send(0, n);
  let proc = startProcessor({}, tp);
  await waitCaughtUp(t, group, tp.input);
  proc.kill('SIGTERM');
  await exitCode(proc);
  const admin = kafka(t).admin();
  await admin.connect();
  await waitFor('the group to be empty', async () => (await admin.describeGroups([group])).groups[0]!.state === 'Empty', { timeoutMs: 60_000, intervalMs: 500 });
  await admin.setOffsets({ groupId: group, topic: tp.input, partitions: [0, 1, 2].map((partition) => ({ partition, offset: '0' })) });
  await admin.disconnect();
  await feed.send(n, n + 300);
  proc = startProcessor({}, tp);
  await waitCaughtUp(t, group, tp.input);
  proc.kill('SIGTERM');
  await feed.disconnect();
  const counts = await keyCounts(tp.output);
  expect(counts.size).toBe(n + 300);
  expect([...counts].filter(([, c]) => c > 1).slice(0, 5)).toEqual([]);
});

test('retried ids (the same event written twice to the input, before and after a SIGKILL and restart): each id once in the output', async () => {
  const id = `${run}-dedup`;
  const tp = topicsFor(id);
  const group = `test-process-${tp.input}`;
  const feed = await feedFor(tp, `d-${id}`, 3, 1);
  await feed.send(0, 600);
  // a client that did not learn the outcome retries with the same ids: the copies land on the same partition (key = id)
  await feed.send(300, 600);
  let proc = startProcessor({}, tp);
  await waitCaughtUp(t, group, tp.input);
  proc.kill('SIGKILL');
  await exitCode(proc);
  // after a crash the ids seen come back from the output: a retry that arrives later is still dropped
  await feed.send(0, 100);
  await feed.send(600, 700);
  proc = startProcessor({}, tp);
  await waitCaughtUp(t, group, tp.input);
  proc.kill('SIGTERM');
  await feed.disconnect();
  const counts = await keyCounts(tp.output);
  expect([...counts].filter(([, c]) => c > 1).slice(0, 5)).toEqual([]);
  expect(counts.size).toBe(700);
});

test('negative control: with de-duplication off (horizon 0) the same retries are duplicated in the output', async () => {
  const id = `${run}-nodedup`;
  const tp = topicsFor(id);
  const feed = await feedFor(tp, `n-${id}`, 3, 1);
  await feed.send(0, 300);
  await feed.send(0, 300);
  await feed.disconnect();
  const proc = startProcessor({ PROCESS_DEDUP_HORIZON_MS: '0' }, tp);
  await waitCaughtUp(t, `test-process-${tp.input}`, tp.input);
  proc.kill('SIGTERM');
  const counts = await keyCounts(tp.output);
  expect(counts.size).toBe(300);
  expect([...counts.values()].filter((c) => c > 1)).toHaveLength(300);
});

/**
 * Two instances of one group, de-duplication off; the first is frozen mid-stream past its 10 s session (its
 * partitions go to the other), then resumed. Returns how many times each of the 3000 ids is in the output.
 */
async function zombieRun(exactlyOnce: boolean): Promise<Map<string, number>> {
  const id = `${run}-zombie-${exactlyOnce ? 'eos' : 'alo'}`;
  const tp = topicsFor(id);
  const group = `test-process-${tp.input}`;
  const feed = await feedFor(tp, `z-${id}`, 6, 1);
  // de-duplication off: only the fencing (the group's generation on the zombie's offset commit) keeps the output exact
  const env = { PROCESS_DEDUP_HORIZON_MS: '0', PROCESS_EXACTLY_ONCE: String(exactlyOnce) };
  const zombie = startProcessor({ ...env, PROCESS_INSTANCE_ID: 'zombie' }, tp);
  await feed.send(0, 600);
  await waitFor('the first instance to commit output', async () => (await readTopicToEnd(t, tp.output)).length > 0, { timeoutMs: 90_000, intervalMs: 500 });
  const other = startProcessor({ ...env, PROCESS_INSTANCE_ID: 'other' }, tp);
  await new Promise((r) => setTimeout(r, 5000));
  // frozen mid-stream, past its 10 s session: the group gives its partitions to the other instance
  await feed.send(600, 1200);
  zombie.kill('SIGSTOP');
  await feed.send(1200, 1800);
  await new Promise((r) => setTimeout(r, 15_000));
  await feed.send(1800, 2400);
  zombie.kill('SIGCONT');
  await feed.send(2400, 3000);
  await waitCaughtUp(t, group, tp.input);
  zombie.kill('SIGTERM');
  other.kill('SIGTERM');
  await feed.disconnect();
  return keyCounts(tp.output);
}

test('a zombie (an instance paused past its session while its transaction is open, then resumed) is fenced: with de-duplication off, every id once', async () => {
  const counts = await zombieRun(true);
  expect([...counts].filter(([, c]) => c > 1).slice(0, 5)).toEqual([]);
  expect(counts.size).toBe(3000);
});

test('negative control: the same zombie with exactly-once off is not fenced, and the output shows its duplicates', async () => {
  const counts = await zombieRun(false);
  expect(counts.size).toBe(3000);
  expect([...counts.values()].filter((c) => c > 1).length).toBeGreaterThan(0);
});

test('restores that fail, their partitions taken by a second instance and given back before the retry: every partition is fetched again, every id once', async () => {
  const id = `${run}-restore-retry`;
  const tp = topicsFor(id);
  const group = `test-process-${tp.input}`;
  const feed = await feedFor(tp, `rr-${id}`, 6, 1);
  await feed.send(0, 600);
  // every partition's first restore fails, and its retry waits 20 s: the rebalances below come within that wait
  const first = startProcessor({ PROCESS_INSTANCE_ID: 'first', PROCESS_RESTORE_FAILURES: '6', PROCESS_RESTORE_RETRY_MS: '20000' }, tp);
  const failed = () => (outputOf(first).match(/restoring partition \d+ failed \(injected restore failure/g) ?? []).length;
  await waitFor('the first instance to fail the restore of every partition', async () => failed() >= 6, { timeoutMs: 60_000, intervalMs: 250 });
  // a second instance takes some of them (revoked from the first while paused), restores them and leaves: the group
  // gives them back to the first (librdkafka keeps a pause across that; before the fix they were never fetched again)
  const second = startProcessor({ PROCESS_INSTANCE_ID: 'second' }, tp);
  await waitFor('the second instance to restore a partition', async () => /partition \d+ restored in/.test(outputOf(second)), { timeoutMs: 60_000, intervalMs: 250 });
  second.kill('SIGTERM');
  await exitCode(second);
  await feed.send(600, 1200);
  await waitCaughtUp(t, group, tp.input);
  first.kill('SIGTERM');
  await feed.disconnect();
  const counts = await keyCounts(tp.output);
  expect([...counts].filter(([, c]) => c > 1).slice(0, 5)).toEqual([]);
  expect(counts.size).toBe(1200);
});

test("an input that ends in an aborted transaction: the idle stage commits past it, and the group's lag comes to 0", async () => {
  const tp = topicsFor(`${run}-aborted-tail`);
  const feed = await feedFor(tp, `at-${run}`, 1, 1);
  await feed.send(0, 50);
  // then a transaction of 30 events that aborts: the partition ends in aborted data and its abort marker, which a
  // read_committed consumer passes without a batch (before the fix the group stayed 31 behind until the next record)
  const aborter = kafka(t, 'test-process-aborter').producer({ transactionalId: `test-aborter-${run}`, idempotent: true, maxInFlightRequests: 1 });
  await aborter.connect();
  const tx = await aborter.transaction();
  await tx.send({ topic: tp.input, acks: -1, messages: Array.from({ length: 30 }, (_, k) => ({ key: `at-aborted-${run}-${k}`, value: event(k, `at-aborted-${run}-${k}`) })) });
  await tx.abort();
  await aborter.disconnect();
  await feed.disconnect();
  const group = `test-process-${tp.input}`;
  const proc = startProcessor({}, tp);
  const admin = kafka(t, 'test-process-offsets').admin();
  await admin.connect();
  try {
    const end = (await admin.fetchTopicOffsets(tp.input))[0]!.high;
    expect(Number(end)).toBe(81);
    await waitFor(
      `the group's committed offset to reach the input's end (${end})`,
      async () => (await admin.fetchOffsets({ groupId: group, topics: [tp.input] }))[0]?.partitions[0]?.offset === end,
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
  } finally {
    await admin.disconnect();
    proc.kill('SIGTERM');
    await exitCode(proc);
  }
  // the 50 committed events once each, none of the aborted ones
  const counts = await keyCounts(tp.output);
  expect(counts.size).toBe(50);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect([...counts.keys()].some((k) => k.startsWith('at-aborted-'))).toBe(false);
});
