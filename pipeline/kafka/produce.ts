// Sending a batch of messages without a promise per message. The KafkaJS-style `send` of
// @confluentinc/kafka-javascript makes, per message, a promise, its closures and a record-metadata entry folded into
// a map keyed by topic and partition; we need none of those, only whether every message was acknowledged. Both sends
// here hand each message to the same producer's librdkafka handle with one shared tracker, which the wrapper's own
// delivery-report handler calls as it would a message's promise: `produceAll` counts an acknowledgement per message;
// `produceInTransaction` hears only of failures and leaves the rest to the transaction's flush and commit.
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

/** The delivery-report handler's view of a message's opaque: called once per message (or, with `delivery.report.only.error`, per failed one). */
interface Tracker {
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * Hands every message to librdkafka with `tracker` as its opaque. A message librdkafka refuses (its queue is full,
 * the producer is closed) rejects the tracker and the rest are not handed over; the ones already queued are still
 * reported to it.
 */
function handOver(producer: Producer, topic: string, messages: readonly Message[], tracker: Tracker): void {
  const handle = (producer as unknown as { _getInternalClient(): RdProducer })._getInternalClient();
  for (const m of messages) {
    try {
      const value = m.value === null || m.value === undefined ? null : typeof m.value === 'string' ? Buffer.from(m.value) : m.value;
      const partition = m.partition === undefined || m.partition === null ? -1 : m.partition;
      const timestamp = m.timestamp ? Number(m.timestamp) : 0;
      handle.produce(topic, partition, value, m.key, timestamp, tracker, rdHeaders(m.headers));
    } catch (e) {
      tracker.reject(e);
      return;
    }
  }
}

/**
 * Sends every message to the topic through the connected producer (inside its open transaction, if it has one):
 * resolves once each is acknowledged as the producer's settings require (acks=all here), rejects with the first
 * failure the delivery reports or librdkafka's queue give. A message without a partition is partitioned by key.
 */
export function produceAll(producer: Producer, topic: string, messages: readonly Message[]): Promise<void> {
  if (!messages.length) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let waiting = messages.length;
    let settled = false;
    // the wrapper's delivery-report handler calls these, once per message, with this object as the message's opaque
    handOver(producer, topic, messages, {
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
    });
  });
}

/**
 * Sends every message to the topic inside the producer's open transaction without waiting for each to be
 * acknowledged: `onFailure` hears of every message that failed or was refused. For a transactional producer made
 * with `delivery.report.only.error`, which reports only failures: librdkafka then builds no delivery report (an
 * object handed to JavaScript) per message that succeeded. What tells that every message arrived is the producer's
 * flush and its commit: librdkafka fails the commit of a transaction any of whose messages failed.
 */
export function produceInTransaction(producer: Producer, topic: string, messages: readonly Message[], onFailure: (e: unknown) => void): void {
  if (messages.length) handOver(producer, topic, messages, { resolve: () => undefined, reject: onFailure });
}
