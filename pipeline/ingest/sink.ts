// Where accepted events go: the ingest's idempotent producer (librdkafka: acks=all, its own linger and batching, lz4), with a
// bound on events not yet acknowledged. Each request learns the fate of exactly its own events (a delivery report
// per record); a full queue turns into a 503, never a silent drop.
import type { Message } from '../kafka/index.js';
import type { IngestProducer } from './producer.js';

export class SaturatedError extends Error {
  constructor(readonly pending: number) {
    super(`ingest is saturated: ${pending} events wait for Kafka`);
  }
}

export interface SendStats {
  records: number;
  ms: number;
  ok: boolean;
}

export class Sink {
  private inFlight = 0;
  private drained: (() => void)[] = [];

  constructor(
    private readonly producer: Pick<IngestProducer, 'send'>,
    private readonly opts: { topic: string; maxPending: number },
    private readonly onSend: (s: SendStats) => void = () => {},
  ) {}

  get pending(): number {
    return this.inFlight;
  }

  /** Resolves once every message is acknowledged by Kafka (acks=all); rejects if any was not. */
  async offer(messages: Message[]): Promise<void> {
    if (this.inFlight + messages.length > this.opts.maxPending) throw new SaturatedError(this.inFlight);
    const n = messages.length;
    this.inFlight += n;
    const t0 = performance.now();
    try {
      await this.producer.send({ topic: this.opts.topic, messages });
      this.onSend({ records: n, ms: performance.now() - t0, ok: true });
    } catch (e) {
      this.onSend({ records: n, ms: performance.now() - t0, ok: false });
      throw e;
    } finally {
      this.inFlight -= n;
      if (this.inFlight === 0) for (const d of this.drained.splice(0)) d();
    }
  }

  /** Resolves when nothing is pending (graceful shutdown). */
  drain(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => this.drained.push(r));
  }
}
