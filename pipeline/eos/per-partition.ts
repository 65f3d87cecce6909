// Sends that survive a leader failover with kafkajs. kafkajs's send() keeps
// one response slot per broker: when a retry finds a dead broker's partitions
// now led by a broker that already answered for others, it never re-sends
// them and still resolves (and its idempotence sequence bookkeeping then
// drops or repeats batches). `just chaos broker-kill` caught both: acknowledged
// events missing from logs.raw, others written twice. So every send we make
// holds exactly one partition, and a partition never has two sends in flight.
import kafkajs from 'kafkajs';
import type { Kafka, Message } from 'kafkajs';

export interface PartitionMessages {
  topic: string;
  partition: number;
  messages: Message[];
}

const partitioner = kafkajs.Partitioners.DefaultPartitioner();

/** Partition counts of topics (they are fixed for the pipeline's lifetime). */
export async function partitionCounts(kafka: Kafka, topics: string[]): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics });
    return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}

/** Groups messages by the partition kafkajs's default partitioner (murmur2 of the key, as Java's) would pick. */
export function byPartition(topicMessages: { topic: string; messages: Message[] }[], counts: Map<string, number>): PartitionMessages[] {
  const groups = new Map<string, PartitionMessages>();
  for (const { topic, messages } of topicMessages) {
    const n = counts.get(topic);
    if (!n) throw new Error(`no partition count known for topic ${topic}`);
    const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
    for (const m of messages) {
      const partition = m.partition ?? partitioner({ topic, partitionMetadata, message: m });
      const k = `${topic}/${partition}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { topic, partition, messages: [] }));
      g.messages.push({ ...m, partition });
    }
  }
  return [...groups.values()];
}
