// Reads the timestamp of the record at a given offset, for the exact time lag. On librdkafka: the pipeline writes
// lz4 (which kafkajs cannot decompress: its consumer crashed on every fetch of logs.raw, so the time lag of a lagging
// group was never known). One reader, no consumer group: each sample assigns every partition asked about at the
// offset asked, takes the first record at or after it, and unassigns. read_uncommitted, so a record of an open
// transaction counts as waiting (the group cannot have consumed it). Reaching the partition's end with no record (only transaction
// markers or aborted records were left) means nothing waits: caught up.
import type { LibrdKafkaError, Message } from '@confluentinc/kafka-javascript';
import { connectReader, reader, type Endpoint, type Reader } from '../kafka/index.js';

export type ProbeAnswer = { timestamp: number } | 'caught-up' | 'unknown';
export interface ProbeQuestion {
  topic: string;
  partition: number;
  offset: bigint;
}
export const probeKey = (topic: string, partition: number, offset: bigint) => `${topic}:${partition}:${offset}`;

export class TimestampProbe {
  private reader?: Reader;
  /** One question at a time: the reader has one assignment. */
  private queue: Promise<unknown> = Promise.resolve();
  private eof?: (topic: string, partition: number, offset: number) => void;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly timeoutMs = 3000,
  ) {}

  private async open(): Promise<Reader> {
    if (this.reader) return this.reader;
    const r = reader(this.endpoint, { isolation: 'read_uncommitted', fetchMaxBytes: 256 * 1024 });
    await connectReader(r, 10_000);
    r.on('partition.eof', (e: { topic: string; partition: number; offset: number }) => this.eof?.(e.topic, e.partition, e.offset));
    // consume(n) waits for n records or this long: a probe usually wants one record or the end, not a second's wait
    r.setDefaultConsumeTimeout(50);
    this.reader = r;
    return r;
  }

  /**
   * Per question, the timestamp of the first record at or after its offset, 'caught-up' when the partition ends
   * before one, 'unknown' when the probe cannot tell in time. All questions are asked at once (one assignment).
   */
  timestampsAt(questions: ProbeQuestion[]): Promise<Map<string, ProbeAnswer>> {
    if (!questions.length) return Promise.resolve(new Map());
    const ask = this.queue.then(() => this.ask(questions));
    this.queue = ask.catch(() => undefined);
    return ask.catch(() => new Map());
  }

  private async ask(questions: ProbeQuestion[]): Promise<Map<string, ProbeAnswer>> {
    const answers = new Map<string, ProbeAnswer>();
    let r: Reader;
    try {
      r = await this.open();
    } catch {
      // the cluster is unreachable: ask again next time with a new reader
      await this.close();
      return answers;
    }
    // one question per partition (a group's several questions on one partition are asked one after the other);
    // a question leaves `open` when it is answered
    const open = new Map<string, ProbeQuestion>();
    const later: ProbeQuestion[] = [];
    for (const q of questions) {
      const k = `${q.topic}:${q.partition}`;
      if (open.has(k)) later.push(q);
      else open.set(k, q);
    }
    // the end of a partition may be signalled in the same consume call that hands a record over: a record wins
    const atEnd = new Set<string>();
    this.eof = (topic, p, at) => {
      const q = open.get(`${topic}:${p}`);
      if (q && BigInt(at) >= q.offset) atEnd.add(`${topic}:${p}`);
    };
    r.assign([...open.values()].map((q) => ({ topic: q.topic, partition: q.partition, offset: Number(q.offset) })));
    try {
      const deadline = Date.now() + this.timeoutMs;
      while (open.size && Date.now() < deadline) {
        const batch = await new Promise<Message[]>((resolve, reject) => r.consume(500, (err: LibrdKafkaError | null | undefined, ms: Message[]) => (err ? reject(err) : resolve(ms))));
        for (const m of batch) {
          const q = open.get(`${m.topic}:${m.partition}`);
          if (!q || BigInt(m.offset) < q.offset) continue;
          answers.set(probeKey(q.topic, q.partition, q.offset), { timestamp: Number(m.timestamp) });
          open.delete(`${m.topic}:${m.partition}`);
        }
        for (const k of atEnd) {
          const q = open.get(k);
          if (!q) continue;
          answers.set(probeKey(q.topic, q.partition, q.offset), 'caught-up');
          open.delete(k);
        }
        atEnd.clear();
      }
      for (const q of open.values()) answers.set(probeKey(q.topic, q.partition, q.offset), 'unknown');
    } finally {
      this.eof = undefined;
      r.unassign();
    }
    if (later.length) for (const [k, a] of await this.ask(later)) answers.set(k, a);
    return answers;
  }

  async close(): Promise<void> {
    const r = this.reader;
    this.reader = undefined;
    if (r) await new Promise<void>((resolve) => r.disconnect(() => resolve()));
  }
}
