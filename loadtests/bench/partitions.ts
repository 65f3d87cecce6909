// Sends that survive a leader failover with kafkajs. kafkajs's send() keeps
// one response slot per broker: when a retry finds a dead broker's partitions
// now led by a broker that already answered for others, it never re-sends
// them and still resolves (and its idempotence sequence bookkeeping then
// drops or repeats batches). `just chaos broker-kill` caught both: acknowledged
// events missing from logs.raw, others written twice. So every send we make
// holds exactly one partition, and a partition never has two sends in flight.
import kafkajs from 'kafkajs';
import type { Kafka, Message, Producer } from 'kafkajs';

export interface PartitionMessages {
  topic: string;
  partition: number;
  messages: Message[];
}

const partitioner = kafkajs.Partitioners.DefaultPartitioner();

/**
 * Partition counts of topics (they are fixed for the pipeline's lifetime). A topic created a moment ago may be
 * unknown to the broker asked (its metadata cache lags the controller: `just bench` met this right after creating its
 * topics), so that answer is retried for up to 10 s.
 */
export async function partitionCounts(kafka: Kafka, topics: string[]): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics });
        return new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
      } catch (e) {
        const type = (e as { type?: string }).type;
        if (attempt >= 20 || (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE')) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Under the broker's message.max.bytes (1 MiB by default) with room to spare: kafkajs puts one send's records
 * for a partition in one record batch, and a batch over the limit is refused for good (MESSAGE_TOO_LARGE).
 * processor-kill found this: after a restart, a 1 MiB input backlog became output batches too big to write.
 */
export const MAX_SEND_BYTES = 512 * 1024;

const sizeOf = (m: Message) =>
  70 + String(m.key ?? '').length + (Buffer.isBuffer(m.value) ? m.value.length : String(m.value ?? '').length) + JSON.stringify(m.headers ?? {}).length;

/**
 * Groups messages by their explicit partition (modulo the topic's count), else by the partition kafkajs's
 * default partitioner (murmur2 of the key, as Java's) would pick,
 * in chunks of at most MAX_SEND_BYTES; a partition's chunks are in order and must be sent one after the other.
 */
export function byPartition(topicMessages: { topic: string; messages: Message[] }[], counts: Map<string, number>, maxBytes = MAX_SEND_BYTES): PartitionMessages[] {
  const groups = new Map<string, PartitionMessages>();
  for (const { topic, messages } of topicMessages) {
    const n = counts.get(topic);
    if (!n) throw new Error(`no partition count known for topic ${topic}`);
    const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [], isr: [], partitionErrorCode: 0 }));
    for (const m of messages) {
      // an explicit partition beyond the topic's count wraps (co-partitioned topics may differ in size)
      const partition = m.partition !== undefined ? m.partition % n : partitioner({ topic, partitionMetadata, message: m });
      const k = `${topic}/${partition}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { topic, partition, messages: [] }));
      g.messages.push({ ...m, partition });
    }
  }
  return [...groups.values()].flatMap((g) => {
    const chunks: PartitionMessages[] = [];
    let bytes = 0;
    for (const m of g.messages) {
      const n = sizeOf(m);
      if (!chunks.length || bytes + n > maxBytes) {
        chunks.push({ topic: g.topic, partition: g.partition, messages: [] });
        bytes = 0;
      }
      chunks[chunks.length - 1]!.messages.push(m);
      bytes += n;
    }
    return chunks;
  });
}

/**
 * Sends chunks: one partition's in order, one after the other; different partitions at once. Settles only when
 * every partition's sends have: when one partition fails, the others are still awaited before the error is thrown,
 * so the caller's next send can never overlap a send of this one on the same partition. (With Promise.all the error
 * came first, ingest's next flush sent to a partition whose send was still in flight, and kafkajs's sequence
 * bookkeeping of the two went wrong: OUT_OF_ORDER_SEQUENCE_NUMBER on every later send, and batches the broker took
 * for duplicates of earlier ones, acknowledged and never written. `just chaos broker-down`: 5 and 7 acknowledged
 * events missing in 2 of 3 runs.)
 */
export async function sendChunks<T>(chunks: PartitionMessages[], send: (c: PartitionMessages) => Promise<T[]>): Promise<T[]> {
  const perPartition = new Map<string, PartitionMessages[]>();
  for (const c of chunks) {
    const k = `${c.topic}/${c.partition}`;
    perPartition.set(k, [...(perPartition.get(k) ?? []), c]);
  }
  const settled = await Promise.allSettled(
    [...perPartition.values()].map(async (cs) => {
      const out: T[] = [];
      for (const c of cs) out.push(...(await send(c)));
      return out;
    }),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
}

/** A `send` that holds one partition per request (see the top of this file), as ingest sends and the bench measures. */
export function onePartitionSends(producer: Pick<Producer, 'send'>, counts: Map<string, number>): Pick<Producer, 'send'> {
  return { send: (r) => sendChunks(byPartition([r], counts), (g) => producer.send({ ...r, messages: g.messages })) };
}
