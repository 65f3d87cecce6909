// Our side of each `just bench` pair, on the same cluster, record size and
// acks=all: the ingest's producer path (its Batcher over one-partition
// sends on an idempotent kafkajs producer), the process stage's exactly-once
// loop, and a kafkajs produce -> consume round trip.
import type { Kafka } from 'kafkajs';
import { LEVELS } from '../../pipeline/contract/index.js';
import { Batcher } from './batcher.js';
import { onePartitionSends, partitionCounts } from './per-partition.js';
import { Processor } from '../../pipeline/process/index.js';
import { quantileOf } from '../pipeline-bench.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A valid log event of about `bytes` as JSON (the process stage must accept it, so the copy is a real one). */
export function eventOf(i: number, bytes: number): string {
  const base = { id: `bench-${i}`, service: `svc${i % 5}`, level: LEVELS[i % LEVELS.length], timestamp: new Date().toISOString(), latencyMs: i % 300, message: '' };
  const room = Math.max(0, bytes - JSON.stringify(base).length);
  return JSON.stringify({ ...base, message: 'm'.repeat(room) });
}

/** The ingest's path to Kafka: records offered to its Batcher in requests of 500, flushed in sends of one partition each. */
export async function kafkajsProducer(kafka: Kafka, topic: string, records: number, recordSize: number): Promise<{ recordsPerS: number; mbPerS: number }> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const counts = await partitionCounts(kafka, [topic]);
    const batcher = new Batcher(onePartitionSends(producer, counts), { topic, maxBatch: 5000, lingerMs: 5, maxPending: 100_000, maxInFlight: 1 });
    const value = 'x'.repeat(recordSize);
    const t0 = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < records; i += 500) {
      const n = Math.min(500, records - i);
      // backpressure as ingest has it: wait while the queue is full
      while (batcher.pending + n > 100_000) await sleep(1);
      pending.push(batcher.offer(Array.from({ length: n }, (_, k) => ({ key: `k${i + k}`, value }))));
    }
    await Promise.all(pending);
    const s = (performance.now() - t0) / 1000;
    return { recordsPerS: records / s, mbPerS: (records * recordSize) / s / 1048576 };
  } finally {
    await producer.disconnect();
  }
}

/** Writes `records` valid events of `bytes` to a topic (the exactly-once pair's input). */
export async function fillWithEvents(kafka: Kafka, topic: string, records: number, bytes: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const sender = onePartitionSends(producer, await partitionCounts(kafka, [topic]));
    for (let i = 0; i < records; i += 2000) {
      const messages = Array.from({ length: Math.min(2000, records - i) }, (_, k) => ({ key: `bench-${i + k}`, value: eventOf(i + k, bytes) }));
      await sender.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * The process stage's exactly-once loop over the whole input (in this process): its wall time from start to the last
 * commit, and its steady rate from the first commit seen to the last (start-up left out, as for the copier).
 */
export async function processorCopy(brokers: string[], kafka: Kafka, input: string, output: string, dlq: string, group: string, timeoutMs: number): Promise<{ processed: number; ms: number; steadyPerS?: number }> {
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(input)).reduce((s, p) => s + Number(p.high), 0);
  const p = new Processor({ brokers, zone: 'zone-a', groupId: group, inputTopic: input, outputTopic: output, dlqTopic: dlq, exactlyOnce: true });
  const t0 = performance.now();
  try {
    await p.start();
    let first: { at: number; n: number } | undefined;
    for (let i = 0; i < timeoutMs / 50; i++) {
      const committed = (await admin.fetchOffsets({ groupId: group, topics: [input] }))[0]!.partitions.reduce((s, x) => s + Math.max(0, Number(x.offset)), 0);
      const now = performance.now();
      if (committed > 0 && !first) first = { at: now, n: committed };
      if (committed >= end) return { processed: end, ms: now - t0, ...(first && now > first.at && end > first.n ? { steadyPerS: (end - first.n) / ((now - first.at) / 1000) } : {}) };
      await sleep(50);
    }
    throw new Error(`the process stage did not commit to the end of ${input} (${end} records) within ${timeoutMs / 1000} s`);
  } finally {
    await p.stop();
    await admin.disconnect();
  }
}

/** kafkajs produce (idempotent, acks=all) of one record, then its arrival at a consumer, `messages` times in a row. */
export async function kafkajsEndToEnd(kafka: Kafka, topic: string, messages: number, size: number, groupId: string): Promise<{ avgMs: number; p50Ms: number; p99Ms: number }> {
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
