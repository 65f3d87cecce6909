// An exactly-once consume-transform-produce stage on kafkajs: each input batch
// is one Kafka transaction holding the outputs and the consumer offsets.
// kafkajs has no KIP-447, so the fencing is ours: one transactional producer
// per input partition (id `<group>-<topic>-<partition>`), initialised on
// assignment *before* the partition's committed offset is read again, so a
// zombie's open transaction is resolved before we decide where to resume.
import kafkajs from 'kafkajs';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { batchSpans, eosMetrics, serveTelemetry, stageRegistry, startTracing, tracingEnv, type Tracer } from '../telemetry/index.js';
import { byPartition, partitionCounts, type PartitionMessages } from './per-partition.js';
import { connectPatiently } from './connect.js';
import { HEADERS, headerString } from '../contract/index.js';
import { fetchStableOffsets } from './stable-offsets.js';

export interface OutMessage {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
  partition?: number;
}

export interface TopicMessages {
  topic: string;
  messages: OutMessage[];
}

export interface StageOptions {
  name: string;
  brokers: string[];
  zone: string;
  groupId: string;
  inputTopic: string;
  /** Exactly-once (default). false = at-least-once: produce, then commit offsets every second (a negative control). */
  exactlyOnce: boolean;
  onTransaction?: (t: { inputs: number; records: number; ms: number; outcome: 'commit' | 'abort'; traceId?: string; endToEndS?: number[] }) => void;
  /** Traces: a span per sampled parent in each batch, ended at commit or abort; records carry it on. */
  tracer?: Tracer;
  /**
   * Fault injection: after this many batches, die (exit 137, as SIGKILL would)
   * between writing the outputs and committing: the moment that tells
   * exactly-once from at-least-once.
   */
  crashAfterBatches?: number;
  /**
   * Fault injection: after this many batches, throw once inside the open
   * transaction (a transient error): the batch is aborted and the consumer
   * restarts in-process, the path a real CONCURRENT_TRANSACTIONS or broker
   * failover error takes.
   */
  failAfterBatches?: number;
  /** How many consecutive attempts fail (default 1); more than the consumer's retries forces a full restart and rejoin. */
  failTimes?: number;
  /** Where the injected failure strikes: inside the open transaction (default), or after the handler updated its state but before the transaction began. */
  failPoint?: 'in-transaction' | 'before-transaction';
}

export interface StageHandler {
  /**
   * Called once per (re)assignment of a partition, after fencing, before its first batch. May return the first
   * input offset that its committed output does not reflect yet (the output's lineage): the stage never resumes
   * below it, whatever the committed offset says.
   */
  restore?(partition: number, kafka: Kafka): Promise<bigint | undefined | void>;
  /** Pure with respect to Kafka: the outputs of one input batch (state updates stay in memory until commit). */
  handle(partition: number, messages: KafkaMessage[]): TopicMessages[];
  /** After a commit / an abort of the batch's transaction. */
  committed?(partition: number): void;
  aborted?(partition: number): void;
}

export class EosStage {
  readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private plain?: Producer;
  private readonly producers = new Map<number, Producer>();
  /** Partitions fenced and re-positioned since the last group join. */
  private readonly fenced = new Set<number>();
  private batches = 0;
  private readonly counts = new Map<string, number>();
  /** Per partition: the offset after our last commit (or where we resumed): nothing below it is processed again. */
  private readonly next = new Map<number, bigint>();
  private readonly locks = new Map<number, Promise<void>>();
  /** At-least-once only: offsets processed but not yet committed (the negative control's window). */
  private readonly pendingCommits = new Map<number, string>();
  private commitTimer?: NodeJS.Timeout;
  private failures = 0;

  constructor(
    readonly opts: StageOptions,
    private readonly handler: StageHandler,
  ) {
    this.kafka = new kafkajs.Kafka({
      clientId: `${opts.name}-${opts.zone}`,
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
  }

  /**
   * The partition's transactional producer. `fence` (on every (re)assignment)
   * replaces it with a fresh one: InitProducerId then waits until the id's last
   * transaction, ours or a zombie's, is complete on every partition it touched,
   * including its offsets in __consumer_offsets. Only after that is the
   * committed offset the truth (kafkajs cannot ask for stable offsets, KIP-447):
   * reusing a producer across a rejoin read an offset whose commit was still
   * being written, and replayed a committed batch.
   */
  private async producerFor(partition: number, fence = false): Promise<Producer> {
    let p = this.producers.get(partition);
    if (p && fence) {
      this.producers.delete(partition);
      await p.disconnect().catch(() => undefined);
      p = undefined;
    }
    if (!p) {
      p = this.kafka.producer({
        transactionalId: `${this.opts.groupId}-${this.opts.inputTopic}-${partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: 30_000,
        allowAutoTopicCreation: false,
      });
      await p.connect();
      // kafkajs's connect() asks for a producer id *without* the transactional id (its idempotent half): that
      // fences nothing. The transactional InitProducerId, which bumps the epoch, fences any zombie with this id
      // and waits until its last transaction is complete, runs on the first transaction(); an abort with nothing
      // in it sends nothing. Before this, the reads that follow ran unfenced: a zombie committed a batch in between
      // and the new owner processed it again (broker-kill: epoch 96 committed input 134990-134991 at 18:09:13.05,
      // the new owner's epoch 97 began at 18:09:14.18 and re-wrote them from the offset it had read before).
      const fence = await p.transaction();
      await fence.abort();
      this.producers.set(partition, p);
    }
    return p;
  }

  async start(): Promise<void> {
    if (!this.opts.exactlyOnce) {
      this.plain = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await connectPatiently(this.plain, `${this.opts.name} producer`);
      this.commitTimer = setInterval(() => void this.flushCommits(), 1000);
    }
    await connectPatiently(this.consumer, `${this.opts.name} consumer`);
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.fenced.clear());
    // a consumer that crashed for good leaves a process that looks alive and consumes nothing: die loudly instead
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      console.error(`${this.opts.name}: the consumer crashed and will not restart (${payload.error.message}); exiting so the stage is seen down and restarted`);
      process.exit(1);
    });
    await this.consumer.subscribe({ topic: this.opts.inputTopic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /**
   * The committed offset, stable (KIP-447's require_stable, through our own OffsetFetch v7: kafkajs stops at v4).
   * The group coordinator applies a transaction's offsets a moment after its commit marker is written, so a plain
   * read right after fencing could still show the offset from before the zombie's last commit (seen: 1644, then
   * 1701) and replay a committed batch. A stable read waits until no transactional commit is pending.
   */
  private async committedOffset(partition: number): Promise<string | undefined> {
    try {
      const offsets = await fetchStableOffsets(this.opts.groupId, this.opts.inputTopic, [partition], { brokers: this.opts.brokers, clientId: `${this.opts.name}-${this.opts.zone}`, timeoutMs: 30_000 });
      const o = offsets.get(partition);
      return o === null || o === undefined ? undefined : o.toString();
    } catch (e) {
      // not knowing where to resume is not a reason to guess: the batch is retried once the coordinator answers
      throw retriable(e);
    }
  }

  /**
   * The committed offset lags what the output already holds (its lineage, or our own last commit): commit the
   * offset where we resume, alone in a transaction. Otherwise, with no more input, no batch would ever commit it and
   * the group's lag would stay above zero for good (a broker-kill run waited on it until its deadline).
   */
  private async commitOffsetOnly(topic: string, partition: number, at: bigint): Promise<void> {
    const producer = await this.producerFor(partition);
    let txn: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      txn = await producer.transaction();
      await txn.sendOffsets({ consumerGroupId: this.opts.groupId, topics: [{ topic, partitions: [{ partition, offset: at.toString() }] }] });
      await txn.commit();
    } catch (e) {
      await txn?.abort().catch(() => undefined);
      await this.refence(partition, producer);
      throw retriable(e);
    }
  }

  /**
   * After a failed transaction: its producer is dropped (it may be fenced) and the partition is re-fenced, restored
   * and re-read before its next batch.
   */
  private async refence(partition: number, producer?: Producer): Promise<void> {
    if (producer) {
      this.producers.delete(partition);
      await producer.disconnect().catch(() => undefined);
    }
    this.fenced.delete(partition);
  }

  /** Fault injection points: `before-transaction` (state updated, nothing sent yet) is reached first in every batch. */
  private crashPoint(where: 'before-transaction' | 'in-transaction'): void {
    if (where === 'before-transaction') ++this.batches;
    const failHere = (this.opts.failPoint ?? 'in-transaction') === where;
    if (failHere && this.opts.failAfterBatches !== undefined && this.failures < (this.opts.failTimes ?? 1) && this.batches > this.opts.failAfterBatches) {
      this.failures++;
      console.error(`${this.opts.name}: injected transient failure ${this.failures}/${this.opts.failTimes ?? 1} after ${this.opts.failAfterBatches} batches, ${where}`);
      throw new kafkajs.KafkaJSError('injected transient failure', { retriable: true });
    }
    if (where === 'in-transaction' && this.opts.crashAfterBatches !== undefined && this.batches > this.opts.crashAfterBatches) {
      console.error(`${this.opts.name}: injected crash after ${this.opts.crashAfterBatches} batches, outputs written, offsets not committed`);
      process.exit(137);
    }
  }

  /**
   * One batch of a partition at a time, whatever kafkajs does: when one partition's batch fails, kafkajs restarts
   * its fetchers while other partitions' batches are still in flight, and may hand a partition's batch again
   * before the first call returned (controller-kill found batches processed twice).
   */
  private onBatch(payload: EachBatchPayload): Promise<void> {
    const p = payload.batch.partition;
    const run = (this.locks.get(p) ?? Promise.resolve()).then(() => this.processBatch(payload));
    this.locks.set(p, run.catch(() => undefined));
    return run;
  }

  private async processBatch({ batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload): Promise<void> {
    if (!batch.messages.length || !isRunning() || isStale()) return;
    const partition = batch.partition;
    if (!this.fenced.has(partition)) {
      // after (re)assignment: fence first, then trust only the offset committed now
      if (this.opts.exactlyOnce) await this.producerFor(partition, true);
      const committed = await this.committedOffset(partition);
      const restored = (await this.handler.restore?.(partition, this.kafka)) ?? undefined;
      // lineage is an exactly-once defence; the at-least-once negative control must keep its weakness
      const lineage = this.opts.exactlyOnce ? restored : undefined;
      this.fenced.add(partition);
      // what we committed ourselves, and what the committed output already holds, are floors: a committed offset
      // read lower than either is stale, not the truth
      const read = BigInt(committed ?? batch.messages[0]!.offset);
      const hadFloor = this.next.has(partition);
      const floor = this.next.get(partition) ?? read;
      let at = read;
      if (floor > at) at = floor;
      if (lineage !== undefined && lineage > at) at = lineage;
      if (at > read) console.error(`${this.opts.name}: partition ${partition}: committed offset read as ${read}, below ${floor > read ? `our own commit ${floor}` : ''}${floor > read && lineage !== undefined && lineage > read ? ' and ' : ''}${lineage !== undefined && lineage > read ? `the output's lineage ${lineage}` : ''}; resuming at ${at}`);
      this.next.set(partition, at);
      if (this.opts.exactlyOnce && at > read) await this.commitOffsetOnly(batch.topic, partition, at);
      // one line per (re)fence: when an output is ever duplicated, this says who resumed where, and why
      console.log(`${this.opts.name}: partition ${partition} fenced and restored; stable committed offset ${committed ?? 'none'}, own floor ${hadFloor ? floor : 'none'}, output lineage ${lineage ?? 'none'}, resuming at ${at}, batch from ${batch.firstOffset()}`);
      if (committed !== undefined && at.toString() !== batch.firstOffset()) {
        this.consumer.seek({ topic: batch.topic, partition, offset: at.toString() });
        return;
      }
    }
    // never again below what is committed: a batch handed twice (or fetched before our last commit) is skipped
    const expected = this.next.get(partition);
    if (expected !== undefined && BigInt(batch.messages[0]!.offset) < expected) {
      if (BigInt(batch.lastOffset()) >= expected) this.consumer.seek({ topic: batch.topic, partition, offset: expected.toString() });
      else resolveOffset(batch.lastOffset());
      return;
    }
    const spans = this.opts.tracer
      ? batchSpans(this.opts.tracer, `${this.opts.name} ${batch.topic}`, batch.messages, {
          'messaging.system': 'kafka',
          'messaging.destination.name': batch.topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.consumer.group.name': this.opts.groupId,
          'messaging.kafka.offset': batch.firstOffset() ?? '',
          'faultline.zone': this.opts.zone,
          'faultline.exactly_once': String(this.opts.exactlyOnce),
        })
      : undefined;
    const t0 = performance.now();
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    let records = 0;
    let producer: Producer | undefined;
    let txn: Awaited<ReturnType<Producer['transaction']>> | undefined;
    try {
      // from here on the handler's state holds this batch: any failure before the commit must undo it
      // (a beginTransaction that threw after handle() once left the batch in the aggregate's state, and the
      // retried batch was counted twice: broker-kill, whole windows at exactly double)
      const topicMessages = this.handler.handle(partition, batch.messages).filter((t) => t.messages.length);
      records = topicMessages.reduce((s, t) => s + t.messages.length, 0);
      const groups = await this.perPartition(topicMessages);
      this.crashPoint('before-transaction');
      if (!this.opts.exactlyOnce) {
        // at-least-once: a crash between these two steps duplicates the batch
        for (const g of groups) await this.plain!.send({ topic: g.topic, acks: -1, messages: g.messages });
        this.crashPoint('in-transaction');
        // offsets are committed on a timer, as an auto-committing consumer does: a crash replays up to a second
        this.pendingCommits.set(partition, next);
      } else {
        producer = await this.producerFor(partition);
        txn = await producer.transaction();
        // one partition per send (see per-partition.ts): kafkajs may otherwise skip a partition after a leader change
        for (const g of groups) await txn.send({ topic: g.topic, acks: -1, messages: g.messages });
        this.crashPoint('in-transaction');
        await txn.sendOffsets({ consumerGroupId: this.opts.groupId, topics: [{ topic: batch.topic, partitions: [{ partition, offset: next }] }] });
        await txn.commit();
      }
      this.next.set(partition, BigInt(next));
      this.handler.committed?.(partition);
      this.opts.onTransaction?.({ inputs: batch.messages.length, records, ms: performance.now() - t0, outcome: 'commit', traceId: spans?.traceId, endToEndS: sinceIngest(batch.messages) });
      spans?.end();
    } catch (e) {
      this.opts.onTransaction?.({ inputs: batch.messages.length, records, ms: performance.now() - t0, outcome: 'abort', traceId: spans?.traceId });
      spans?.end(e);
      await txn?.abort().catch(() => undefined);
      this.handler.aborted?.(partition);
      await this.refence(partition, producer);
      throw retriable(e);
    }
    resolveOffset(batch.lastOffset());
    await heartbeat();
  }

  private async perPartition(topicMessages: TopicMessages[]): Promise<PartitionMessages[]> {
    const unknown = topicMessages.map((t) => t.topic).filter((t) => !this.counts.has(t));
    if (unknown.length) for (const [t, n] of await partitionCounts(this.kafka, unknown)) this.counts.set(t, n);
    return byPartition(topicMessages, this.counts);
  }

  private async flushCommits(): Promise<void> {
    const due = [...this.pendingCommits];
    this.pendingCommits.clear();
    if (!due.length) return;
    await this.consumer
      .commitOffsets(due.map(([partition, offset]) => ({ topic: this.opts.inputTopic, partition, offset })))
      .catch((e: Error) => {
        console.error(`${this.opts.name}: offset commit failed (${e.message}); retrying with the next flush`);
        for (const [partition, offset] of due) if (!this.pendingCommits.has(partition)) this.pendingCommits.set(partition, offset);
      });
  }

  async stop(): Promise<void> {
    clearInterval(this.commitTimer);
    await this.flushCommits();
    await this.consumer.disconnect().catch(() => undefined);
    await Promise.all([...this.producers.values(), ...(this.plain ? [this.plain] : [])].map((p) => p.disconnect().catch(() => undefined)));
    this.producers.clear();
  }
}

/**
 * Every failure of a batch is recoverable by re-fencing its partition (a fenced producer included): tell kafkajs to
 * retry, or it stops the consumer for good on a "non-retriable" fencing error (controller-kill found this).
 */
function retriable(e: unknown): Error {
  return new kafkajs.KafkaJSError(e instanceof Error ? e : new Error(String(e)), { retriable: true });
}

/** Per input record that carries ingest's timestamp: seconds from its acceptance at ingest until now (its commit here). */
function sinceIngest(messages: KafkaMessage[]): number[] {
  const now = Date.now();
  const out: number[] = [];
  for (const m of messages) {
    const at = headerString(m.headers, HEADERS.ingestedAt);
    const ms = at ? Date.parse(at) : NaN;
    if (Number.isFinite(ms)) out.push(Math.max(0, (now - ms) / 1000));
  }
  return out;
}

/** Stage options shared by every entry point, from the environment (PREFIX_GROUP, PREFIX_INPUT, ...). */
export function stageEnv(prefix: string, env: NodeJS.ProcessEnv = process.env) {
  return {
    brokers: (env.KAFKA_BROKERS ?? '127.0.1.10:9092,127.0.2.10:9092,127.0.3.10:9092').split(','),
    zone: env.FAULTLINE_ZONE ?? 'zone-a',
    groupId: env[`${prefix}_GROUP`],
    inputTopic: env[`${prefix}_INPUT`],
    outputTopic: env[`${prefix}_OUTPUT`],
    exactlyOnce: env[`${prefix}_EXACTLY_ONCE`] !== 'false',
    crashAfterBatches: env[`${prefix}_CRASH_AFTER_BATCHES`] ? Number(env[`${prefix}_CRASH_AFTER_BATCHES`]) : undefined,
    failAfterBatches: env[`${prefix}_FAIL_AFTER_BATCHES`] ? Number(env[`${prefix}_FAIL_AFTER_BATCHES`]) : undefined,
    failTimes: env[`${prefix}_FAIL_TIMES`] ? Number(env[`${prefix}_FAIL_TIMES`]) : undefined,
    failPoint: env[`${prefix}_FAIL_POINT`] === 'before-transaction' ? ('before-transaction' as const) : undefined,
  };
}

/** Metrics for a stage and, when STAGE_HTTP_PORT is set, the /metrics + /healthz server Prometheus scrapes. */
export function stageTelemetry(name: string, zone: string, env: NodeJS.ProcessEnv = process.env) {
  const registry = stageRegistry(name, zone);
  const m = eosMetrics(registry);
  const tracing = startTracing(tracingEnv(`faultline-${name}`, zone, env));
  return {
    tracer: tracing.tracer,
    tracing,
    onTransaction: (t: { inputs: number; records: number; ms: number; outcome: 'commit' | 'abort'; traceId?: string; endToEndS?: number[] }) => {
      m.transactions.inc({ outcome: t.outcome });
      m.transactionSeconds.observe({ value: t.ms / 1000, ...(t.traceId ? { exemplarLabels: { trace_id: t.traceId } as Record<string, string> } : {}) });
      m.batchRecords.observe(t.inputs);
      if (t.outcome === 'commit') {
        m.records.inc(t.records);
        m.recordsIn.inc(t.inputs);
        for (const s of t.endToEndS ?? []) m.endToEndSeconds.observe(s);
      }
    },
    serve: async (healthy: () => boolean) =>
      env.STAGE_HTTP_PORT ? serveTelemetry(registry, env.STAGE_HTTP_HOST ?? '127.0.0.1', Number(env.STAGE_HTTP_PORT), healthy) : undefined,
  };
}
