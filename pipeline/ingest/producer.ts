// The ingest's producer, on the client its configuration names. librdkafka (the default) is the pipeline's client:
// its idempotent producer keeps its sequence numbers right across leader changes (it bumps its epoch where it must,
// KIP-360). kafkajs is the client under test: `INGEST_KAFKA_CLIENT=kafkajs` (`just deploy --ingest-client kafkajs`)
// runs the ingest on it, so an experiment shows what its idempotent producer does under broker faults.
import kafkajs from 'kafkajs';
import { connectPatiently, kafkaClient, produceAll, type Message } from '../kafka/index.js';
import type { IngestConfig } from './config.js';

export interface IngestProducer {
  /** Resolves once every message is acknowledged by acks=all; rejects (within the delivery bound) if any was not. */
  send(r: { topic: string; messages: Message[] }): Promise<unknown>;
  disconnect(): Promise<void>;
}

export async function ingestProducer(cfg: IngestConfig): Promise<IngestProducer> {
  return cfg.client === 'kafkajs' ? kafkajsProducer(cfg) : librdkafkaProducer(cfg);
}

/**
 * The ingest producer's settings, in the names librdkafka and Kafka's Java producer share: `just bench` gives the same
 * ones to ProducerPerformance, so its pair compares clients, not settings.
 */
export function ingestProducerSettings(lingerMs: number): Record<string, string | number> {
  return {
    acks: 'all',
    'enable.idempotence': 'true',
    'compression.type': 'lz4',
    'batch.size': 256 * 1024,
    'linger.ms': lingerMs,
    // one produce request in flight per broker: with more, a failed first request makes the next ones fail with
    // OUT_OF_ORDER_SEQUENCE_NUMBER, and librdkafka (2.15) answers those by bumping the producer's epoch and
    // re-sending under new sequence numbers, so a batch that the broker had already appended is appended again
    // (librdkafka issue #4953, fix proposed in #4972; Java's producer does not bump there). A zone-partition run
    // found 33 ids in logs.raw up to 10 times each, 3 copies beyond the client's attempts, with one producer's
    // epoch bumped from 3 to 13 during the 20 s cut.
    'max.in.flight.requests.per.connection': 1,
  };
}

/** Those settings as a producer config of `@confluentinc/kafka-javascript` (acks and idempotence go in its `kafkaJS` block). */
export function librdkafkaProducerConfig(settings: Record<string, string | number>): Record<string, unknown> {
  const { acks, 'enable.idempotence': idempotence, ...rest } = settings;
  return { kafkaJS: { idempotent: idempotence === 'true', acks: acks === 'all' ? -1 : Number(acks), allowAutoTopicCreation: false }, ...rest };
}

async function librdkafkaProducer(cfg: IngestConfig): Promise<IngestProducer> {
  const kafka = kafkaClient({ brokers: cfg.brokers, clientId: `ingest-${cfg.zone}` });
  const make = () =>
    kafka.producer({
      ...librdkafkaProducerConfig(ingestProducerSettings(cfg.lingerMs)),
      // a request is answered within this bound: acknowledged, or 503 with its ids unknown (the client retries them)
      'message.timeout.ms': cfg.deliveryTimeoutMs,
      'client.rack': cfg.zone,
    } as never);
  const p = await connectPatiently(make, `ingest (${cfg.zone})`);
  // one delivery tracker per request, not a promise per event (see produceAll): ~half the client CPU per event
  return { send: ({ topic, messages }) => produceAll(p, topic, messages), disconnect: () => p.disconnect() };
}

/** kafkajs has no linger, no lz4 and no delivery timeout: one produce request per send, the bound kept here. */
async function kafkajsProducer(cfg: IngestConfig): Promise<IngestProducer> {
  const kafka = new kafkajs.Kafka({
    clientId: `ingest-${cfg.zone}`,
    brokers: cfg.brokers,
    logLevel: kafkajs.logLevel.WARN,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
  });
  // idempotence in kafkajs needs one request in flight per connection
  const p = await connectPatiently(() => kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }), `ingest (${cfg.zone}) on kafkajs`);
  return {
    async send({ topic, messages }) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not acknowledged within ${cfg.deliveryTimeoutMs} ms`)), cfg.deliveryTimeoutMs)));
      try {
        return await Promise.race([p.send({ topic, acks: -1, messages: messages.map((m) => ({ key: m.key as string | null, value: m.value as string, headers: m.headers as Record<string, string> | undefined, partition: m.partition })) }), bound]);
      } finally {
        clearTimeout(timer);
      }
    },
    disconnect: () => p.disconnect(),
  };
}
