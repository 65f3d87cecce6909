// Micro-batching in our code (kafkajs has no linger): events from many HTTP
// requests go to Kafka in one acks=all send; each request learns the fate of
// exactly its own events. A bounded queue turns saturation into a 503.
import type { Message, Producer } from 'kafkajs';

export interface BatcherOptions {
  topic: string;
  /** Flush when this many records wait. */
  maxBatch: number;
  /** ...or when the oldest waiting record is this old. */
  lingerMs: number;
  /** Records waiting or in flight above which `offer` refuses (backpressure). */
  maxPending: number;
  /** Concurrent sends (the idempotent producer keeps order with up to 5 in flight). */
  maxInFlight: number;
}

export interface SendStats {
  records: number;
  ms: number;
  ok: boolean;
}

interface Waiting {
  messages: Message[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class SaturatedError extends Error {
  constructor(readonly pending: number) {
    super(`ingest is saturated: ${pending} events wait for Kafka`);
  }
}

export class Batcher {
  private queue: Waiting[] = [];
  private queued = 0;
  private inFlight = 0;
  private sends = 0;
  private timer: NodeJS.Timeout | undefined;
  private drained: (() => void)[] = [];

  constructor(
    private readonly producer: Pick<Producer, 'send'>,
    private readonly opts: BatcherOptions,
    private readonly onSend: (s: SendStats) => void = () => {},
  ) {}

  get pending(): number {
    return this.queued + this.inFlight;
  }

  /** Resolves once every message is acknowledged by Kafka (acks=all); rejects if the send failed. */
  offer(messages: Message[]): Promise<void> {
    if (this.pending + messages.length > this.opts.maxPending) return Promise.reject(new SaturatedError(this.pending));
    return new Promise((resolve, reject) => {
      this.queue.push({ messages, resolve, reject });
      this.queued += messages.length;
      if (this.queued >= this.opts.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.opts.lingerMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length && this.sends < this.opts.maxInFlight) {
      const batch: Waiting[] = [];
      let n = 0;
      while (this.queue.length && n < this.opts.maxBatch) {
        const w = this.queue.shift()!;
        batch.push(w);
        n += w.messages.length;
      }
      this.queued -= n;
      void this.send(batch, n);
    }
    if (this.queue.length) this.timer ??= setTimeout(() => this.flush(), this.opts.lingerMs);
  }

  private async send(batch: Waiting[], n: number): Promise<void> {
    this.sends++;
    this.inFlight += n;
    const t0 = performance.now();
    try {
      await this.producer.send({ topic: this.opts.topic, acks: -1, messages: batch.flatMap((w) => w.messages) });
      this.onSend({ records: n, ms: performance.now() - t0, ok: true });
      for (const w of batch) w.resolve();
    } catch (e) {
      this.onSend({ records: n, ms: performance.now() - t0, ok: false });
      for (const w of batch) w.reject(e);
    } finally {
      this.sends--;
      this.inFlight -= n;
      if (this.queue.length) this.flush();
      if (this.pending === 0) for (const d of this.drained.splice(0)) d();
    }
  }

  /** Sends what waits and resolves when nothing is pending (graceful shutdown). */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    this.flush();
    return new Promise((r) => this.drained.push(r));
  }
}
