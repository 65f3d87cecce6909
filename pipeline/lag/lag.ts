// Consumer lag, measured rather than estimated: per group and partition the
// committed offset, the log's start and end, the offset lag (clamped at the
// log start: offsets below it are gone, not owed), and the exact time lag:
// now minus the timestamp of the record at the committed offset, the oldest
// record the group has not consumed yet (0 when nothing waits). Group state
// and member count come from DescribeGroups.

/** One group's position on one partition. */
export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /** null: the group has committed nothing here yet (it would start at the log start or end). */
  committed: bigint | null;
  logStart: bigint;
  logEnd: bigint;
  /** Records between the committed offset (or the log start, if below it) and the log end. */
  offsetLag: bigint;
  /** Seconds since the oldest unconsumed record was written; 0 when caught up; null when unknown. */
  timeLagSeconds: number | null;
}

export interface GroupLag {
  group: string;
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, Dead, Unknown */
  state: string;
  members: number;
  partitions: PartitionLag[];
}

/** Offset lag of one partition, clamped: never negative, never counting offsets below the log start. */
export function offsetLag(committed: bigint | null, logStart: bigint, logEnd: bigint): bigint {
  const from = committed === null || committed < logStart ? logStart : committed;
  return logEnd > from ? logEnd - from : 0n;
}

/**
 * Time lag from the probe's answer: the timestamp (ms) of the first record at
 * or after the committed offset, or `caughtUp` when only transaction markers
 * or nothing lie between it and the log end.
 */
export function timeLag(answer: { timestamp: number } | 'caught-up' | 'unknown', nowMs: number): number | null {
  if (answer === 'caught-up') return 0;
  if (answer === 'unknown') return null;
  return Math.max(0, (nowMs - answer.timestamp) / 1000);
}

/** Groups worth exporting: not the transient readers and probes (a random UUID in the name). */
export function exportedGroup(group: string): boolean {
  return !/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.test(group);
}
