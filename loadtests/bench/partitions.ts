// Partition counts of the bench's topics, asked with kafkajs's admin (the cluster module's client).
import type { Kafka } from 'kafkajs';

/**
 * Partition counts of topics (they are fixed for the pipeline's lifetime). A topic created a moment ago may be
 * unknown to the broker asked (its metadata cache lags the controller: `just bench` met this right after creating its
 * topics), so that answer is retried for up to 10 s.
 */
export async function partitionCounts(kafka: Kafka, topics: string[]): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics });
        return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
      } catch (e) {
        const type = (e as { type?: string }).type;
        if (attempt >= 20 || (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE')) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await admin.disconnect();
  }
}
