// produceAll, the send the ingest uses, and produceInTransaction, the stages', against the real cluster: every message
// arrives as given (key, partition, headers, value), inside a transaction only once it commits, and a message that
// cannot be delivered fails the call within the producer's delivery bound (or, in a transaction whose producer
// reports only failures, is reported and fails the commit) instead of going unnoticed.
import { randomUUID } from 'node:crypto';
import { bootstrapServers, ensureTopics } from '../../cluster/index.js';
import { liveTopology } from '../../test/live.js';
import { kafkaClient, produceAll, produceInTransaction, readToEnd, txnErrorKind } from './index.js';

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

test('in a transaction whose producer reports only failures: a flush and the commit deliver every message; one that failed is reported and fails the commit', async () => {
  const topic = `test.produce.${randomUUID().slice(0, 8)}`;
  await ensureTopics(t, [{ name: topic, partitions: 3 }]);
  const producer = kafkaClient(e).producer({
    kafkaJS: { transactionalId: `${topic}-txn`, idempotent: true, acks: -1, allowAutoTopicCreation: false },
    'delivery.report.only.error': true,
    'message.timeout.ms': 3000,
  } as never);
  await producer.connect();
  try {
    const failures: unknown[] = [];
    await producer.transaction();
    produceInTransaction(producer, topic, Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { n: String(i) } })), (x) => failures.push(x));
    await producer.flush({ timeout: 30_000 });
    await producer.commit();
    expect(failures).toEqual([]);
    const read = await readToEnd(e, topic, { timeoutMs: 30_000 });
    expect(new Map(read.map((r) => [r.key, r.value])).size).toBe(500);
    expect(read).toHaveLength(500);
    expect(read.find((r) => r.key === 'k7')).toMatchObject({ value: 'v7', headers: { n: '7' } });

    // the next transaction: one message to the topic, one that cannot be delivered (no such topic)
    await producer.transaction();
    produceInTransaction(producer, topic, [{ key: 'lost', value: 'never committed' }], (x) => failures.push(x));
    produceInTransaction(producer, `test.produce.absent-${randomUUID().slice(0, 8)}`, [{ key: 'a', value: '1' }], (x) => failures.push(x));
    await producer.flush({ timeout: 30_000 });
    // the failure's delivery report reaches JavaScript a moment after the flush ends
    for (let i = 0; i < 50 && !failures.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(failures).toHaveLength(1);
    const commit = await producer.commit().then(
      () => undefined,
      (x: unknown) => x,
    );
    // librdkafka requires an abort here; the binding passes that on as an error that is neither retriable nor fatal
    // (its `abortable` flag is lost), which the stage answers with an abort
    expect(String(commit)).toMatch(/1 message\(s\) failed delivery/);
    expect(txnErrorKind(commit)).not.toBe('retriable');
    await producer.abort();
    // nothing of the failed transaction is readable
    expect((await readToEnd(e, topic, { timeoutMs: 30_000 })).map((r) => r.key)).not.toContain('lost');
  } finally {
    await producer.disconnect();
  }
});
