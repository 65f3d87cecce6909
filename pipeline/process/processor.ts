// Exactly-once processing of logs.raw -> logs.processed (+ logs.dlq): each
// input batch is one Kafka transaction holding the outputs and the consumer
// offsets. kafkajs has no KIP-447, so the fencing is ours: one transactional
// producer per input partition (id `<group>-<topic>-<partition>`), initialised
// on assignment before the partition's committed offset is read again.
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { HEADERS, TOPICS } from '../contract/index.js';
import { transform } from './transform.js';

export interface ProcessorOptions {
  brokers: string[];
  zone: string;
  groupId: string;
  inputTopic: string;
  outputTopic: string;
  dlqTopic: string;
  /** Exactly-once (default). false = at-least-once: produce, then commit offsets (a negative control). */
  exactlyOnce: boolean;
  onTransaction?: (t: { records: number; dlq: number; ms: number; outcome: 'commit' | 'abort' }) => void;
  /**
   * Fault injection: after this many batches, die (exit 137, as SIGKILL would)
   * between writing the outputs and committing: the moment that tells
   * exactly-once from at-least-once.
   */
  crashAfterBatches?: number;
}

export const defaultProcessorOptions = (brokers: string[], zone: string): ProcessorOptions => ({
  brokers,
  zone,
  groupId: 'faultline-process',
  inputTopic: TOPICS.raw,
  outputTopic: TOPICS.processed,
  dlqTopic: TOPICS.dlq,
  exactlyOnce: true,
});

const header = (h: Record<string, unknown> | undefined, name: string) => {
  const v = h?.[name];
  return Buffer.isBuffer(v) ? v.toString() : typeof v === 'string' ? v : undefined;
};

export class Processor {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private plain?: Producer;
  /** Transactional producer per input partition this instance owns. */
  private readonly producers = new Map<number, Producer>();
  /** Partitions whose position was re-read from the committed offset since the last assignment. */
  private readonly fenced = new Set<number>();
  private batches = 0;

  constructor(readonly opts: ProcessorOptions) {
    this.kafka = new kafkajs.Kafka({
      clientId: `process-${opts.zone}`,
      brokers: opts.brokers,
      logLevel: kafkajs.logLevel.ERROR,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 3000 },
    });
    this.consumer = this.kafka.consumer({
      groupId: opts.groupId,
      readUncommitted: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 20_000,
      maxBytesPerPartition: 1024 * 1024,
    });
    this.admin = this.kafka.admin();
  }

  private async producerFor(partition: number): Promise<Producer> {
    let p = this.producers.get(partition);
    if (!p) {
      p = this.kafka.producer({
        transactionalId: `${this.opts.groupId}-${this.opts.inputTopic}-${partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: 30_000,
        allowAutoTopicCreation: false,
      });
      // connect() runs InitProducerId: bumps the epoch, fences any zombie with
      // this id and completes or aborts its open transaction
      await p.connect();
      this.producers.set(partition, p);
    }
    return p;
  }

  async start(): Promise<void> {
    await this.admin.connect();
    if (!this.opts.exactlyOnce) {
      this.plain = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.plain.connect();
    }
    await this.consumer.connect();
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.fenced.clear());
    await this.consumer.subscribe({ topic: this.opts.inputTopic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private async committedOffset(partition: number): Promise<string | undefined> {
    const [t] = await this.admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.opts.inputTopic] });
    const o = t?.partitions.find((p) => p.partition === partition)?.offset;
    return o === undefined || o === '-1' ? undefined : o;
  }

  private async onBatch({ batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload): Promise<void> {
    if (!batch.messages.length || !isRunning() || isStale()) return;
    const partition = batch.partition;
    if (this.opts.exactlyOnce && !this.fenced.has(partition)) {
      // after (re)assignment: fence first, then trust only the offset committed now
      await this.producerFor(partition);
      const committed = await this.committedOffset(partition);
      this.fenced.add(partition);
      if (committed !== undefined && committed !== batch.firstOffset()) {
        this.consumer.seek({ topic: batch.topic, partition, offset: committed });
        return;
      }
    }
    const processedAt = new Date().toISOString();
    const out: { key: string | null; value: string; headers: Record<string, string> }[] = [];
    const dlq: typeof out = [];
    for (const m of batch.messages) {
      const headers: Record<string, string> = {};
      for (const name of [HEADERS.eventId, HEADERS.traceparent, HEADERS.tracestate, HEADERS.ingestedAt]) {
        const v = header(m.headers as Record<string, unknown>, name);
        if (v) headers[name] = v;
      }
      const r = transform(m.value, { partition, offset: m.offset }, headers[HEADERS.ingestedAt], processedAt);
      if (r.ok) out.push({ key: r.event.id, value: JSON.stringify(r.event), headers });
      else
        dlq.push({
          key: m.key?.toString() ?? null,
          value: m.value?.toString('utf8') ?? '',
          headers: { ...headers, [HEADERS.dlqReason]: r.reason, [HEADERS.dlqSource]: `${batch.topic}/${partition}/${m.offset}` },
        });
    }
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    const t0 = performance.now();
    const topicMessages = [
      ...(out.length ? [{ topic: this.opts.outputTopic, messages: out }] : []),
      ...(dlq.length ? [{ topic: this.opts.dlqTopic, messages: dlq }] : []),
    ];
    const crashPoint = () => {
      if (this.opts.crashAfterBatches !== undefined && ++this.batches > this.opts.crashAfterBatches) {
        console.error(`process: injected crash after ${this.opts.crashAfterBatches} batches, outputs written, offsets not committed`);
        process.exit(137);
      }
    };
    if (!this.opts.exactlyOnce) {
      // at-least-once: a crash between these two lines duplicates the batch
      await this.plain!.sendBatch({ acks: -1, topicMessages });
      crashPoint();
      await this.consumer.commitOffsets([{ topic: batch.topic, partition, offset: next }]);
      resolveOffset(batch.lastOffset());
      return;
    }
    const producer = await this.producerFor(partition);
    const txn = await producer.transaction();
    try {
      if (topicMessages.length) await txn.sendBatch({ acks: -1, topicMessages });
      crashPoint();
      await txn.sendOffsets({ consumerGroupId: this.opts.groupId, topics: [{ topic: batch.topic, partitions: [{ partition, offset: next }] }] });
      await txn.commit();
      this.opts.onTransaction?.({ records: out.length, dlq: dlq.length, ms: performance.now() - t0, outcome: 'commit' });
    } catch (e) {
      this.opts.onTransaction?.({ records: out.length, dlq: dlq.length, ms: performance.now() - t0, outcome: 'abort' });
      await txn.abort().catch(() => undefined);
      // a fenced or failed producer is dropped; the partition is re-fenced and re-read
      this.producers.delete(partition);
      await producer.disconnect().catch(() => undefined);
      this.fenced.delete(partition);
      throw e;
    }
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await Promise.all([...this.producers.values(), ...(this.plain ? [this.plain] : [])].map((p) => p.disconnect().catch(() => undefined)));
    this.producers.clear();
    await this.admin.disconnect().catch(() => undefined);
  }
}
