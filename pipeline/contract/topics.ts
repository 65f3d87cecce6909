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
  // the aggregates are a changelog (latest value per window key), but not compacted: the cleaner leaves an empty
  // batch (count 0) where an aborted transaction's records were, kafkajs returns nothing for it and never fetches
  // past it, and every read_committed reader stopped there for good (the aggregate's restore of logs.aggregates-2
  // at offset 13755, the dashboard, the checkers' drain). Kept a day instead: a restore reads every update of the
  // last day, and a window whose updates are older than that restarts from zero.
  { name: TOPICS.aggregates, partitions: 3, config: { 'cleanup.policy': 'delete', 'retention.ms': '86400000', 'segment.ms': '600000' } },
  { name: TOPICS.dlq, partitions: 3 },
];
