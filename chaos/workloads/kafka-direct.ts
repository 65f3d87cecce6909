// Drives Kafka directly, with the producer settings an experiment asks for
// (acks, idempotence, transactions with deliberate aborts): the workload of the
// negative controls, whose unsafe settings the checkers must catch.
import { bootstrapServers, Kafka, logLevel, proxiedBootstrapServers, type Producer } from '../../cluster/index.js';
import { paced, type ChaosContext } from '../core/context.js';
import type { WriteValue } from '../core/types.js';

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
}

export async function runKafkaWorkload(ctx: ChaosContext, o: KafkaWorkloadOptions, signal: AbortSignal): Promise<{ events: number }> {
  const intervalMs = (o.batch * o.clients * 1000) / o.rate;
  const end = Date.now() + o.durationMs;
  let events = 0;
  await Promise.all(
    Array.from({ length: o.clients }, async (_, process) => {
      const kafka = new Kafka({
        clientId: `faultline-workload-${process}`,
        brokers: o.proxied ? proxiedBootstrapServers(ctx.topology) : bootstrapServers(ctx.topology),
        logLevel: logLevel.NOTHING,
        connectionTimeout: 3000,
        requestTimeout: o.timeoutMs,
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
      });
      const newProducer = async () => {
        const p = kafka.producer({
          idempotent: o.idempotent || Boolean(o.transactional),
          maxInFlightRequests: o.idempotent || o.transactional ? 1 : undefined,
          transactionalId: o.transactional ? `faultline-${ctx.runId}-${process}` : undefined,
          allowAutoTopicCreation: false,
        });
        await p.connect();
        return p;
      };
      let producer: Producer = await newProducer();
      try {
        await paced({ intervalMs, offsetMs: (intervalMs * process) / o.clients, endAt: end, signal }, async (seq) => {
          const ids = Array.from({ length: o.batch }, (_, i) => `${ctx.runId}-k${process}-${seq * o.batch + i}`);
          events += ids.length;
          const abort = Boolean(o.transactional && o.transactional.abortEvery > 0 && seq % o.transactional.abortEvery === o.transactional.abortEvery - 1);
          const outcome = await send(ctx, producer, o, process, ids, abort, (process + seq) % o.partitions);
          // a transactional producer in an unknown state is replaced, as the Java client requires: the new one fences it
          if (outcome === 'info' && o.transactional) {
            await producer.disconnect().catch(() => undefined);
            producer = await newProducer().catch(() => producer);
          }
        });
      } finally {
        await producer.disconnect().catch(() => undefined);
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

async function send(ctx: ChaosContext, producer: Producer, o: KafkaWorkloadOptions, process: number, ids: string[], abort: boolean, partition: number): Promise<'ok' | 'info'> {
  const f = abort ? 'write-aborted' : 'write';
  ctx.history.record({ process, type: 'invoke', f, value: { ids, via: 'kafka' } satisfies WriteValue });
  try {
    const msgs = messages(o, ids, partition);
    let meta;
    if (o.transactional) {
      const txn = await producer.transaction();
      try {
        meta = await txn.send({ topic: o.topic, acks: -1, timeout: o.timeoutMs, messages: msgs });
        if (abort) await txn.abort();
        else await txn.commit();
      } catch (e) {
        await txn.abort().catch(() => undefined);
        throw e;
      }
    } else {
      meta = await producer.send({ topic: o.topic, acks: o.acks, timeout: o.timeoutMs, messages: msgs });
    }
    // one batch, one partition: its records got consecutive offsets from the base offset, in send order
    const base = BigInt(meta[0]?.baseOffset ?? '-1');
    const acked = base >= 0n ? ids.map((id, i) => ({ id, partition, offset: String(base + BigInt(i)) })) : [];
    ctx.history.record({ process, type: 'ok', f, value: { ids, via: 'kafka', acked: acked.length ? acked : undefined } satisfies WriteValue });
    return 'ok';
  } catch (e) {
    ctx.history.record({ process, type: 'info', f, value: { ids, via: 'kafka' } satisfies WriteValue, error: e instanceof Error ? e.message : String(e) });
    return 'info';
  }
}
