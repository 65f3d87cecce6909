import { byPartition, sendChunks } from './per-partition.js';

const counts = new Map([['t', 6]]);
const msgs = (n: number, size = 10) => Array.from({ length: n }, (_, i) => ({ key: `id-${i}`, value: 'x'.repeat(size) }));

test('one group per partition, the partition Java/kafkajs would pick for the key, every message once', () => {
  const groups = byPartition([{ topic: 't', messages: msgs(600) }], counts);
  expect(new Set(groups.map((g) => g.partition)).size).toBe(6);
  expect(groups.reduce((s, g) => s + g.messages.length, 0)).toBe(600);
  for (const g of groups) for (const m of g.messages) expect(m.partition).toBe(g.partition);
  // murmur2 is deterministic: the same key always lands on the same partition
  expect(byPartition([{ topic: 't', messages: msgs(600) }], counts)).toEqual(groups);
});

test('a partition over the byte budget is split into ordered chunks under it', () => {
  const groups = byPartition([{ topic: 't', messages: msgs(300, 10_000) }], counts, 100_000);
  for (const g of groups) expect(g.messages.reduce((s, m) => s + String(m.value).length, 0)).toBeLessThanOrEqual(100_000);
  expect(groups.length).toBeGreaterThan(6);
  const p0 = groups.filter((g) => g.partition === groups[0]!.partition).flatMap((g) => g.messages.map((m) => m.key));
  const all = byPartition([{ topic: 't', messages: msgs(300, 10_000) }], counts, 10_000_000).find((g) => g.partition === groups[0]!.partition)!;
  expect(p0).toEqual(all.messages.map((m) => m.key));
});

test('an unknown topic is an error, not a guess', () => {
  expect(() => byPartition([{ topic: 'other', messages: msgs(1) }], counts)).toThrow(/no partition count/);
});

test("sendChunks never has two sends of one partition in flight, and keeps a partition's order", async () => {
  const chunks = byPartition([{ topic: 't', messages: msgs(200, 1000) }], counts, 5000);
  const inFlight = new Set<number>();
  const order: string[] = [];
  await sendChunks(chunks, async (c) => {
    expect(inFlight.has(c.partition)).toBe(false);
    inFlight.add(c.partition);
    await new Promise((r) => setTimeout(r, 1));
    order.push(...c.messages.map((m) => `${c.partition}:${m.key}`));
    inFlight.delete(c.partition);
    return [];
  });
  for (const p of [0, 1, 2, 3, 4, 5]) {
    const sent = order.filter((x) => x.startsWith(`${p}:`));
    const expected = chunks.filter((c) => c.partition === p).flatMap((c) => c.messages.map((m) => `${p}:${m.key}`));
    expect(sent).toEqual(expected);
  }
});

test("a failed partition's error waits until every other partition's send has settled: the next send never overlaps one still in flight", async () => {
  const chunks = byPartition([{ topic: 't', messages: msgs(60) }], counts, 5000);
  let inFlight = 0;
  const failing = chunks[0]!.partition;
  const err = await sendChunks(chunks, async (c) => {
    inFlight++;
    try {
      if (c.partition === failing) throw new Error('NOT_LEADER_OR_FOLLOWER');
      await new Promise((r) => setTimeout(r, 20));
      return [];
    } finally {
      inFlight--;
    }
  }).catch((e: Error) => e);
  expect((err as Error).message).toBe('NOT_LEADER_OR_FOLLOWER');
  // with Promise.all the error arrived while the other partitions' sends were still running
  expect(inFlight).toBe(0);
});

test('an explicit partition is kept (co-partitioned output), wrapping when the topic is smaller', () => {
  const counts = new Map([['six', 6], ['three', 3]]);
  const m = (partition: number) => ({ key: `k${partition}`, value: 'v', partition });
  const groups = byPartition([{ topic: 'six', messages: [m(4), m(4)] }, { topic: 'three', messages: [m(4)] }], counts);
  expect(groups.map((g) => `${g.topic}/${g.partition}:${g.messages.length}`).sort()).toEqual(['six/4:2', 'three/1:1']);
});
