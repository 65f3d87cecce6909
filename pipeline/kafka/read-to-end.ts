// Reads a topic once, read_committed, from given offsets (default: the start) up to its high watermark as of the
// call: used to restore stage state, and by the checkers (through cluster's drain) so "not yet read" is never "lost".
// librdkafka reads past what a compacted changelog leaves where an aborted transaction was (kafkajs stalled there),
// and the reader assigns its partitions itself: no consumer group is made.
import { randomUUID } from 'node:crypto';
import type { LibrdKafkaError, Message } from '@confluentinc/kafka-javascript';
import { KafkaConsumer, errorText, type Endpoint } from './client.js';

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: string;
  key?: string;
  value: string;
  headers: Record<string, string>;
}

/** A record's key and position, its value left unread (see readKeysToEnd). */
export interface KeyRecord {
  partition: number;
  offset: string;
  key?: string;
  /** The record's timestamp (ms; the producer's create time unless the topic says log append time). */
  timestamp: number;
}

export interface ReadOptions {
  /** Per partition, the first offset to read (e.g. a run's start); earlier or missing: the log start. */
  from?: Map<number, string>;
  /** Only these partitions (default: all). */
  partitions?: number[];
  /** Start at the first record at or after this time (ms since the epoch), where `from` says nothing later. */
  fromTime?: number;
  /**
   * Per partition, read only below this offset, which must exist: a partition whose high watermark is below it was
   * answered by a broker whose log ends earlier (one back from a network cut still answers as the leader it was for
   * a moment), and the read throws rather than return less than was asked for.
   */
  until?: Map<number, string>;
  timeoutMs?: number;
  /**
   * Stop once this many records are read (not the end then): "is there any committed record in this range?" needs
   * one, where a read to the end of a backlog of hundreds of thousands held a stage's queue for minutes.
   */
  limit?: number;
}

export interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

export type Reader = InstanceType<typeof KafkaConsumer>;

const promised = <T>(f: (cb: (err: LibrdKafkaError | null | undefined, v: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));

/**
 * A reader that assigns its partitions itself (no consumer group): read_committed by default (restores, drains), or
 * read_uncommitted (the lag probe: a record of an open transaction is one the group has not consumed).
 */
export function reader(e: Endpoint, o: { isolation?: 'read_committed' | 'read_uncommitted'; fetchMaxBytes?: number; group?: string } = {}): Reader {
  return new KafkaConsumer(
    {
      'bootstrap.servers': e.brokers.join(','),
      'client.id': e.clientId,
      // assign() needs no group; librdkafka still wants an id, and nothing is ever committed under it (a group's own
      // id only to ask for its committed offsets: see committedProbe)
      'group.id': o.group ?? `faultline-reader-${randomUUID()}`,
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'isolation.level': o.isolation ?? 'read_committed',
      'enable.partition.eof': true,
      // a reader that stops at a known end must not long-poll
      'fetch.wait.max.ms': 100,
      'fetch.message.max.bytes': o.fetchMaxBytes ?? 4 * 1024 * 1024,
      'socket.connection.setup.timeout.ms': 5000,
    },
    { 'auto.offset.reset': 'earliest' },
  );
}

async function offsetsOf(c: Reader, topic: string, timeoutMs: number): Promise<PartitionOffsets[]> {
  const meta = await promised<{ topics: { name: string; partitions: { id: number }[] }[] }>((cb) => c.getMetadata({ topic, timeout: timeoutMs }, cb as never));
  const t = meta.topics.find((x) => x.name === topic);
  if (!t || !t.partitions.length) throw new Error(`topic ${topic} is unknown to the cluster (no partitions in its metadata)`);
  // every query answered before the first failure is thrown: the caller disconnects the client then, and a query
  // still in flight on a destroyed client is a native callback on freed state
  const answers = await Promise.allSettled(
    t.partitions
      .map((p) => p.id)
      .sort((a, b) => a - b)
      .map(async (partition) => {
        const w = await promised<{ lowOffset: number; highOffset: number }>((cb) => c.queryWatermarkOffsets(topic, partition, timeoutMs, cb as never)).catch((err: unknown) => {
          // librdkafka says "Local: Unknown partition" for a partition with no leader: name it
          throw new Error(`the offsets of ${topic} partition ${partition} could not be read (has it a leader?): ${errorText(err)}`);
        });
        return { partition, low: String(w.lowOffset), high: String(w.highOffset) };
      }),
  );
  const failed = answers.find((a) => a.status === 'rejected');
  if (failed) throw failed.reason;
  return answers.map((a) => (a as PromiseFulfilledResult<PartitionOffsets>).value);
}

/**
 * A client that answers high watermarks again and again (a poll loop): one connection for the whole loop, not one per
 * question (a harness that made a librdkafka client every half second for minutes died of a segmentation fault).
 */
export async function watermarkProbe(e: Endpoint): Promise<{ offsets: (topic: string) => Promise<PartitionOffsets[]>; close: () => Promise<void> }> {
  const c = reader(e, { isolation: 'read_uncommitted' });
  await connectReader(c);
  return { offsets: (topic) => offsetsOf(c, topic, 15_000), close: () => disconnectReader(c) };
}

/**
 * A consumer group's committed offsets, asked again and again, read stable (KIP-447's require_stable, which librdkafka
 * sets for a read_committed consumer): an offset commit still pending in an open transaction is waited for. The
 * asking client is a consumer that carries the group's id and never joins it (no subscribe, no commit).
 *
 * Not librdkafka's admin: its OffsetFetch, answered NOT_COORDINATOR (a group the cluster has not seen yet, or one whose
 * coordinator just moved), asks the client's own group for a coordinator, and an admin client has none: librdkafka
 * 2.x dereferences the missing group and the process dies of a segmentation fault (confluent-kafka-javascript#374).
 * The harness, which asked so every 500 ms while a stage started or a fault moved coordinators, died so in CI.
 */
export async function committedProbe(e: Endpoint, group: string): Promise<{ committed: (topic: string, partitions: number[]) => Promise<Map<number, bigint>>; close: () => Promise<void> }> {
  const c = reader(e, { group });
  await connectReader(c);
  return {
    committed: async (topic, partitions) => {
      const got = await promised<{ partition: number; offset: number }[]>((cb) => c.committed(partitions.map((partition) => ({ topic, partition })), 10_000, cb as never));
      // nothing committed: librdkafka's -1001, left out
      return new Map(got.filter((p) => p.offset >= 0).map((p) => [p.partition, BigInt(p.offset)]));
    },
    close: () => disconnectReader(c),
  };
}

/** Connects a reader (the callback API, promised). */
export const connectReader = (c: Reader, timeoutMs = 30_000): Promise<unknown> => promised((cb) => c.connect({ timeout: timeoutMs }, cb as never));

/** Disconnects a reader; resolves once librdkafka has let it go. */
export const disconnectReader = (c: Reader): Promise<void> => new Promise<void>((r) => c.disconnect(() => r()));

async function connected<T>(e: Endpoint, use: (c: Reader) => Promise<T>, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<T> {
  const c = reader(e, { isolation });
  await connectReader(c);
  try {
    return await use(c);
  } finally {
    await disconnectReader(c);
  }
}

/** Per partition, the first offset whose record is at or after `time` (the high watermark when none is). */
async function offsetsAt(c: Reader, topic: string, offsets: PartitionOffsets[], time: number): Promise<Map<number, bigint>> {
  const found = await promised<{ partition: number; offset: number }[]>((cb) =>
    c.offsetsForTimes(offsets.map((p) => ({ topic, partition: p.partition, offset: time })), 15_000, cb as never),
  );
  const high = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  return new Map(found.map((f) => [f.partition, f.offset >= 0 ? BigInt(f.offset) : high.get(f.partition)!]));
}

/**
 * One topic's log start and high watermark per partition. Asked by a read_uncommitted client: librdkafka's watermark
 * query carries the client's isolation level, and read_committed it answers the last stable offset, which stops
 * before any transaction whose commit markers are not all written yet. The coordinator answers the commit before it
 * writes them, and the group's offsets (read stable) can be visible before a changelog's marker: a restore read to
 * the last stable offset missed updates its committed offset had already counted (the aggregate's lost updates
 * under a zone partition), and a drain read to it missed a stage's last transaction.
 */
export const topicOffsets = (e: Endpoint, topic: string): Promise<PartitionOffsets[]> => connected(e, (c) => offsetsOf(c, topic, 15_000), 'read_uncommitted');

const text = (v: Buffer | string | null | undefined) => (v === null || v === undefined ? undefined : v.toString());

export function readToEnd(e: Endpoint, topic: string, opts: ReadOptions = {}): Promise<ReadRecord[]> {
  return readRows(e, topic, opts, (m) => {
    const headers: Record<string, string> = {};
    for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) if (!(k in headers)) headers[k] = v.toString();
    return { topic, partition: m.partition, offset: String(m.offset), key: text(m.key as Buffer | string | null), value: text(m.value) ?? '', headers };
  });
}

/**
 * readToEnd's read, keeping only each record's key, offset and timestamp: no value is decoded. A restore that needs
 * only the ids of ten minutes of output read and parsed every value before (41 s for 246,174 records, and the
 * stage's heap grew past 1.9 GB holding them).
 */
export function readKeysToEnd(e: Endpoint, topic: string, opts: ReadOptions = {}): Promise<KeyRecord[]> {
  return readRows(e, topic, opts, (m) => ({ partition: m.partition, offset: String(m.offset), key: text(m.key as Buffer | string | null), timestamp: m.timestamp ?? 0 }));
}

function readRows<T>(e: Endpoint, topic: string, opts: ReadOptions, row: (m: Message) => T): Promise<T[]> {
  return connected(e, async (c) => {
    // the high watermark, not the last stable offset (see topicOffsets): read_committed, the read passes every
    // transaction below it only once its markers are written
    const offsets = await topicOffsets(e, topic);
    const byTime = opts.fromTime === undefined ? new Map<number, bigint>() : await offsetsAt(c, topic, offsets, opts.fromTime);
    const start = (p: PartitionOffsets) => {
      let s = BigInt(p.low);
      for (const f of [opts.from?.get(p.partition), byTime.get(p.partition)]) if (f !== undefined && BigInt(f) > s) s = BigInt(f);
      return s;
    };
    for (const [partition, until] of opts.until ?? []) {
      const p = offsets.find((o) => o.partition === partition);
      if (p && BigInt(p.high) < BigInt(until))
        throw new Error(`${topic} partition ${partition} ends at ${p.high} as the broker asked sees it, below offset ${until} that the read must reach: that broker's view is older than the cluster's; read again`);
    }
    const end = (p: PartitionOffsets) => {
      const until = opts.until?.get(p.partition);
      return until !== undefined && BigInt(until) < BigInt(p.high) ? BigInt(until) : BigInt(p.high);
    };
    const wanted = offsets.filter((p) => (!opts.partitions || opts.partitions.includes(p.partition)) && end(p) > start(p));
    const records: T[] = [];
    if (!wanted.length) return records;
    // the end is fixed now: every offset below the high watermark (data, aborted data or a transaction marker)
    // must be passed before a partition counts as read
    const ends = new Map(wanted.map((p) => [p.partition, end(p)]));
    const reached = new Map<number, bigint>();
    const pass = (partition: number, next: bigint) => {
      if (next > (reached.get(partition) ?? -1n)) reached.set(partition, next);
    };
    const behind = () => [...ends].filter(([p, end]) => (reached.get(p) ?? -1n) < end);
    c.on('partition.eof', (eof: { topic: string; partition: number; offset: number }) => pass(eof.partition, BigInt(eof.offset)));
    c.assign(wanted.map((p) => ({ topic, partition: p.partition, offset: Number(start(p)) })));
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    const limit = opts.limit ?? Infinity;
    while (behind().length && records.length < limit) {
      if (Date.now() > deadline) {
        const where = behind().map(([p, end]) => `${p} at ${reached.get(p) ?? 'start'} of ${end}`);
        throw new Error(
          `reading ${topic} to its end took over ${timeoutMs / 1000} s; partitions behind: ${where.join(', ')}. ` +
            `An open transaction holds read_committed readers back until it commits or times out; ${records.length} records were read.`,
        );
      }
      const batch = await promised<Message[]>((cb) => c.consume(1000, cb as never));
      for (const m of batch) {
        const end = ends.get(m.partition);
        if (end === undefined) continue;
        pass(m.partition, BigInt(m.offset) + 1n);
        if (BigInt(m.offset) >= end) continue;
        if (records.length >= limit) break;
        records.push(row(m));
      }
    }
    return records;
  }).catch((err: unknown) => {
    throw err instanceof Error ? err : new Error(`reading ${topic}: ${errorText(err)}`);
  });
}
