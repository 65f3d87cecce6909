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
  // the aggregates are a changelog (latest value per window key): compaction drops superseded values, and
  // 10-minute segments let it (the active segment is never compacted: with the 1 GiB default it never rolled,
  // and every restore read every update ever written)
  { name: TOPICS.aggregates, partitions: 3, config: { 'cleanup.policy': 'compact', 'segment.ms': '600000' } },
  { name: TOPICS.dlq, partitions: 3 },
];
