// Our side of each `just bench` pair, on the same cluster and events as Kafka's tools: the pipeline's producer
// (librdkafka, the ingest's settings), the stages' read_committed consumer, our two stages over a filled topic
// (against Kafka Streams), and a kafkajs produce -> consume round trip.
import type { Kafka as KafkajsKafka } from 'kafkajs';
import { kafkaClient, produceAll, readToEnd, type Endpoint } from '../../pipeline/kafka/index.js';
import { stageConsumerConfig } from '../../pipeline/eos/index.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuTicks, quantileOf } from '../pipeline-bench.js';
import { realisticEvent } from './payload.js';
import { librdkafkaProducerConfig } from '../../pipeline/ingest/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A rate over the part of a run past its warm-up, from (time, cumulative count) points. */
export function steadyOf(points: { at: number; n: number }[], warmupMs: number): number | undefined {
  if (points.length < 2) return undefined;
  const start = points[0]!.at + warmupMs;
  const from = points.find((p) => p.at >= start);
  const last = points[points.length - 1]!;
  return from && last.at > from.at ? (last.n - from.n) / ((last.at - from.at) / 1000) : undefined;
}

/**
 * The pipeline's producer (librdkafka, sending as the ingest sends: produceAll), with the settings given: the
 * payload lines in sends of 500 with `concurrency` in flight (as ingest sends a request's events), no key (as
 * ProducerPerformance sends), for `seconds`. Its rate past `warmupS`, and over the whole run.
 */
export async function librdkafkaProducer(e: Endpoint, topic: string, lines: string[], seconds: number, settings: Record<string, string | number>, warmupS: number, concurrency = 6): Promise<{ records: number; recordsPerS: number; steadyPerS?: number }> {
  const producer = kafkaClient(e).producer(librdkafkaProducerConfig(settings) as never);
  await producer.connect();
  try {
    const buffers = lines.map((l) => Buffer.from(l));
    let next = 0;
    let acked = 0;
    const t0 = performance.now();
    const until = t0 + seconds * 1000;
    const points = [{ at: t0, n: 0 }];
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          const messages = Array.from({ length: 500 }, () => ({ key: null, value: buffers[next++ % buffers.length]! }));
          await produceAll(producer, topic, messages);
          acked += messages.length;
          points.push({ at: performance.now(), n: acked });
        }
      }),
    );
    const steady = steadyOf(points, warmupS * 1000);
    return { records: acked, recordsPerS: acked / ((performance.now() - t0) / 1000), ...(steady !== undefined ? { steadyPerS: steady } : {}) };
  } finally {
    await producer.disconnect();
  }
}

/**
 * The stages' consumer (read_committed, a group of its own, batches handed over as the EOS stage takes them) reading
 * `records` of a topic from its start: records/s after its first batch to its last (the group's join left out, as
 * ConsumerPerformance's fetch rate leaves out its rebalance).
 */
export async function stageConsumer(e: Endpoint, topic: string, records: number, groupId: string, timeoutMs: number): Promise<{ records: number; perS: number }> {
  const consumer = kafkaClient(e).consumer(stageConsumerConfig(groupId, 'zone-a') as never);
  await consumer.connect();
  let n = 0;
  let first = 0;
  let firstBatch = 0;
  let last = 0;
  try {
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        // the clock starts at the first batch, so that batch's records are not counted (the rate is of what came after)
        if (!first) {
          first = performance.now();
          firstBatch = batch.messages.length;
        }
        n += batch.messages.length;
        last = performance.now();
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (n < records && Date.now() < deadline) await sleep(20);
    if (n < records) throw new Error(`our consumer read ${n} of ${records} records of ${topic} within ${timeoutMs / 1000} s`);
    return { records: n, perS: (n - firstBatch) / ((last - first) / 1000) };
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Writes `n` distinct valid events (`<prefix>-<i>`) to a topic, keyed by id as ingest keys them; returns them, id -> JSON as sent. */
export async function fillWithEvents(e: Endpoint, topic: string, n: number, prefix: string, settings: Record<string, string | number>): Promise<Map<string, string>> {
  const producer = kafkaClient(e).producer(librdkafkaProducerConfig(settings) as never);
  await producer.connect();
  const ids = new Map<string, string>();
  try {
    const at = new Date();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < n; i += 1000) {
      const messages = Array.from({ length: Math.min(1000, n - i) }, (_, k) => {
        const ev = realisticEvent(prefix, i + k, at);
        const value = JSON.stringify(ev);
        ids.set(ev.id, value);
        return { key: ev.id, value };
      });
      sends.push(produceAll(producer, topic, messages));
      if (sends.length >= 10) await sends.shift();
    }
    await Promise.all(sends);
    return ids;
  } finally {
    await producer.disconnect();
  }
}

export interface StreamsSideResult {
  /** Aggregate-side records/s over the steady part (see `steadyPart`). */
  steadyPerS?: number;
  /** CPU seconds of the stages' process over that part. */
  steadyCpuSeconds?: number;
  steadyRecords?: number;
  ms: number;
}

/**
 * The steady part of a stream processor's run, the same rule for both sides of R_streams: from the point where its
 * committed count first reaches `share` of the final count (start-up, restore and the JIT's first compilations left
 * out, as much for a warm process as for a cold one) to the last point.
 */
export function steadyPart<P extends { t: number; n: number; cpuS: number }>(points: P[], share = 0.2): { records: number; ms: number; cpuS: number } | undefined {
  const last = points[points.length - 1];
  if (!last) return undefined;
  const part = (from: P | undefined) => (from && last.t > from.t && last.n > from.n ? { records: last.n - from.n, ms: last.t - from.t, cpuS: last.cpuS - from.cpuS } : undefined);
  // a run so fast that no point falls between a fifth and the end: from its first commit instead
  return part(points.find((p) => p.n >= share * last.n && p.n > 0)) ?? part(points.find((p) => p.n > 0));
}

const STAGES_MAIN = fileURLToPath(new URL('./stages-main.ts', import.meta.url));

/**
 * Our process and aggregate stages, one instance each in a fresh Node process of their own (as the Kafka Streams app
 * runs both in a fresh JVM), exactly-once, over a filled topic, until the aggregate group has committed everything the
 * process stage wrote. Its rate is the aggregate side's, over the steady part, as the Kafka Streams side's is.
 */
export async function ourStages(
  e: Endpoint,
  kafka: KafkajsKafka,
  t: { input: string; processed: string; dlq: string; aggregates: string; aggregatePartitions: number },
  groupPrefix: string,
  inputs: number,
  commitIntervalMs: number,
  timeoutMs: number,
): Promise<StreamsSideResult> {
  const args = { brokers: e.brokers, ...t, groupPrefix, commitIntervalMs };
  // stdout is not read: a pipe nobody drains stops the writer once it is full
  const child = spawn(process.execPath, ['--import', 'tsx', STAGES_MAIN, JSON.stringify(args)], { stdio: ['ignore', 'ignore', process.env.FAULTLINE_BENCH_STAGES_STDERR ? 'inherit' : 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let gone: number | null | undefined;
  void exited.then((c) => (gone = c));
  const admin = kafka.admin();
  await admin.connect();
  const committed = async (group: string, topic: string) => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]!.partitions.reduce((s, x) => s + Math.max(0, Number(x.offset)), 0);
  const t0 = performance.now();
  try {
    const points: { t: number; n: number; cpuS: number }[] = [];
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await sleep(250);
      if (gone !== undefined) throw new Error(`our stages' process exited ${gone} before it was done; its stderr ended: ${err.trim().split('\n').slice(-3).join(' | ')}`);
      const aggregated = await committed(`${groupPrefix}-aggregate`, t.processed);
      points.push({ t: performance.now(), n: aggregated, cpuS: (cpuTicks(child.pid!) ?? 0) / 100 });
      if ((await committed(`${groupPrefix}-process`, t.input)) < inputs) continue;
      // done when nothing committed in the processed topic lies past the aggregate group's offsets (the last
      // transaction's marker does: a group's offset stops before it, so the offsets never equal the end)
      const offsets = (await admin.fetchOffsets({ groupId: `${groupPrefix}-aggregate`, topics: [t.processed] }))[0]!.partitions;
      const left = await readToEnd(e, t.processed, { from: new Map(offsets.map((x) => [x.partition, String(Math.max(0, Number(x.offset)))])), timeoutMs: 60_000 });
      if (left.length) continue;
      const steady = steadyPart(points);
      return { ms: performance.now() - t0, ...(steady ? { steadyPerS: steady.records / (steady.ms / 1000), steadyRecords: steady.records, steadyCpuSeconds: steady.cpuS } : {}) };
    }
    throw new Error(`our stages did not commit through ${inputs} input records within ${timeoutMs / 1000} s (process committed ${await committed(`${groupPrefix}-process`, t.input)}, aggregate ${await committed(`${groupPrefix}-aggregate`, t.processed)})`);
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    await exited;
    clearTimeout(timer);
    await admin.disconnect();
  }
}

/** Every record of a topic (read_committed), as the verification reads them. */
export const readAll = (e: Endpoint, topic: string) => readToEnd(e, topic, { timeoutMs: 300_000 });

/** kafkajs produce (idempotent, acks=all) of one record, then its arrival at a consumer, `messages` times in a row. */
export async function kafkajsEndToEnd(kafka: KafkajsKafka, topic: string, messages: number, size: number, groupId: string): Promise<{ avgMs: number; p50Ms: number; p99Ms: number }> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await producer.connect();
  await consumer.connect();
  let waiting: { id: string; done: () => void } | undefined;
  try {
    // a topic of this measurement alone: from its beginning, nothing is missed while the group joins
    await consumer.subscribe({ topic, fromBeginning: true });
    let assigned = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (waiting && message.key?.toString() === waiting.id) waiting.done();
      },
    });
    for (let i = 0; i < 300 && !assigned; i++) await sleep(100);
    // one warm-up round trip (connections, metadata) that is not counted
    const value = 'x'.repeat(size);
    const times: number[] = [];
    for (let i = -1; i < messages; i++) {
      const id = `e2e-${i}-${Math.random().toString(36).slice(2)}`;
      const seen = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`record ${id} was not consumed within 30 s`)), 30_000);
        waiting = { id, done: () => (clearTimeout(timer), resolve()) };
      });
      const t0 = performance.now();
      await producer.send({ topic, acks: -1, messages: [{ key: id, value, partition: 0 }] });
      await seen;
      if (i >= 0) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { avgMs: times.reduce((s, x) => s + x, 0) / times.length, p50Ms: quantileOf(times, 0.5)!, p99Ms: quantileOf(times, 0.99)! };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}
