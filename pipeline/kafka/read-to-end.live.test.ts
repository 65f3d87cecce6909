// The reader that stage restores and the checkers' drains stand on, against the real cluster: "to the end" means to
// the high watermark, so a transaction in flight at the start of the read is waited for, never cut off.
import { randomUUID } from 'node:crypto';
import { bootstrapServers, ensureTopics, kafka } from '../../cluster/index.js';
import { liveTopology } from '../../test/live.js';
import { committedProbe, kafkaClient, readToEnd, topicOffsets } from './index.js';

const t = liveTopology();
const e = { brokers: bootstrapServers(t), clientId: 'test-read-to-end' };

/** A new one-partition topic and a connected transactional producer for it. */
async function topicWithTransactionalProducer() {
  const topic = `test.read-to-end.${randomUUID().slice(0, 8)}`;
  await ensureTopics(t, [{ name: topic, partitions: 1 }]);
  const producer = kafkaClient({ brokers: e.brokers, clientId: 'test-read-to-end' }).producer({ kafkaJS: { transactionalId: `${topic}-txn`, idempotent: true, acks: -1 } } as never);
  await producer.connect();
  return { topic, producer };
}

test('a transaction open when the read starts is waited for: its records are read once it commits, and the end is the high watermark, not the last stable offset', async () => {
  const { topic, producer } = await topicWithTransactionalProducer();
  try {
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] });
    // written and replicated, not committed: the high watermark is past them, the last stable offset is not
    expect((await topicOffsets(e, topic))[0]!.high).toBe('2');
    const read = readToEnd(e, topic, { timeoutMs: 30_000 });
    let settled = false;
    void read.finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 1500));
    // a read to the last stable offset (0) would have returned at once, with nothing
    expect(settled).toBe(false);
    await txn.commit();
    expect((await read).map((r) => r.value)).toEqual(['1', '2']);
  } finally {
    await producer.disconnect();
  }
});

test('a read with a limit stops at it; an aborted range holds no record, so the same read finds none there', async () => {
  const { topic, producer } = await topicWithTransactionalProducer();
  try {
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: Array.from({ length: 50 }, (_, i) => ({ key: `x${i}`, value: 'aborted' })) });
    await aborted.abort();
    const afterAbort = (await topicOffsets(e, topic))[0]!.high;
    const committed = await producer.transaction();
    await committed.send({ topic, messages: Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: String(i) })) });
    await committed.commit();
    const all = await readToEnd(e, topic, { timeoutMs: 30_000 });
    expect(all).toHaveLength(200);
    const one = await readToEnd(e, topic, { timeoutMs: 30_000, limit: 1 });
    expect(one.map((r) => r.value)).toEqual(['0']);
    // the aborted records and their marker: nothing committed below afterAbort
    expect(await readToEnd(e, topic, { timeoutMs: 30_000, until: new Map([[0, afterAbort]]), limit: 1 })).toEqual([]);
  } finally {
    await producer.disconnect();
  }
});

test('committedProbe reads a group’s committed offsets without joining the group; a group with none reads as none', async () => {
  const topic = `test.read-to-end.${randomUUID().slice(0, 8)}`;
  await ensureTopics(t, [{ name: topic, partitions: 3 }]);
  const group = `test-committed-${randomUUID().slice(0, 8)}`;
  const admin = kafka(t).admin();
  await admin.connect();
  const probe = await committedProbe(e, group);
  try {
    expect(await probe.committed(topic, [0, 1, 2])).toEqual(new Map());
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '7' }, { partition: 2, offset: '0' }] });
    expect(await probe.committed(topic, [0, 1, 2])).toEqual(new Map([[0, 7n], [2, 0n]]));
    // asking made it no member: the group is still empty
    const [described] = (await admin.describeGroups([group])).groups;
    expect([described!.state, described!.members]).toEqual(['Empty', []]);
  } finally {
    await probe.close();
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.disconnect();
  }
});
