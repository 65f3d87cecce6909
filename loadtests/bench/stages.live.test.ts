// Our stages as the bench runs them (a process of their own over a filled topic), at a long commit interval: each
// new partition's restore reads a changelog partition the stage's own open transaction may have written to (the
// aggregate's p % 3 serves input partitions p and p + 3). Before the stage committed ahead of a restore, that read
// waited for the transaction until the coordinator timed it out and fenced the producer: 60,000 events took 200 s
// at a 500 ms interval instead of 8 s. The bound here is wide (a slow machine passes); the stall it guards against
// is minutes long.
import { bootstrapServers, ensureTopics, kafka } from '../../cluster/index.js';
import { ingestProducerSettings } from '../../pipeline/ingest/index.js';
import { liveTopology } from '../../test/live.js';
import { fillWithEvents, ourStages, readAll } from './ours.js';
import { verdictHolds, verdictSummary, verifyOutput } from './verify.js';

test('our stages at a 1 s commit interval restore every partition without waiting on their own transaction, and their output holds', async () => {
  const t = liveTopology();
  const brokers = bootstrapServers(t);
  const e = { brokers, clientId: 'stages-live' };
  const id = Math.random().toString(36).slice(2, 7);
  const topics = { input: `test.stages.${id}.in`, processed: `test.stages.${id}.processed`, dlq: `test.stages.${id}.dlq`, aggregates: `test.stages.${id}.aggregates`, aggregatePartitions: 3 };
  await ensureTopics(t, [{ name: topics.input, partitions: 6 }, { name: topics.processed, partitions: 6 }, { name: topics.dlq, partitions: 3 }, { name: topics.aggregates, partitions: 3, config: { 'cleanup.policy': 'compact' } }]);
  const admin = kafka(t).admin();
  await admin.connect();
  try {
    const sent = await fillWithEvents(e, topics.input, 30_000, `stages-${id}`, ingestProducerSettings(20));
    const r = await ourStages(e, kafka(t), topics, `test-stages-${id}`, sent.size, 1000, 90_000);
    expect(r.ms).toBeLessThan(90_000);
    const v = verifyOutput(sent.keys(), await readAll(e, topics.processed), await readAll(e, topics.aggregates), { sent });
    expect([verdictHolds(v), verdictSummary(v)]).toEqual([true, verdictSummary(v)]);
  } finally {
    await admin.deleteTopics({ topics: [topics.input, topics.processed, topics.dlq, topics.aggregates] }).catch(() => undefined);
    const groups = [`test-stages-${id}-process`, `test-stages-${id}-aggregate`];
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
}, 240_000);
