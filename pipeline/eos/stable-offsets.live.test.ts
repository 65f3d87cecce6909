// Why the stages read their committed offset through our OffsetFetch v7: while
// a transaction holding offsets is open, kafkajs's plain read returns the old
// offset as if it were settled; the stable read refuses to answer until the
// transaction ends, then returns what it committed.
import { randomUUID } from 'node:crypto';
import { bootstrapServers, ensureTopics, kafka } from '../../cluster/index.js';
import { liveTopology } from '../../test/live.js';
import { fetchStableOffsets } from './stable-offsets.js';

const t = liveTopology();
const run = randomUUID().slice(0, 8);
const topic = `test.stable.${run}`;
const groupId = `test-stable-${run}`;

test('a pending transactional offset commit: the plain read says 5 as if settled, the stable read waits, then says 9', async () => {
  await ensureTopics(t, [{ name: topic, partitions: 1 }]);
  const k = kafka(t, 'test-stable');
  const producer = k.producer({ transactionalId: `test-stable-${run}`, idempotent: true, maxInFlightRequests: 1 });
  const admin = k.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  const opts = { brokers: bootstrapServers(t), timeoutMs: 3000 };
  const commitAt = async (offset: string, commit: boolean) => {
    const txn = await producer.transaction();
    await txn.send({ topic, acks: -1, messages: [{ key: offset, value: offset }] });
    await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition: 0, offset }] }] });
    if (commit) await txn.commit();
    return txn;
  };
  try {
    expect((await fetchStableOffsets(groupId, topic, [0], opts)).get(0)).toBeNull();
    await commitAt('5', true);
    expect((await fetchStableOffsets(groupId, topic, [0], opts)).get(0)).toBe(5n);

    const open = await commitAt('9', false);
    const plain = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(plain[0]!.partitions[0]!.offset).toBe('5');
    await expect(fetchStableOffsets(groupId, topic, [0], opts)).rejects.toThrow(/UNSTABLE_OFFSET_COMMIT/);

    await open.commit();
    expect((await fetchStableOffsets(groupId, topic, [0], opts)).get(0)).toBe(9n);
  } finally {
    await producer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});
