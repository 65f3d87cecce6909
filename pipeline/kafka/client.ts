// The pipeline's Kafka client: librdkafka through @confluentinc/kafka-javascript (built by `just setup`). One place
// makes its clients, so every stage, reader and admin shares the same settings and log level.
import ckjs from '@confluentinc/kafka-javascript';
import type { KafkaJS as KJS } from '@confluentinc/kafka-javascript';

// CommonJS: named exports are taken from the default export, so every ESM loader (tsx, node, jest) sees the same values
export const { KafkaJS, KafkaConsumer, librdkafkaVersion } = ckjs;

export type Kafka = KJS.Kafka;
export type Consumer = KJS.Consumer;
export type Producer = KJS.Producer;
export type Admin = KJS.Admin;
export type KafkaMessage = KJS.KafkaMessage;
export type Message = KJS.Message;
export type EachBatchPayload = KJS.EachBatchPayload;

/** The clients the ingest's producer can run on: librdkafka (the pipeline's), or kafkajs, the client under test. */
export const KAFKA_CLIENTS = ['librdkafka', 'kafkajs'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

/** Where the cluster is and who is asking. */
export interface Endpoint {
  brokers: string[];
  clientId: string;
}

/**
 * A client factory. librdkafka logs through the KafkaJS-style logger at WARN and above: reconnects during a broker
 * fault are expected and counted, not printed line by line.
 */
export function kafkaClient(e: Endpoint): Kafka {
  // FAULTLINE_KAFKA_DEBUG=metadata,topic,eos (librdkafka's debug contexts) prints its debug lines too: to see what
  // a client did during a fault, e.g. `FAULTLINE_KAFKA_DEBUG=metadata,topic just deploy`
  const debug = process.env.FAULTLINE_KAFKA_DEBUG;
  const level = debug ? KafkaJS.logLevel.DEBUG : KafkaJS.logLevel.WARN;
  return new KafkaJS.Kafka({
    ...(debug ? { debug } : {}),
    kafkaJS: { brokers: e.brokers, clientId: e.clientId, logLevel: level, logger: oneLineLogger(e.clientId, level) },
  } as never);
}

/** librdkafka's log lines, one line each with the client and facility (its default logger prints whole objects). */
function oneLineLogger(client: string, level: number = KafkaJS.logLevel.WARN): KJS.Logger {
  const line = (lvl: number, tag: string) => (message: string, extra?: object) => {
    if (lvl > level) return;
    const fac = (extra as { fac?: string } | undefined)?.fac;
    // at its level: a service's log line (serviceLog) says warn for a warning, not error
    (lvl <= KafkaJS.logLevel.ERROR ? console.error : console.warn)(`${tag} ${client}${fac ? ` ${fac}` : ''}: ${message}`);
  };
  return {
    error: line(KafkaJS.logLevel.ERROR, 'kafka error'),
    warn: line(KafkaJS.logLevel.WARN, 'kafka warn'),
    info: line(KafkaJS.logLevel.INFO, 'kafka info'),
    debug: line(KafkaJS.logLevel.DEBUG, 'kafka debug'),
    namespace: () => oneLineLogger(client, level),
    setLogLevel: (l: number) => void (level = l),
  };
}

/** The error's librdkafka code name (e.g. ERR__TIMED_OUT) or message, for log lines that must say what failed. */
export function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: number }).code;
    return code !== undefined ? `${e.message} (code ${code})` : e.message;
  }
  return String(e);
}

/** How a transactional failure must be handled (librdkafka's classification). */
export function txnErrorKind(e: unknown): 'retriable' | 'abortable' | 'fatal' | 'other' {
  const x = e as { fatal?: boolean; abortable?: boolean; retriable?: boolean } | undefined;
  if (x?.fatal) return 'fatal';
  if (x?.abortable) return 'abortable';
  if (x?.retriable) return 'retriable';
  return 'other';
}
