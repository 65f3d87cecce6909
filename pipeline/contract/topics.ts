// The pipeline's topics: names and shapes shared by every stage, the cluster
// provider that creates them, and the chaos workloads that read them.
export interface TopicSpec {
  name: string;
  partitions: number;
  /** Extra topic configs beyond the cluster defaults (RF 3, min ISR 2). */
  config?: Record<string, string>;
}

export const TOPICS = {
  raw: 'logs.raw',
  processed: 'logs.processed',
  aggregates: 'logs.aggregates',
  dlq: 'logs.dlq',
} as const;

export const PIPELINE_TOPICS: TopicSpec[] = [
  { name: TOPICS.raw, partitions: 6 },
  { name: TOPICS.processed, partitions: 6 },
  // the aggregates are the aggregate stage's changelog (a KTable, as in Kafka Streams): the latest value per window
  // key, compacted. librdkafka reads past the empty batch the cleaner leaves where an aborted transaction was
  // (kafkajs never fetched past it, so this topic once had to keep every update for a day instead).
  { name: TOPICS.aggregates, partitions: 3, config: { 'cleanup.policy': 'compact', 'segment.ms': '600000', 'min.cleanable.dirty.ratio': '0.1' } },
  { name: TOPICS.dlq, partitions: 3 },
];
