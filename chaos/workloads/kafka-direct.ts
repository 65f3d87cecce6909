// Drives Kafka directly, with the producer settings an experiment asks for
// (acks, idempotence, transactions with deliberate aborts): the workload of the
// negative controls, whose unsafe settings the checkers must catch. Its client
// is librdkafka (the pipeline's) or kafkajs, the client under test: the same
// experiment with `--client kafkajs` shows what that client gets wrong.
import { join } from 'node:path';
import { bootstrapServers, ensureTopics, errorMessage, Kafka, type KafkaClientName, logLevel, proxiedBootstrapServers } from '../../cluster/index.js';
import { stageClientId } from '../../pipeline/eos/index.js';
import { kafkaClient } from '../../pipeline/kafka/index.js';
import { paced, type ChaosContext } from '../core/context.js';
import { OwnedStage } from '../core/owned.js';
import { deleteRunTopics } from '../core/run-topics.js';
import type { WriteValue } from '../core/types.js';
import type { Workload } from '../experiments/index.js';
import type { PreparedWorkload, WorkloadEnv } from './workload.js';

export interface KafkaWorkloadOptions {
  topic: string;
  /** Partitions of the topic: each batch goes to one, round robin, so acknowledged offsets are exact. */
  partitions: number;
  rate: number;
  durationMs: number;
  batch: number;
  clients: number;
  acks: -1 | 1;
  idempotent: boolean;
  /** Each batch in its own transaction; every `abortEvery`-th is aborted on purpose (its ids must never be read). */
  transactional?: { abortEvery: number };
  /** Values as the pipeline's raw events (so experiment-owned processors can process them) or bare ids. */
  payload: 'log-event' | 'id';
  services: string[];
  timeoutMs: number;
  /** Through toxiproxy (the latency nemesis acts on these connections). */
  proxied?: boolean;
  client: KafkaClientName;
}

/** One producer of the workload, whichever client: a send of one batch to one partition, in a transaction or not. */
interface DirectProducer {
  /** The base offset the broker gave the batch (undefined when the client does not say), after commit or abort. */
  send(topic: string, messages: { key: string; value: string; partition: number }[], abort: boolean): Promise<string | undefined>;
  close(): Promise<void>;
}

async function kafkajsProducer(o: KafkaWorkloadOptions, brokers: string[], clientId: string, transactionalId: string): Promise<DirectProducer> {
  const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: o.timeoutMs, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 } });
  const p = kafka.producer({
    idempotent: o.idempotent || Boolean(o.transactional),
    maxInFlightRequests: o.idempotent || o.transactional ? 1 : undefined,
    transactionalId: o.transactional ? transactionalId : undefined,
    allowAutoTopicCreation: false,
  });
  await p.connect();
  return {
    async send(topic, messages, abort) {
      if (!o.transactional) return (await p.send({ topic, acks: o.acks, timeout: o.timeoutMs, messages }))[0]?.baseOffset;
      const txn = await p.transaction();
      try {
        const meta = await txn.send({ topic, acks: -1, timeout: o.timeoutMs, messages });
        await (abort ? txn.abort() : txn.commit());
        return meta[0]?.baseOffset;
      } catch (e) {
        await txn.abort().catch(() => undefined);
        throw e;
      }
    },
    close: () => p.disconnect(),
  };
}

async function librdkafkaProducer(o: KafkaWorkloadOptions, brokers: string[], clientId: string, transactionalId: string): Promise<DirectProducer> {
  const p = kafkaClient({ brokers, clientId }).producer({
    kafkaJS: {
      acks: o.acks,
      idempotent: o.idempotent || Boolean(o.transactional),
      ...(o.transactional ? { transactionalId } : {}),
      allowAutoTopicCreation: false,
    },
    // one send is one batch, acknowledged as such: no lingering for others
    'linger.ms': 0,
    'message.timeout.ms': o.timeoutMs,
  } as never);
  await p.connect();
  return {
    async send(topic, messages, abort) {
      // librdkafka may split one send into several produce requests, between which another client's batch to the
      // same partition can land: its offsets are not base + i, so none are claimed (the checks use read order)
      if (!o.transactional) return void (await p.send({ topic, messages }));
      await p.transaction();
      try {
        await p.send({ topic, messages });
        await (abort ? p.abort() : p.commit());
        return undefined;
      } catch (e) {
        if (p.isActive()) await p.abort().catch(() => undefined);
        throw e;
      }
    },
    close: () => p.disconnect(),
  };
}

export async function runKafkaWorkload(ctx: ChaosContext, o: KafkaWorkloadOptions, signal: AbortSignal): Promise<{ events: number }> {
  const intervalMs = (o.batch * o.clients * 1000) / o.rate;
  const end = Date.now() + o.durationMs;
  let events = 0;
  await Promise.all(
    Array.from({ length: o.clients }, async (_, process) => {
      const brokers = o.proxied ? proxiedBootstrapServers(ctx.topology) : bootstrapServers(ctx.topology);
      const make = o.client === 'kafkajs' ? kafkajsProducer : librdkafkaProducer;
      const newProducer = () => make(o, brokers, `faultline-workload-${process}`, `faultline-${ctx.runId}-${process}`);
      let producer = await newProducer();
      try {
        await paced({ intervalMs, offsetMs: (intervalMs * process) / o.clients, endAt: end, signal }, async (seq) => {
          const ids = Array.from({ length: o.batch }, (_, i) => `${ctx.runId}-k${process}-${seq * o.batch + i}`);
          events += ids.length;
          const abort = Boolean(o.transactional && o.transactional.abortEvery > 0 && seq % o.transactional.abortEvery === o.transactional.abortEvery - 1);
          const outcome = await send(ctx, producer, o, process, ids, abort, (process + seq) % o.partitions);
          // a transactional producer in an unknown state is replaced, as the Java client requires: the new one fences it
          if (outcome === 'info' && o.transactional) {
            await producer.close().catch(() => undefined);
            producer = await newProducer().catch(() => producer);
          }
        });
      } finally {
        await producer.close().catch(() => undefined);
      }
    }),
  );
  return { events };
}

function messages(o: KafkaWorkloadOptions, ids: string[], partition: number) {
  return ids.map((id, i) => ({
    key: id,
    partition,
    value:
      o.payload === 'id'
        ? id
        : JSON.stringify({ id, service: o.services[i % o.services.length], level: i % 9 ? 'info' : 'error', message: 'direct write', timestamp: new Date().toISOString(), latencyMs: i % 250 }),
  }));
}

async function send(ctx: ChaosContext, producer: DirectProducer, o: KafkaWorkloadOptions, process: number, ids: string[], abort: boolean, partition: number): Promise<'ok' | 'info'> {
  const f = abort ? 'write-aborted' : 'write';
  ctx.history.record({ process, type: 'invoke', f, value: { ids, via: 'kafka' } satisfies WriteValue });
  try {
    const baseOffset = await producer.send(o.topic, messages(o, ids, partition), abort);
    // one batch, one partition: its records got consecutive offsets from the base offset, in send order
    const base = BigInt(baseOffset ?? '-1');
    const acked = base >= 0n ? ids.map((id, i) => ({ id, partition, offset: String(base + BigInt(i)) })) : [];
    ctx.history.record({ process, type: 'ok', f, value: { ids, via: 'kafka', acked: acked.length ? acked : undefined } satisfies WriteValue });
    return 'ok';
  } catch (e) {
    ctx.history.record({ process, type: 'info', f, value: { ids, via: 'kafka' } satisfies WriteValue, error: errorMessage(e) });
    return 'info';
  }
}

type DirectWorkload = Extract<Workload, { kind: 'kafka' }>;
type OwnTopics = { raw: string; processed: string; dlq: string; group: string };

/**
 * Kafka directly, on a topic of the run's own with the experiment's replication and producer settings; with
 * `processors`, three process-stage instances of the run's own (one per zone) read it, with exactly-once as asked.
 */
export async function kafkaDirectWorkload(w: DirectWorkload, { ctx, dir, client }: WorkloadEnv): Promise<PreparedWorkload> {
  const t = ctx.topology;
  const own: OwnTopics = { raw: `chaos.${ctx.runId}.raw`, processed: `chaos.${ctx.runId}.processed`, dlq: `chaos.${ctx.runId}.dlq`, group: `chaos-${ctx.runId}-process` };
  const owned: OwnedStage[] = [];
  const groups = w.processors ? [own.group] : [];
  // the run's own processes and topics go, however it ended (a one-replica topic left behind would go offline with its broker)
  const teardown = async (notes: string[]) => {
    for (const s of owned) await s.stop();
    await deleteRunTopics(t, [own.raw, ...(w.processors ? [own.processed, own.dlq] : [])], notes, groups);
  };
  try {
    await setUp(w, ctx, own, dir, owned);
  } catch (e) {
    // a setup that failed half-way takes back what it did
    await teardown([]).catch(() => undefined);
    throw e;
  }
  ctx.topics = [own.raw];
  ctx.groups = groups;
  ctx.owned = owned;
  return {
    label: `kafka direct -> ${own.raw}`,
    topics: { input: own.raw, ...(w.processors ? { processed: own.processed } : {}) },
    // only a transactional workload aborts writes on purpose; a direct write is never refused
    mayAbort: Boolean(w.transactional),
    stages: w.processors ? [[own.group, own.raw]] : [],
    tail: true,
    run: (o, signal) =>
      runKafkaWorkload(
        ctx,
        { topic: own.raw, partitions: w.topic.partitions, rate: o.rate, durationMs: o.durationMs, batch: 20, clients: 3, acks: w.acks, idempotent: w.idempotent, transactional: w.transactional, payload: w.processors ? 'log-event' : 'id', services: o.services, timeoutMs: 15_000, proxied: Boolean(w.proxied), client },
        signal,
      ),
    healed: async () => {
      for (const s of owned) await s.restart();
    },
    config: {
      replicationFactor: w.topic.replicationFactor,
      minInsyncReplicas: w.topic.minInsyncReplicas,
      client,
      acks: w.acks === -1 ? 'all' : '1',
      idempotent: w.idempotent,
      transactional: Boolean(w.transactional),
      uncleanLeaderElection: Boolean(w.topic.uncleanLeaderElection),
      processorsExactlyOnce: w.processors ? w.processors.exactlyOnce : 'n/a',
    },
    teardown,
  };
}

/** The run's topics, and its processors started (pushed to `owned` as each starts, so a failure can stop them). */
async function setUp(w: DirectWorkload, ctx: ChaosContext, own: OwnTopics, dir: string, owned: OwnedStage[]): Promise<void> {
  const t = ctx.topology;
  await ensureTopics(t, [{ name: own.raw, ...w.topic }]);
  if (!w.processors) return;
  await ensureTopics(t, [
    { name: own.processed, partitions: 6 },
    { name: own.dlq, partitions: 1 },
  ]);
  for (const z of t.zones) {
    const name = `process-${z.name.slice(-1)}-own`;
    const s = new OwnedStage(name, z.name, 'pipeline/process/main.ts', {
      KAFKA_BROKERS: bootstrapServers(t).join(','),
      FAULTLINE_ZONE: z.name,
      PROCESS_GROUP: own.group,
      PROCESS_INPUT: own.raw,
      PROCESS_OUTPUT: own.processed,
      PROCESS_DLQ: own.dlq,
      PROCESS_EXACTLY_ONCE: String(w.processors.exactlyOnce),
      // the negative control is unsafe all the way: with exactly-once off, de-duplication by id (which would
      // drop the replayed batches) is off too
      ...(w.processors.exactlyOnce ? {} : { PROCESS_DEDUP_HORIZON_MS: '0' }),
    }, join(dir, `${name}.log`), stageClientId('process', z.name));
    s.start();
    owned.push(s);
  }
}
