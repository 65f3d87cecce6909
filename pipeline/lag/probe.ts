// Reads the timestamp of the record at a given offset, for the exact time lag.
// kafkajs has no standalone fetch, so this is one consumer of its own group
// (it never commits) holding every partition of the watched topics, each
// paused until asked: seek to the offset, resume, take the first record at or
// after it, pause again. read_uncommitted, so a record of an open transaction
// counts as waiting (the group cannot have consumed it). A batch of only
// transaction markers up to the log end means nothing waits: caught up.
import type { Consumer, Kafka } from 'kafkajs';

export type ProbeAnswer = { timestamp: number } | 'caught-up' | 'unknown';

interface Pending {
  offset: bigint;
  resolve: (a: ProbeAnswer) => void;
}

export class TimestampProbe {
  private consumer?: Consumer;
  private topics: string[] = [];
  private readonly pending = new Map<string, Pending>();
  private partitionsOf = new Map<string, number[]>();

  constructor(
    private readonly kafka: Kafka,
    readonly groupId: string,
    private readonly timeoutMs = 3000,
  ) {}

  /** (Re)subscribes when the set of topics changes: a new chaos topic, a deleted one. */
  async watch(partitionsOf: Map<string, number[]>): Promise<void> {
    const topics = [...partitionsOf.keys()].sort();
    this.partitionsOf = partitionsOf;
    if (this.consumer && topics.join() === this.topics.join()) return;
    await this.close();
    this.topics = topics;
    if (!topics.length) return;
    const c = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: true,
      maxBytesPerPartition: 64 * 1024,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      retry: { retries: 3 },
    });
    await c.connect();
    await c.subscribe({ topics, fromBeginning: false });
    // a topic deleted under it (a finished experiment's) can stop the consumer for good: rebuild on the next watch
    c.on(c.events.CRASH, () => {
      if (this.consumer !== c) return;
      this.consumer = undefined;
      this.topics = [];
      void c.disconnect().catch(() => undefined);
    });
    c.on(c.events.END_BATCH_PROCESS, ({ payload }) => {
      // batches of only markers or aborted records never reach eachBatch; this event still says how far they went
      const p = this.pending.get(`${payload.topic}:${payload.partition}`);
      if (p && BigInt(payload.lastOffset) + 1n >= BigInt(payload.highWatermark)) this.answer(payload.topic, payload.partition, 'caught-up');
    });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch }) => {
        const p = this.pending.get(`${batch.topic}:${batch.partition}`);
        if (!p) return void c.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
        const m = batch.messages.find((x) => BigInt(x.offset) >= p.offset);
        if (m) this.answer(batch.topic, batch.partition, { timestamp: Number(m.timestamp) });
        else if (BigInt(batch.lastOffset()) + 1n >= BigInt(batch.highWatermark)) this.answer(batch.topic, batch.partition, 'caught-up');
      },
    });
    c.pause(topics.map((topic) => ({ topic, partitions: partitionsOf.get(topic) ?? [] })));
    this.consumer = c;
  }

  private answer(topic: string, partition: number, a: ProbeAnswer): void {
    const key = `${topic}:${partition}`;
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    this.consumer?.pause([{ topic, partitions: [partition] }]);
    p.resolve(a);
  }

  /** The timestamp of the first record at or after `offset`; 'unknown' when the probe cannot tell in time. */
  timestampAt(topic: string, partition: number, offset: bigint): Promise<ProbeAnswer> {
    const c = this.consumer;
    const key = `${topic}:${partition}`;
    if (!c || !this.topics.includes(topic) || this.pending.has(key)) return Promise.resolve('unknown');
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answer(topic, partition, 'unknown'), this.timeoutMs);
      this.pending.set(key, {
        offset,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
      try {
        c.seek({ topic, partition, offset: offset.toString() });
        c.resume([{ topic, partitions: [partition] }]);
      } catch {
        this.answer(topic, partition, 'unknown');
      }
    });
  }

  async close(): Promise<void> {
    for (const key of [...this.pending.keys()]) {
      const [topic, partition] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
      this.answer(topic, partition, 'unknown');
    }
    const c = this.consumer;
    this.consumer = undefined;
    this.topics = [];
    await c?.disconnect().catch(() => undefined);
  }
}
