// An exactly-once consume-transform-produce stage, EOS v2 (KIP-447) as Kafka Streams does it, on librdkafka: one
// transactional producer per stage instance; outputs, state changelog and input offsets commit in one transaction
// per commit interval; the offsets are sent with the consumer's group metadata, so the broker fences a zombie by
// its generation; read_committed with stable offset fetch, so a new owner resumes only where a transaction ended.
import { batchSpans, eosMetrics, logger, serveTelemetry, serviceLog, stageRegistry, startTracing, tracingEnv, type BatchSpans, type Tracer } from '../telemetry/index.js';
import { z } from 'zod';
import { HEADERS, brokerList, flag, headerString, readConfig, zoneVar } from '../contract/index.js';
import { KafkaJS, connectPatiently, errorText, kafkaClient, produceAll, produceInTransaction, readToEnd, topicOffsets, txnErrorKind, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Producer } from '../kafka/index.js';

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

export interface TransactionStats {
  inputs: number;
  records: number;
  ms: number;
  outcome: 'commit' | 'abort';
  traceId?: string;
  endToEndS?: number[];
}

export interface StageOptions {
  name: string;
  brokers: string[];
  zone: string;
  groupId: string;
  inputTopic: string;
  /** Exactly-once (default). false = at-least-once: produce, then commit offsets every second (a negative control). */
  exactlyOnce: boolean;
  /** The transactional id's suffix (default: the zone): unique per live instance, stable across its restarts. */
  instanceId?: string;
  /** How often the open transaction commits (default DEFAULT_COMMIT_INTERVAL_MS). */
  commitIntervalMs?: number;
  onTransaction?: (t: TransactionStats) => void;
  /** Traces: a span per sampled parent in each batch, ended at commit or abort; records carry it on. */
  tracer?: Tracer;
  /**
   * Fault injection: after this many batches, die (exit 137, as SIGKILL would) between writing the outputs and
   * committing: the moment that tells exactly-once from at-least-once.
   */
  crashAfterBatches?: number;
  /**
   * Fault injection: after this many batches, fail once inside the open transaction (a transient error): the
   * transaction is aborted and its partitions rewound, the path a broker failover error takes.
   */
  failAfterBatches?: number;
  /** How many consecutive attempts fail (default 1). */
  failTimes?: number;
  /** Where the injected failure strikes: inside the open transaction (default), or after the handler updated its state but before anything was sent. */
  failPoint?: 'in-transaction' | 'before-transaction';
  /** Fault injection: the first this many restores of this instance fail (as one whose changelog read timed out does). */
  restoreFailures?: number;
  /** How long a partition whose restore failed stays paused before its batch is fetched again (default 1 s). */
  restoreRetryMs?: number;
}

export interface StageHandler {
  /**
   * Called once per (re)assignment of a partition, before its first batch: rebuild the partition's state, knowing the
   * stage resumes at `resumeAt` (the first offset of that batch: the group's committed offset, read stable, or past
   * it). May return the first input offset its committed output does not reflect yet (the output's lineage): the
   * stage never resumes below it. A restore that throws is tried again before the partition's next batch.
   */
  restore?(partition: number, resumeAt: bigint): Promise<bigint | undefined | void>;
  /** Pure with respect to Kafka: the outputs of one input batch (state updates stay in memory until commit). */
  handle(partition: number, messages: KafkaMessage[]): TopicMessages[];
  /** The partition's state is no longer ours or no longer true (revoked, or its transaction aborted): drop it. */
  forget?(partition: number): void;
}

class InjectedFailure extends Error {}
class StuckError extends Error {}
/** The open transaction read a partition the group has since taken from this instance: it must abort, never commit. */
class RevokedError extends Error {}

/** A client call that must answer within a bound: librdkafka calls can wait forever on a coordinator that is gone. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StuckError(`${what} did not finish within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

/** A transaction opened now, holding nothing yet. */
const emptyTransaction = (): OpenTransaction => ({ began: performance.now(), from: new Map(), next: new Map(), sends: [], inputs: 0, records: 0, spans: [], endToEndS: [] });

/**
 * How often a stage commits its open transaction unless told otherwise (`*_COMMIT_INTERVAL_MS`). Kafka Streams'
 * exactly-once default is 100 ms; at 300 ms the pipeline's brokers answered about half the requests per event (each
 * commit is AddPartitionsToTxn and its verification, AddOffsetsToTxn, TxnOffsetCommit, EndTxn and a marker on every
 * partition written) and it sustained 6,963-7,672 events/s against 6,010-6,029 at 100 ms (bench-pipeline, 30 s runs,
 * 2026-12-04). The price is latency: an event waits up to an interval in each stage before it is readable.
 */
export const DEFAULT_COMMIT_INTERVAL_MS = 300;

/** How long a stage hands over no batch before it commits past an aborted tail (settleIdle), and how often it looks. */
const IDLE_MS = 10_000;

/** What the open transaction holds, per input partition and in all. */
interface OpenTransaction {
  began: number;
  /** Per partition: where this transaction started reading it (the rewind point) and the offset to commit. */
  from: Map<number, string>;
  next: Map<number, string>;
  /** At-least-once: the delivery of each batch's outputs (exactly-once waits for them with a flush). */
  sends: Promise<unknown>[];
  failed?: unknown;
  /** Set when a partition it read was revoked: the commit aborts instead. */
  revoked?: RevokedError;
  inputs: number;
  records: number;
  spans: BatchSpans[];
  endToEndS: number[];
}

/** A stage's consumer settings (the bench's consumer pair measures the same ones), its rebalance callback aside. */
export function stageConsumerConfig(groupId: string, zone: string) {
  return {
    kafkaJS: {
      groupId,
      fromBeginning: true,
      autoCommit: false,
      // read_committed: librdkafka then fetches committed offsets with require_stable (KIP-447)
      readUncommitted: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 60_000,
      partitionAssigners: [KafkaJS.PartitionAssigners.cooperativeSticky],
    },
    'js.consumer.max.batch.size': 2000,
    'client.rack': zone,
  };
}

/** A stage instance's Kafka client id: its group's members are told apart by it (the chaos harness kills the ones holding partitions). */
export const stageClientId = (stage: string, zone: string): string => `${stage}-${zone}`;
/** A stage instance's transactional id (EOS v2: one per instance, named by its group and its zone or instance id). */
export const stageTransactionalId = (group: string, instance: string): string => `${group}-${instance}`;

export class EosStage {
  readonly kafka: Kafka;
  private consumer!: Consumer;
  private producer!: Producer;
  /** Partitions restored since they were assigned to us. */
  private readonly ready = new Set<number>();
  /** Partitions paused while their restore runs (see beginRestore), each with the assignment event it runs for. */
  private readonly restoring = new Map<number, number>();
  /** Per partition, the last restore started: the next one of the same partition waits for it (see beginRestore). */
  private readonly restoreRuns = new Map<number, Promise<void>>();
  /**
   * Partitions this stage paused (for a restore, or after one failed) and has not resumed. librdkafka keeps an
   * application's pause across a revoke and a later assignment of the same partition, so whatever revokes one of
   * these resumes it (forget): a restore that failed, its partition revoked and given back during the wait before
   * its retry, left it paused for good (a CI chaos matrix: the aggregate stuck on one partition through four runs).
   */
  private readonly paused = new Set<number>();
  private restoreFailed = 0;
  /**
   * Partitions ours by the group's rebalance events, each with the number of the event that gave it us. A revoke
   * takes a partition out the moment its event arrives, not when the queue below gets to it, and nothing of it is
   * processed or committed after that: the client library calls this callback asynchronously and applies a revoke
   * later still, so its own `assignment()` went on listing a partition that another instance already held.
   */
  private readonly owned = new Map<number, number>();
  private rebalances = 0;
  private txn?: OpenTransaction;
  /** One thing at a time touches the transaction: a batch, a commit, a rebalance. */
  private queue: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private batches = 0;
  /**
   * At-least-once only: per partition held, the offset after the last batch processed. Committed every second whether
   * or not a batch came, as Kafka's auto-commit commits positions: a commit the group dropped (one sent while it
   * rebalanced) is made again, where committing only what the open batch touched left the group's offsets behind for
   * good (the EOS-off control's processors had processed every record and never caught up).
   */
  private readonly consumed = new Map<number, string>();
  /** When the consumer last handed us a batch, and the quiet spell already reported. */
  private lastBatchAt = Date.now();
  /** When settleIdle last ran (see there). */
  private settledAt = 0;
  private quietSaid = 0;
  private failures = 0;
  private stopping = false;
  /** What the stage is waiting on now (the watchdog names it when it takes long) and since when. */
  private doing?: { what: string; since: number; said: number };
  private watchdog?: NodeJS.Timeout;

  constructor(
    readonly opts: StageOptions,
    private readonly handler: StageHandler,
  ) {
    this.kafka = kafkaClient({ brokers: opts.brokers, clientId: stageClientId(opts.name, opts.zone) });
  }

  private newConsumer(): Consumer {
    return this.kafka.consumer({
      ...stageConsumerConfig(this.opts.groupId, this.opts.zone),
      rebalance_cb: (err: { code: number }, assignment: { topic: string; partition: number }[], fns?: { assignmentLost?: () => boolean }) => this.onRebalance(err, assignment, fns),
    } as never);
  }

  /**
   * A transactional producer, initialised (InitProducerId), or the stage exits: a stage that gave up and kept its
   * broken producer stayed in its group without processing anything (after a few of those every instance of a group
   * had stopped). Exiting hands its partitions to the other instances, and a supervisor can restart it.
   */
  private async freshProducer(): Promise<Producer> {
    try {
      return await connectPatiently(() => this.newProducer(), `${this.opts.name} producer`);
    } catch (e) {
      console.error(`${this.opts.name}: no producer (${errorText(e)}); exiting so the group hands its partitions to the other instances. Nothing uncommitted was kept; start the stage again (\`just deploy\`)`);
      process.exit(70);
    }
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      kafkaJS: this.opts.exactlyOnce
        ? { transactionalId: stageTransactionalId(this.opts.groupId, this.opts.instanceId ?? this.opts.zone), idempotent: true, transactionTimeout: 10_000, acks: -1 }
        : { idempotent: true, acks: -1 },
      // exactly-once: librdkafka reports only the messages that failed (see send), and fails the commit of a
      // transaction any of whose messages failed delivery
      ...(this.opts.exactlyOnce ? { 'delivery.report.only.error': true } : {}),
      'linger.ms': 5,
      'compression.type': 'lz4',
      'client.rack': this.opts.zone,
    } as never);
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f).finally(() => (this.doing = undefined));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Marks what the stage waits on: while the consumer's handler waits, the group sees no poll (max.poll.interval). */
  private step(what: string): void {
    this.doing = { what, since: Date.now(), said: 0 };
  }

  /** Says, every 20 s, what a step that has taken over 20 s waits on: a stuck stage names where it is stuck. */
  private watch(): void {
    // a consumer that holds partitions and hands over nothing for a minute says so, with what it holds, then after 2,
    // 4, 8... minutes (an idle input looks the same; a stuck one says so here rather than nowhere)
    const quiet = Math.floor((Date.now() - this.lastBatchAt) / 60_000);
    if (quiet >= Math.max(1, 2 * this.quietSaid)) {
      this.quietSaid = quiet;
      let held = '';
      try {
        held = this.consumer.assignment().map((a) => a.partition).join(',');
      } catch {
        held = '(unknown)';
      }
      const paused = this.paused.size ? `; paused by this stage: ${[...this.paused].join(',')}` : '';
      if (held) console.error(`${this.opts.name}: no batch for ${quiet} min while holding partitions ${held} of ${this.opts.inputTopic}${paused}${this.txn ? `; a ${this.opts.exactlyOnce ? 'transaction' : 'commit'} of ${this.txn.inputs} inputs is open` : ''}`);
    }
    const d = this.doing;
    if (!d) return;
    const s = Math.floor((Date.now() - d.since) / 20_000) * 20;
    if (s >= 20 && s > d.said) {
      d.said = s;
      console.error(`${this.opts.name}: waiting ${s} s on ${d.what}`);
    }
  }

  async start(): Promise<void> {
    this.producer = await this.freshProducer();
    this.consumer = await connectPatiently(() => this.newConsumer(), `${this.opts.name} consumer`);
    await this.consumer.subscribe({ topics: [this.opts.inputTopic] });
    await this.consumer.run({
      partitionsConsumedConcurrently: 1,
      // a batch returned from is resolved; one that a rewind made stale is not (its partition was sought)
      eachBatchAutoResolve: true,
      eachBatch: (payload) => this.serial(() => this.processBatch(payload)),
    });
    // an idle stage still commits what it holds within the interval
    const interval = this.opts.exactlyOnce ? (this.opts.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS) : 1000;
    this.timer = setInterval(() => void this.serial(() => this.commit()).catch(() => undefined), interval);
    this.watchdog = setInterval(() => {
      this.watch();
      if (this.opts.exactlyOnce && !this.txn && !this.stopping && Date.now() - this.lastBatchAt >= IDLE_MS && Date.now() - this.settledAt >= IDLE_MS) {
        this.settledAt = Date.now();
        void this.serial(() => this.settleIdle()).catch((e: unknown) => console.error(`${this.opts.name}: committing past the aborted tail of idle partitions failed (${errorText(e)}); again later`));
      }
    }, 5000);
  }

  /**
   * An idle partition whose committed offset stops short of its end with nothing committed in between (the tail is
   * aborted data and transaction markers, which a read_committed consumer passes without a batch) has its offset
   * committed at that end, in a transaction of offsets only, as Kafka Streams commits its consumer's position.
   * Without it the group's lag stayed above zero until the next record: a containers `zone-partition` run read the
   * aggregate group as stuck (32 behind on one partition for 4 min) after the process stage aborted a transaction
   * there. Checked, not assumed: the tail is read back read_committed first, and one record in it leaves the offset
   * where it is.
   */
  private async settleIdle(): Promise<void> {
    const since = this.lastBatchAt;
    // restored or not: only offsets are committed, and no state moves with them. Not one being restored: it had a
    // batch, so it has records to process
    const mine = [...this.owned.keys()].filter((p) => this.assigned(p) && !this.restoring.has(p));
    if (this.txn || !mine.length) return;
    const e = { brokers: this.opts.brokers, clientId: `${stageClientId(this.opts.name, this.opts.zone)}-settle` };
    const ends = new Map((await topicOffsets(e, this.opts.inputTopic)).map((o) => [o.partition, BigInt(o.high)]));
    const committed = await this.committedOffsets(mine);
    const behind = mine.filter((p) => committed.has(p) && ends.has(p) && BigInt(committed.get(p)!) < ends.get(p)!);
    if (!behind.length) return;
    // one committed record is enough to leave a partition as it is: a partition by partition read that stops at the
    // first (a backlog read to its end, hundreds of thousands of records behind a restore, held the queue for minutes)
    const data = new Set<number>();
    for (const p of behind) {
      const found = await readToEnd(e, this.opts.inputTopic, { partitions: [p], from: new Map([[p, committed.get(p)!]]), until: new Map([[p, ends.get(p)!.toString()]]), limit: 1 });
      if (found.length) data.add(p);
    }
    // a batch handed over meanwhile, or a partition revoked: nothing here is decided any more
    const settle = behind.filter((p) => this.assigned(p) && !this.restoring.has(p) && !data.has(p));
    if (this.txn || this.lastBatchAt !== since || !settle.length) return;
    const t = (this.txn = emptyTransaction());
    for (const p of settle) {
      t.from.set(p, committed.get(p)!);
      t.next.set(p, ends.get(p)!.toString());
    }
    const what = settle.map((p) => `${p} (${committed.get(p)} -> ${ends.get(p)})`).join(', ');
    // a transaction marker alone is the usual tail of an idle partition; more than that was aborted data: say so
    if (settle.some((p) => ends.get(p)! - BigInt(committed.get(p)!) > 1n)) console.log(`${this.opts.name}: idle; committing past aborted records at the end of ${what} (a failure is logged as an abort)`);
    this.step(`committing past the aborted tail of ${what}`);
    await this.commit();
  }

  /**
   * Assigned: ours from now, restored lazily before their first batch. Revoked (or lost): not ours from now, and an
   * open transaction that read any of them aborts, never commits. It is decided here, synchronously, and the callback
   * returns at once, so the library hands the partitions back without waiting on a commit.
   *
   * Committing on revocation, as Kafka Streams does, duplicated output here (zone-partition, 93 events twice): while a
   * stage waited 5 s on a restore it could not see the revocation; the group had already given the partition to a
   * member whose lost assignment was still pending in its client, and both committed the same input, each with a
   * generation the coordinator still accepted. An abort loses nothing: the next owner resumes from the committed
   * offsets, read stable.
   */
  private onRebalance(err: { code: number }, assignment: { topic: string; partition: number }[], fns?: { assignmentLost?: () => boolean }): void {
    const event = ++this.rebalances;
    const partitions = assignment.map((a) => a.partition);
    if (err.code === KafkaJS.ErrorCodes.ERR__ASSIGN_PARTITIONS) {
      for (const p of partitions) this.owned.set(p, event);
      return;
    }
    if (err.code !== KafkaJS.ErrorCodes.ERR__REVOKE_PARTITIONS) return;
    for (const p of partitions) {
      this.owned.delete(p);
      this.forget(p);
    }
    const txn = this.txn;
    const read = txn ? partitions.filter((p) => txn.from.has(p)) : [];
    if (!txn || !read.length) return;
    const lost = fns?.assignmentLost?.() ? ' (lost)' : '';
    txn.revoked ??= new RevokedError(`partition${read.length > 1 ? 's' : ''} ${read.join(',')} revoked${lost} while the transaction was open`);
    void this.serial(async () => {
      if (this.txn === txn) await this.abort(txn.revoked);
    }).catch((e: unknown) => console.error(`${this.opts.name}: aborting the transaction of revoked partitions ${read.join(',')} failed (${errorText(e)})`));
  }

  /** Fault injection points: `before-transaction` (state updated, nothing sent yet) is reached first in every batch. */
  private crashPoint(where: 'before-transaction' | 'in-transaction'): void {
    const failHere = (this.opts.failPoint ?? 'in-transaction') === where;
    if (failHere && this.opts.failAfterBatches !== undefined && this.failures < (this.opts.failTimes ?? 1) && this.batches > this.opts.failAfterBatches) {
      this.failures++;
      console.error(`${this.opts.name}: injected transient failure ${this.failures}/${this.opts.failTimes ?? 1} after ${this.opts.failAfterBatches} batches, ${where}`);
      throw new InjectedFailure('injected transient failure');
    }
    if (where === 'in-transaction' && this.opts.crashAfterBatches !== undefined && this.batches > this.opts.crashAfterBatches) {
      console.error(`${this.opts.name}: injected crash after ${this.opts.crashAfterBatches} batches, outputs written, offsets not committed`);
      process.exit(137);
    }
  }

  private async processBatch({ batch, isStale }: EachBatchPayload): Promise<void> {
    // a batch fetched before a rewind (seek) or a revocation is not ours to process
    if (!batch.messages.length || isStale() || this.stopping) return;
    this.lastBatchAt = Date.now();
    this.quietSaid = 0;
    const partition = batch.partition;
    if (!this.assigned(partition)) return;
    // the assignment this batch belongs to: a restore started for it is dropped if a revoke comes first
    const mark = this.owned.get(partition);
    const txn = (): OpenTransaction => (this.txn ??= emptyTransaction());
    if (!this.ready.has(partition)) {
      if (!this.restoring.has(partition)) this.beginRestore(batch.topic, partition, mark!, BigInt(batch.messages[0]!.offset));
      return;
    }
    this.batches++;
    const t = txn();
    if (!t.from.has(partition)) t.from.set(partition, batch.messages[0]!.offset);
    t.next.set(partition, (BigInt(batch.lastOffset()) + 1n).toString());
    if (!this.opts.exactlyOnce) this.consumed.set(partition, t.next.get(partition)!);
    t.inputs += batch.messages.length;
    if (this.opts.tracer) t.spans.push(this.spansOf(batch.topic, partition, batch.messages));
    t.endToEndS.push(...sinceIngest(batch.messages));
    try {
      // from here on the handler's state holds this batch: a failure before the commit forgets the partition
      const outputs = this.handler.handle(partition, batch.messages).filter((t) => t.messages.length);
      this.crashPoint('before-transaction');
      this.step('beginning a transaction');
      if (this.opts.exactlyOnce && outputs.length && !this.producer.isActive()) await this.producer.transaction();
      for (const o of outputs) {
        t.records += o.messages.length;
        this.send(t, o);
      }
    } catch (e) {
      await this.abort(e);
      return;
    }
    if (this.opts.exactlyOnce && performance.now() - t.began >= (this.opts.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS)) await this.commit();
  }

  /**
   * Restores a partition without holding the consumer: the partition is paused, its state restored beside the
   * other partitions' batches, then it is sought back to where its first batch began (or to the output's lineage)
   * and resumed. A restore awaited inside the batch handler left the consumer unpolled: at ~565,000 ids a partition
   * it took 45 s, two on one instance ran out the group's 120 s poll bound, and the partitions went from instance
   * to instance, each restoring them again, processing nothing (docs/findings.md). Restoring in the background
   * also needs no commit first: the open transaction, which a restore reading the changelog to its end waits for,
   * commits on its interval meanwhile.
   *
   * The restores of one partition run one after another: a restore for an assignment since revoked (its result is
   * dropped) never finishes after, and so never overwrites, the state of the next one.
   */
  private beginRestore(topic: string, partition: number, mark: number, first: bigint): void {
    this.restoring.set(partition, mark);
    try {
      this.consumer.pause([{ topic, partitions: [partition] }]);
      this.paused.add(partition);
    } catch (e) {
      this.restoring.delete(partition);
      console.error(`${this.opts.name}: could not pause partition ${partition} to restore it (${errorText(e)}); its next batch tries again`);
      return;
    }
    const current = () => this.owned.get(partition) === mark && this.restoring.get(partition) === mark;
    const run = async () => {
      const t0 = Date.now();
      let floor: bigint | undefined;
      let failed: unknown;
      try {
        if (this.restoreFailed < (this.opts.restoreFailures ?? 0)) {
          this.restoreFailed++;
          throw new InjectedFailure(`injected restore failure ${this.restoreFailed}/${this.opts.restoreFailures}`);
        }
        floor = (await this.handler.restore?.(partition, first)) ?? undefined;
      } catch (e) {
        failed = e;
      }
      await this.serial(async () => {
        if (this.stopping) return;
        if (!current()) {
          // revoked meanwhile (forget has run): what this restore left behind is not the partition's state (a restore
          // queued behind this one, for a later assignment, sets its own)
          this.handler.forget?.(partition);
          return;
        }
        this.restoring.delete(partition);
        if (failed !== undefined) {
          this.handler.forget?.(partition);
          const retryMs = this.opts.restoreRetryMs ?? 1000;
          console.error(`${this.opts.name}: restoring partition ${partition} failed (${errorText(failed)}); nothing of it was processed; its batch is fetched again in ${retryMs / 1000} s and the restore tried again`);
          this.consumer.seek({ topic, partition, offset: first.toString() });
          // still paused: resumed here unless a revoke (forget) has resumed it meanwhile or a new restore holds it
          setTimeout(() => {
            if (this.paused.has(partition) && !this.restoring.has(partition)) this.resumePartition(partition);
          }, retryMs).unref();
          return;
        }
        this.ready.add(partition);
        const skip = this.opts.exactlyOnce && floor !== undefined && floor > first;
        console.log(`${this.opts.name}: partition ${partition} restored in ${Date.now() - t0} ms; resuming at ${first}${skip ? `, below its output's lineage ${floor}: skipping to it` : ''}`);
        if (skip) {
          // the skipped offsets commit with the next transaction, so the group's lag does not stay above zero
          const t = (this.txn ??= emptyTransaction());
          if (!t.from.has(partition)) t.from.set(partition, floor!.toString());
          t.next.set(partition, floor!.toString());
        }
        // sought before the resume (the library applies both in order): the pause put the position after the batch
        // that started the restore, which was not processed
        this.consumer.seek({ topic, partition, offset: (skip ? floor! : first).toString() });
        this.resumePartition(partition);
      });
    };
    console.log(`${this.opts.name}: restoring partition ${partition} (paused; the other partitions go on)`);
    const prev = this.restoreRuns.get(partition) ?? Promise.resolve();
    const next = prev.then(run).catch((e: unknown) => console.error(`${this.opts.name}: restoring partition ${partition} failed (${errorText(e)})`));
    this.restoreRuns.set(partition, next);
  }

  private resumePartition(partition: number): void {
    this.paused.delete(partition);
    try {
      this.consumer.resume([{ topic: this.opts.inputTopic, partitions: [partition] }]);
    } catch (e) {
      // not connected: nothing fetches anyway
      console.error(`${this.opts.name}: could not resume partition ${partition} (${errorText(e)})`);
    }
  }

  /** What the stage holds of a partition (restored state, at-least-once position) is no longer true or no longer ours. */
  private forget(partition: number): void {
    // a partition paused for its restore, or waiting to retry one, is resumed: librdkafka keeps an application's
    // pause across a revoke, and a later assignment of it would then never fetch
    this.restoring.delete(partition);
    if (this.paused.has(partition)) this.resumePartition(partition);
    this.ready.delete(partition);
    this.consumed.delete(partition);
    this.handler.forget?.(partition);
  }

  private assigned(partition: number): boolean {
    if (!this.owned.has(partition)) return false;
    try {
      return this.consumer.assignment().some((a) => a.partition === partition);
    } catch {
      return false;
    }
  }

  private spansOf(topic: string, partition: number, messages: KafkaMessage[]): BatchSpans {
    return batchSpans(this.opts.tracer!, `${this.opts.name} ${topic}`, messages, {
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.destination.partition.id': String(partition),
      'messaging.consumer.group.name': this.opts.groupId,
      'messaging.kafka.offset': messages[0]?.offset ?? '',
      'faultline.zone': this.opts.zone,
      'faultline.exactly_once': String(this.opts.exactlyOnce),
    });
  }

  /**
   * Hands a batch's outputs to the producer, not awaited: librdkafka batches and lingers, and the commit waits for
   * every delivery (see delivered). Exactly-once, only failures are reported (`delivery.report.only.error`): a
   * delivery report for every message that succeeded cost the stages about a tenth of their CPU per event (a
   * JavaScript object and a callback each), and a transaction needs none of them (2026-12-05, see docs/benchmarks.md).
   */
  private send(t: OpenTransaction, o: TopicMessages): void {
    const failed = (e: unknown) => void (t.failed ??= e);
    if (this.opts.exactlyOnce) produceInTransaction(this.producer, o.topic, o.messages, failed);
    else t.sends.push(produceAll(this.producer, o.topic, o.messages).catch(failed));
  }

  /**
   * Every output of the open transaction delivered, or the failure that stops it. Exactly-once, a flush: it ends when
   * every message handed over is delivered or has failed, and a failure is in `failed` (refused at once) or makes
   * librdkafka fail the commit. At-least-once, the delivery reports of every message.
   */
  private async delivered(t: OpenTransaction): Promise<void> {
    if (!this.opts.exactlyOnce) return void (await within(30_000, 'deliveries', Promise.all(t.sends)));
    // a flush that failed (it ran out of time, or the producer is gone) is a delivery wait that ran out: the
    // producer is replaced (see abort); the bound around it holds should the flush never call back
    const flushed = this.producer.flush({ timeout: 30_000 }).catch((e: unknown) => {
      throw new StuckError(`the deliveries did not finish: the flush failed (${errorText(e)})`);
    });
    await within(35_000, 'deliveries', flushed);
  }

  /** Commits the open transaction: every output delivered, then the input offsets with the group's metadata, then the commit. */
  private async commit(): Promise<void> {
    const txn = this.txn;
    if (!txn) return this.opts.exactlyOnce ? undefined : this.recommit();
    const topics = [{ topic: this.opts.inputTopic, partitions: [...txn.next].map(([partition, offset]) => ({ partition, offset })) }];
    try {
      if (txn.revoked) throw txn.revoked;
      this.step('the deliveries of the open transaction');
      await this.delivered(txn);
      if (txn.failed) throw txn.failed;
      // revoked while the deliveries were awaited: the offsets must not go with a generation that no longer gives us them
      if (txn.revoked) throw txn.revoked;
      this.crashPoint('in-transaction');
      if (this.opts.exactlyOnce) {
        if (!this.producer.isActive()) await within(15_000, 'begin transaction', this.producer.transaction());
        if (txn.revoked) throw txn.revoked;
        this.step('sending the offsets to the transaction');
        await within(15_000, 'send offsets', this.producer.sendOffsets({ consumer: this.consumer, topics }));
        // the last moment to choose: once the commit is asked for it is not taken back
        if (txn.revoked) throw txn.revoked;
        this.step('the commit');
        await this.retrying('commit', () => within(15_000, 'commit', this.producer.commit()));
      } else {
        // at-least-once: a crash between the send above and this commit replays the batches. With the batch's
        // partitions go the positions of every other partition held (see `consumed`)
        const positions = new Map(this.heldPositions());
        for (const { partition, offset } of topics[0]!.partitions) positions.set(partition, offset);
        await this.consumer.commitOffsets([...positions].map(([partition, offset]) => ({ topic: this.opts.inputTopic, partition, offset })));
      }
    } catch (e) {
      await this.abort(e);
      return;
    }
    this.txn = undefined;
    this.opts.onTransaction?.({ inputs: txn.inputs, records: txn.records, ms: performance.now() - txn.began, outcome: 'commit', traceId: txn.spans[0]?.traceId, endToEndS: txn.endToEndS });
    for (const s of txn.spans) s.end();
  }

  /** At-least-once: the positions (see `consumed`) of the partitions still held. */
  private heldPositions(): [number, string][] {
    return [...this.consumed].filter(([p]) => this.assigned(p));
  }

  /** At-least-once: the positions of the partitions held, committed again (see `consumed`); a failure waits for the next tick. */
  private async recommit(): Promise<void> {
    const held = this.heldPositions();
    if (!held.length) return;
    await within(10_000, 'commit offsets', this.consumer.commitOffsets(held.map(([partition, offset]) => ({ topic: this.opts.inputTopic, partition, offset })))).catch((e: unknown) =>
      console.error(`${this.opts.name}: committing the positions of ${held.map(([p, o]) => `${p}@${o}`).join(', ')} failed (${errorText(e)}); again in a second`),
    );
  }

  /** A commit that timed out may be called again (librdkafka keeps its state); bounded by the transaction timeout. */
  private async retrying(what: string, f: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await f();
      } catch (e) {
        if (txnErrorKind(e) !== 'retriable' || Date.now() > deadline) throw e;
        console.error(`${this.opts.name}: ${what} failed (attempt ${attempt}: ${errorText(e)}); retrying`);
      }
    }
  }

  /**
   * The transaction failed: abort it, forget the state of its partitions and rewind them to where it began. A
   * producer in a fatal state (fenced) is replaced: the new one's InitProducerId bumps the epoch.
   */
  private async abort(e: unknown): Promise<void> {
    const txn = this.txn;
    this.txn = undefined;
    if (!txn) return;
    const kind = e instanceof InjectedFailure ? 'injected' : e instanceof StuckError ? 'stuck' : e instanceof RevokedError ? 'revoked' : txnErrorKind(e);
    let fresh = kind === 'fatal' || kind === 'stuck';
    if (this.opts.exactlyOnce && !fresh && this.producer.isActive()) {
      // an abort that timed out is called again (librdkafka resumes it); one that still fails replaces the producer
      this.step('the abort');
      await this.retrying('abort', () => within(15_000, 'abort', this.producer.abort())).catch((x: unknown) => {
        console.error(`${this.opts.name}: abort failed (${errorText(x)}); replacing the producer`);
        fresh = true;
      });
    }
    if (fresh) {
      // the new producer's InitProducerId (same transactional id) bumps the epoch: the old one is fenced, and its
      // open transaction aborted by the coordinator. Its close is not waited for: a wedged client may never close.
      const old = this.producer;
      void within(10_000, 'close the old producer', old.disconnect()).catch(() => undefined);
      this.step('a new producer (InitProducerId)');
      this.producer = await this.freshProducer();
    }
    this.opts.onTransaction?.({ inputs: txn.inputs, records: txn.records, ms: performance.now() - txn.began, outcome: 'abort', traceId: txn.spans[0]?.traceId });
    for (const s of txn.spans) s.end(e);
    // Where to resume is the group's committed offset, not where this transaction began: a commit whose answer was
    // lost (timed out, then 'invalid state' on the abort) may have committed after all, and a rewind to its start
    // counted its batches twice (broker-down: 21 windows over by 1-5). The offsets commit in the same transaction as
    // the outputs and the changelog, and librdkafka reads them stable (KIP-447): they and the state restored from
    // the changelog agree either way. A partition no longer ours is not sought (a pending seek would be applied at a
    // later assignment).
    const mine = [...txn.from.keys()].filter((p) => this.assigned(p));
    for (const partition of txn.from.keys()) this.forget(partition);
    this.step(`the committed offsets of ${mine.join(',') || 'no partition'}`);
    const committed = await this.committedOffsets(mine);
    const rewound: string[] = [];
    // again: one revoked while the offsets were read is not sought (the library would keep the seek for a later assignment)
    for (const partition of mine.filter((p) => this.assigned(p))) {
      const offset = committed.get(partition);
      // nothing committed yet (no offset, or librdkafka's -1001): from the log start, as a new group begins
      this.consumer.seek({ topic: this.opts.inputTopic, partition, offset: offset !== undefined ? offset : '-2' });
      rewound.push(`${partition}@${offset ?? 'start'} (began at ${txn.from.get(partition)})`);
    }
    // one line per abort: when an output is ever wrong, this says what was undone and where it resumed
    logger().warn(
      { kind, inputs: txn.inputs, rewound, ...(txn.spans[0] ? { trace_id: txn.spans[0].traceId } : {}) },
      `${this.opts.name}: transaction aborted (${kind}: ${errorText(e)}); ${txn.inputs} inputs undone, partitions rewound to their committed offsets: ${rewound.join(', ') || 'none (revoked)'}`,
    );
  }

  /** The group's committed offsets of these partitions, read stable; asked again for up to a minute, then the stage exits (it cannot know where to resume). */
  private async committedOffsets(partitions: number[]): Promise<Map<number, string>> {
    if (!partitions.length) return new Map();
    const deadline = Date.now() + 60_000;
    for (let attempt = 1; ; attempt++) {
      try {
        const got = await within(15_000, 'committed offsets', this.consumer.committed(partitions.map((partition) => ({ topic: this.opts.inputTopic, partition })), 10_000));
        return new Map(got.filter((o) => o.offset !== null && o.offset !== undefined && /^\d+$/.test(String(o.offset))).map((o) => [o.partition, String(o.offset)]));
      } catch (e) {
        if (Date.now() > deadline) {
          console.error(`${this.opts.name}: the committed offsets of ${this.opts.inputTopic} ${partitions.join(',')} could not be read for a minute (${errorText(e)}); exiting rather than guess where to resume. Nothing uncommitted was kept; start the stage again (\`just deploy\`)`);
          process.exit(70);
        }
        console.error(`${this.opts.name}: reading the committed offsets failed (attempt ${attempt}: ${errorText(e)}); asking again`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    clearInterval(this.watchdog);
    // bounded: a stage asked to stop exits even when its last commit cannot finish (its open transaction is then
    // aborted by the coordinator, and its partitions resume from their committed offsets elsewhere)
    await within(20_000, 'the last commit', this.serial(() => this.commit())).catch((e: unknown) => console.error(`${this.opts.name}: stopping without the last commit (${errorText(e)})`));
    await within(10_000, 'closing the consumer', this.consumer.disconnect()).catch(() => undefined);
    await within(10_000, 'closing the producer', this.producer.disconnect()).catch(() => undefined);
  }
}

/** Per input record that carries ingest's timestamp: seconds from its acceptance at ingest until now (its processing here). */
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

/** Stage options shared by every entry point, from the environment (PREFIX_GROUP, PREFIX_INPUT, ...), read once. */
export function stageEnv(prefix: string, env: NodeJS.ProcessEnv = process.env) {
  const v = (name: string) => `${prefix}_${name}`;
  const count = z.coerce.number().int().nonnegative().optional();
  const ms = z.coerce.number().int().positive().optional();
  return readConfig(
    prefix.toLowerCase(),
    {
      brokers: ['KAFKA_BROKERS', brokerList],
      zone: zoneVar,
      groupId: [v('GROUP'), z.string().optional()],
      inputTopic: [v('INPUT'), z.string().optional()],
      outputTopic: [v('OUTPUT'), z.string().optional()],
      /** false is the negative control (at-least-once, commit after produce). */
      exactlyOnce: [v('EXACTLY_ONCE'), flag(true)],
      instanceId: [v('INSTANCE_ID'), z.string().optional()],
      // 0: no de-duplication (the EOS-off control)
      dedupHorizonMs: [v('DEDUP_HORIZON_MS'), count],
      commitIntervalMs: [v('COMMIT_INTERVAL_MS'), ms],
      // fault injection for the tests
      crashAfterBatches: [v('CRASH_AFTER_BATCHES'), count],
      failAfterBatches: [v('FAIL_AFTER_BATCHES'), count],
      failTimes: [v('FAIL_TIMES'), count],
      failPoint: [v('FAIL_POINT'), z.enum(['before-transaction']).optional()],
      restoreFailures: [v('RESTORE_FAILURES'), count],
      restoreRetryMs: [v('RESTORE_RETRY_MS'), ms],
      restoreShortBy: [v('RESTORE_SHORT_BY'), count],
      restoreUnchecked: [v('RESTORE_UNCHECKED'), flag(false)],
      dlqTopic: [v('DLQ'), z.string().optional()],
      httpHost: ['STAGE_HTTP_HOST', z.string().default('127.0.0.1')],
      // 0: an ephemeral port
      httpPort: ['STAGE_HTTP_PORT', z.coerce.number().int().min(0).max(65535).optional()],
      parentPid: ['FAULTLINE_PARENT_PID', z.coerce.number().int().positive().optional()],
    },
    env,
  );
}

export type StageEnv = ReturnType<typeof stageEnv>;

/** The fault injection and restore settings of StageOptions, as the environment gave them. */
export const stageFaults = (env: StageEnv): Pick<StageOptions, 'crashAfterBatches' | 'failAfterBatches' | 'failTimes' | 'failPoint' | 'restoreFailures' | 'restoreRetryMs'> => ({
  crashAfterBatches: env.crashAfterBatches,
  failAfterBatches: env.failAfterBatches,
  failTimes: env.failTimes,
  failPoint: env.failPoint,
  restoreFailures: env.restoreFailures,
  restoreRetryMs: env.restoreRetryMs,
});

/** Metrics for a stage and, when STAGE_HTTP_PORT is set, the /metrics + /healthz server Prometheus scrapes. */
export function stageTelemetry(name: string, cfg: StageEnv, env: NodeJS.ProcessEnv = process.env) {
  const zone = cfg.zone;
  serviceLog(name, zone);
  // a stage a harness started for one run (FAULTLINE_PARENT_PID) ends with that harness, however it ended: a harness
  // that died of a segmentation fault left its run's processors consuming for hours
  const parent = cfg.parentPid;
  if (parent) setInterval(() => process.ppid !== parent && process.kill(process.pid, 'SIGKILL'), 1000).unref();
  const registry = stageRegistry(name, zone);
  const m = eosMetrics(registry);
  const tracing = startTracing(tracingEnv(`faultline-${name}`, zone, env));
  return {
    tracer: tracing.tracer,
    tracing,
    onDuplicates: (n: number) => m.duplicates.inc(n),
    onTransaction: (t: TransactionStats) => {
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
      cfg.httpPort !== undefined ? serveTelemetry(registry, cfg.httpHost, cfg.httpPort, healthy) : undefined,
  };
}
