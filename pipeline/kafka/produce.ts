// Sending a batch of messages without a promise per message. The KafkaJS-style `send` of
// @confluentinc/kafka-javascript makes, per message, a promise, its closures and a record-metadata entry folded into
// a map keyed by topic and partition; we need none of those, only whether every message was acknowledged. This hands
// each message to the same producer's librdkafka handle with one shared tracker: the wrapper's own delivery-report
// handler calls the tracker's resolve or reject once per message, as it would a message's promise.
import type { Message, Producer } from './client.js';

/** The librdkafka handle under a KafkaJS-style producer (node-rdkafka's Producer). */
interface RdProducer {
  produce(topic: string, partition: number, value: Buffer | null, key: Buffer | string | null | undefined, timestamp: number, opaque: unknown, headers: unknown): unknown;
}

/** KafkaJS-style headers as librdkafka takes them: one `{ name: value }` per value, in order. */
function rdHeaders(headers: Message['headers']): { [name: string]: string | Buffer }[] | null {
  if (!headers) return null;
  const out: { [name: string]: string | Buffer }[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push({ [name]: v as string | Buffer });
  }
  return out;
}

/**
 * Sends every message to the topic through the connected producer (inside its open transaction, if it has one):
 * resolves once each is acknowledged as the producer's settings require (acks=all here), rejects with the first
 * failure the delivery reports or librdkafka's queue give. A message without a partition is partitioned by key.
 */
export function produceAll(producer: Producer, topic: string, messages: readonly Message[]): Promise<void> {
  if (!messages.length) return Promise.resolve();
  const handle = (producer as unknown as { _getInternalClient(): RdProducer })._getInternalClient();
  return new Promise<void>((resolve, reject) => {
    let waiting = messages.length;
    let settled = false;
    // the wrapper's delivery-report handler calls these, once per message, with this object as the message's opaque
    const tracker = {
      resolve: () => {
        if (--waiting === 0 && !settled) {
          settled = true;
          resolve();
        }
      },
      reject: (e: unknown) => {
        if (!settled) {
          settled = true;
          reject(e);
        }
      },
    };
    for (const m of messages) {
      try {
        const value = m.value === null || m.value === undefined ? null : typeof m.value === 'string' ? Buffer.from(m.value) : m.value;
        const partition = m.partition === undefined || m.partition === null ? -1 : m.partition;
        const timestamp = m.timestamp ? Number(m.timestamp) : 0;
        handle.produce(topic, partition, value, m.key, timestamp, tracker, rdHeaders(m.headers));
      } catch (e) {
        // a message librdkafka refused (its queue is full, the producer is closed): the rest are not sent, and the
        // ones already queued are still reported to the tracker, which has settled
        tracker.reject(e);
        return;
      }
    }
  });
}
