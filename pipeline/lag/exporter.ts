// The lag exporter: every few seconds, every consumer group's position on
// every partition it committed, exported to Prometheus. These are the numbers
// the dashboard and the ConsumerTimeLagHigh alert use. Offsets through the kafkajs
// admin (it reads them right); record timestamps through librdkafka (the probe).
import type { Admin, Kafka } from 'kafkajs';
import client from 'prom-client';
import { exportedGroup, offsetLag, timeLag, type GroupLag, type PartitionLag } from './lag.js';
import { probeKey, TimestampProbe } from './probe.js';

export const GROUP_STATES = ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead', 'Unknown'] as const;

export function lagMetrics(registry: client.Registry) {
  const labelNames = ['group', 'topic', 'partition'] as const;
  return {
    offsets: new client.Gauge({ name: 'faultline_consumer_lag_offsets', help: 'Records between the committed offset (clamped at the log start) and the log end', labelNames, registers: [registry] }),
    seconds: new client.Gauge({ name: 'faultline_consumer_lag_seconds', help: 'Now minus the timestamp of the record at the committed offset; 0 when caught up', labelNames, registers: [registry] }),
    committed: new client.Gauge({ name: 'faultline_consumer_committed_offset', help: 'The group\'s committed offset', labelNames, registers: [registry] }),
    logEnd: new client.Gauge({ name: 'faultline_topic_log_end_offset', help: 'High watermark of the partition', labelNames: ['topic', 'partition'], registers: [registry] }),
    logStart: new client.Gauge({ name: 'faultline_topic_log_start_offset', help: 'First offset still in the log', labelNames: ['topic', 'partition'], registers: [registry] }),
    members: new client.Gauge({ name: 'faultline_consumer_group_members', help: 'Members of the consumer group', labelNames: ['group'], registers: [registry] }),
    state: new client.Gauge({ name: 'faultline_consumer_group_state', help: '1 for the group\'s current state', labelNames: ['group', 'state'], registers: [registry] }),
    sampleSeconds: new client.Gauge({ name: 'faultline_lag_exporter_sample_seconds', help: 'Duration of the last sample', registers: [registry] }),
    lastSuccess: new client.Gauge({ name: 'faultline_lag_exporter_last_success_timestamp_seconds', help: 'When a sample last succeeded', registers: [registry] }),
    failures: new client.Counter({ name: 'faultline_lag_exporter_failures_total', help: 'Samples that failed (cluster unreachable, ...)', registers: [registry] }),
  };
}

export class LagExporter {
  private admin: Admin;
  private readonly probe: TimestampProbe;
  private connected = false;
  /** Groups whose committed offsets could not be read (said once each in the log). */
  private readonly unreadable = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly m: ReturnType<typeof lagMetrics>,
    brokers: string[],
  ) {
    this.admin = kafka.admin();
    this.probe = new TimestampProbe({ brokers, clientId: 'faultline-lag-probe' });
  }

  /** One sample of every exported group; the gauges are replaced as a whole (a deleted group disappears). */
  async sample(now = () => Date.now()): Promise<GroupLag[]> {
    const t0 = performance.now();
    if (!this.connected) {
      await this.admin.connect();
      this.connected = true;
    }
    const listed = await this.admin.listGroups();
    const names = listed.groups.filter((g) => g.protocolType === 'consumer' && exportedGroup(g.groupId)).map((g) => g.groupId);
    const described = names.length ? (await this.admin.describeGroups(names)).groups : [];
    // one group at a time may fail without the others: a group whose topic was deleted (a finished bench's or chaos
    // run's) answers UNKNOWN_TOPIC_OR_PARTITION forever, and once failed every sample, freezing every group's lag
    const committed = await Promise.all(
      names.map(async (group) => {
        try {
          return { group, topics: await this.admin.fetchOffsets({ groupId: group }) };
        } catch (e) {
          if (!this.unreadable.has(group)) console.error(`lag exporter: group ${group}: committed offsets unreadable (${e instanceof Error ? e.message : String(e)}); exported without partitions`);
          this.unreadable.add(group);
          return { group, topics: [] as Awaited<ReturnType<Admin['fetchOffsets']>> };
        }
      }),
    );
    const topics = [...new Set(committed.flatMap((c) => c.topics.filter((t) => t.partitions.some((p) => p.offset !== '-1')).map((t) => t.topic)))];
    const ends = new Map<string, { partition: number; high: string; low: string }[]>();
    await Promise.all(
      topics.map(async (t) => {
        try {
          ends.set(t, await this.admin.fetchTopicOffsets(t));
        } catch {
          // deleted since the group committed to it: nothing to owe
        }
      }),
    );
    const rowsOf = names.map((group) => {
      const topicsOf = committed.find((c) => c.group === group)!.topics;
      const rows = topicsOf
        .flatMap((t) =>
          (ends.get(t.topic) ?? []).map((e) => {
            const c = t.partitions.find((p) => p.partition === e.partition)?.offset;
            return { topic: t.topic, partition: e.partition, committed: c === undefined || c === '-1' ? null : BigInt(c), logStart: BigInt(e.low), logEnd: BigInt(e.high) };
          }),
        )
        .filter((r) => r.committed !== null || topicsOf.find((t) => t.topic === r.topic)!.partitions.some((p) => p.offset !== '-1'))
        .map((r) => ({ ...r, offsetLag: offsetLag(r.committed, r.logStart, r.logEnd), from: r.committed === null || r.committed < r.logStart ? r.logStart : r.committed }));
      return { group, rows };
    });
    // one probe for every lagging partition of every group at once (a reader's round trip each was 10 s a sample)
    const answers = await this.probe.timestampsAt(rowsOf.flatMap((g) => g.rows.filter((r) => r.offsetLag > 0n).map((r) => ({ topic: r.topic, partition: r.partition, offset: r.from }))));
    const groups: GroupLag[] = rowsOf.map(({ group, rows }) => {
      const d = described.find((x) => x.groupId === group);
      const partitions: PartitionLag[] = rows.map(({ from, ...r }) => {
        const answer = r.offsetLag === 0n ? 'caught-up' : (answers.get(probeKey(r.topic, r.partition, from)) ?? 'unknown');
        return { group, ...r, timeLagSeconds: timeLag(answer, now()) };
      });
      return { group, state: d?.state ?? 'Unknown', members: d?.members.length ?? 0, partitions };
    });
    this.publish(groups, ends);
    this.m.sampleSeconds.set((performance.now() - t0) / 1000);
    this.m.lastSuccess.set(now() / 1000);
    return groups;
  }

  private publish(groups: GroupLag[], ends: Map<string, { partition: number; high: string; low: string }[]>): void {
    const m = this.m;
    for (const g of [m.offsets, m.seconds, m.committed, m.logEnd, m.logStart, m.members, m.state]) g.reset();
    for (const [topic, ps] of ends)
      for (const p of ps) {
        m.logEnd.set({ topic, partition: p.partition }, Number(p.high));
        m.logStart.set({ topic, partition: p.partition }, Number(p.low));
      }
    for (const g of groups) {
      m.members.set({ group: g.group }, g.members);
      for (const s of GROUP_STATES) m.state.set({ group: g.group, state: s }, g.state === s ? 1 : 0);
      for (const p of g.partitions) {
        const labels = { group: g.group, topic: p.topic, partition: p.partition };
        m.offsets.set(labels, Number(p.offsetLag));
        if (p.timeLagSeconds !== null) m.seconds.set(labels, p.timeLagSeconds);
        if (p.committed !== null) m.committed.set(labels, Number(p.committed));
      }
    }
  }

  /**
   * After a failed sample: count it, and start the next one with a fresh admin client. A long-lived kafkajs client
   * keeps every topic it has seen in its metadata requests; once one is deleted (a finished bench's or chaos run's),
   * every refresh fails with UNKNOWN_TOPIC_OR_PARTITION, and the exporter served frozen lag for as long as it ran.
   */
  failed(): void {
    this.m.failures.inc();
    const old = this.admin;
    this.admin = this.kafka.admin();
    this.connected = false;
    void old.disconnect().catch(() => undefined);
    void this.probe.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.probe.close();
    await this.admin.disconnect().catch(() => undefined);
  }
}
