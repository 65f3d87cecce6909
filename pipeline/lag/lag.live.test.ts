// The lag exporter against the real cluster: a group parked at a known offset
// on records with known timestamps has exactly the offset and time lag those
// imply, clamped at the log start once records are deleted below it. The
// records are written as the pipeline writes its own: lz4, by librdkafka.
import { randomUUID } from 'node:crypto';
import client from 'prom-client';
import { ensureTopics, kafka } from '../../cluster/index.js';
import { bootstrapServers } from '../../cluster/index.js';
import { liveTopology } from '../../test/live.js';
import { kafkaClient } from '../kafka/index.js';
import { LagExporter, lagMetrics } from './exporter.js';

const t = liveTopology();
const run = randomUUID().slice(0, 8);
const topic = `test.lag.${run}`;
const group = `test-lag-${run}`;
const gone = `test.lag-gone.${run}`;
const orphan = `test-lag-orphan-${run}`;

test('exact offset and time lag of a parked group, clamped at the log start; exported to Prometheus', async () => {
  await ensureTopics(t, [{ name: topic, partitions: 1 }]);
  const k = kafka(t, 'test-lag');
  // lz4, as the pipeline writes: the kafkajs probe could not decompress it, and the time lag of a lagging group was never known
  const producer = kafkaClient({ brokers: bootstrapServers(t), clientId: 'test-lag' }).producer({ kafkaJS: { idempotent: true, acks: -1 }, 'compression.type': 'lz4' } as never);
  await producer.connect();
  const now = Date.now();
  // record i is stamped (100 - i) s ago
  await producer.send({ topic, messages: Array.from({ length: 20 }, (_, i) => ({ key: String(i), value: `r${i}`, timestamp: String(now - (100 - i) * 1000) })) });
  await producer.disconnect();
  const admin = k.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '3' }] });

  const registry = new client.Registry();
  const exporter = new LagExporter(k, lagMetrics(registry), bootstrapServers(t));
  try {
    // a sample leaves out a group whose offsets could not be read (each group is read on its own: a coordinator that
    // moves answers NOT_COORDINATOR once, as one CI run saw), or fails as a whole (the exporter's loop then starts
    // afresh, as here); ask again, a bounded number of times. What is asked is exactness, the other groups and topics of
    // the cluster (an earlier test's, being deleted) are not this test's subject.
    const row = async () => {
      const failures: string[] = [];
      for (let i = 0; i < 10; i++) {
        try {
          const r = (await exporter.sample(() => now)).find((g) => g.group === group)?.partitions.find((p) => p.topic === topic);
          if (r) return r;
        } catch (e) {
          failures.push(e instanceof Error ? e.message : String(e));
          exporter.failed();
        }
        await new Promise((res) => setTimeout(res, 1000));
      }
      throw new Error(`no sample had ${group} on ${topic} in 10 tries; failed samples: ${failures.join('; ') || 'none'}`);
    };
    let r = await row();
    expect(r).toMatchObject({ committed: 3n, logStart: 0n, logEnd: 20n, offsetLag: 17n });
    expect(r.timeLagSeconds).toBeCloseTo(97, 3);
    expect(await registry.getSingleMetricAsString('faultline_consumer_lag_seconds')).toContain(`group="${group}",topic="${topic}",partition="0"} 97`);

    // records below offset 5 deleted: the group owes only what is still in the log, and its oldest is record 5
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '5' }] });
    r = await row();
    expect(r).toMatchObject({ committed: 3n, logStart: 5n, logEnd: 20n, offsetLag: 15n });
    expect(r.timeLagSeconds).toBeCloseTo(95, 3);

    // caught up: no lag in offsets or seconds
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '20' }] });
    r = await row();
    expect(r).toMatchObject({ offsetLag: 0n, timeLagSeconds: 0 });

    // a topic the exporter has seen is deleted (a finished bench's): the next samples must still come, as the
    // exporter's loop takes them (a failed one resets the client). A long-lived kafkajs client kept asking for the
    // deleted topic's metadata and failed every sample after it, freezing every group's lag.
    await ensureTopics(t, [{ name: gone, partitions: 1 }]);
    await admin.setOffsets({ groupId: orphan, topic: gone, partitions: [{ partition: 0, offset: '0' }] });
    expect((await exporter.sample(() => now)).some((g) => g.group === orphan)).toBe(true);
    await admin.deleteTopics({ topics: [gone] });
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '10' }] });
    // right after the deletion one sample may fail, or leave out a group whose offsets could not be read (each group
    // is read on its own); the next ones must have it again. The old client never recovered.
    let found: { committed: bigint | null; offsetLag: bigint } | undefined;
    const failures: string[] = [];
    for (let i = 0; i < 5 && !found; i++) {
      try {
        const after = await exporter.sample(() => now);
        found = after.find((g) => g.group === group)?.partitions.find((p) => p.topic === topic);
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
        exporter.failed();
      }
      if (!found) await new Promise((r) => setTimeout(r, 500));
    }
    expect(failures.length).toBeLessThan(2);
    expect(found).toMatchObject({ committed: 10n, offsetLag: 10n });
  } finally {
    await exporter.close();
    await admin.deleteGroups([group, orphan]).catch(() => undefined);
    await admin.deleteTopics({ topics: [gone] }).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});
