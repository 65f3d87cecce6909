// produceAll, the send the ingest and the stages use, against the real cluster: every message arrives as given (key,
// partition, headers, value), inside a transaction only once it commits, and a message that cannot be delivered fails
// the call within the producer's delivery bound instead of leaving it waiting.
import { randomUUID } from 'node:crypto';
import { bootstrapServers, ensureTopics } from '../../cluster/index.js';
import { liveTopology } from '../../test/live.js';
import { kafkaClient, produceAll, readToEnd } from './index.js';

const t = liveTopology();
const e = { brokers: bootstrapServers(t), clientId: 'test-produce' };

test('every message arrives once as given: key, chosen partition or the key partitioner, headers, value; in a transaction only after the commit', async () => {
  const topic = `test.produce.${randomUUID().slice(0, 8)}`;
  await ensureTopics(t, [{ name: topic, partitions: 3 }]);
  const producer = kafkaClient(e).producer({ kafkaJS: { transactionalId: `${topic}-txn`, idempotent: true, acks: -1 } } as never);
  await producer.connect();
  try {
    await producer.transaction();
    const keyed = Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { n: String(i), tag: ['x', 'y'] as string[] } }));
    const placed = [{ key: null, value: Buffer.from('on two'), partition: 2 }];
    await Promise.all([produceAll(producer, topic, keyed), produceAll(producer, topic, placed)]);
    // written, not committed: a read_committed reader reads none of them
    await expect(readToEnd(e, topic, { timeoutMs: 1500 })).rejects.toThrow(/; 0 records were read/);
    await producer.commit();
    const read = await readToEnd(e, topic, { timeoutMs: 30_000 });
    expect(read).toHaveLength(301);
    expect(read.find((r) => r.value === 'on two')).toMatchObject({ partition: 2 });
    const byKey = new Map(read.filter((r) => r.key).map((r) => [r.key!, r]));
    expect(byKey.size).toBe(300);
    for (let i = 0; i < 300; i++) expect(byKey.get(`k${i}`)).toMatchObject({ value: `v${i}`, headers: { n: String(i) } });
    // the key partitioner spread them: not all in one partition
    expect(new Set(read.map((r) => r.partition)).size).toBe(3);
  } finally {
    await producer.disconnect();
  }
});

test('a message that cannot be delivered rejects the call within message.timeout.ms, and an empty call resolves at once', async () => {
  const producer = kafkaClient(e).producer({ kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: false }, 'message.timeout.ms': 3000 } as never);
  await producer.connect();
  try {
    await expect(produceAll(producer, `test.produce.absent-${randomUUID().slice(0, 8)}`, [])).resolves.toBeUndefined();
    const t0 = Date.now();
    await expect(produceAll(producer, `test.produce.absent-${randomUUID().slice(0, 8)}`, [{ key: 'a', value: '1' }])).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(20_000);
  } finally {
    await producer.disconnect();
  }
});
