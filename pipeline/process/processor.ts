// The process stage: logs.raw -> logs.processed (+ logs.dlq for poison
// records), exactly-once through the shared EOS stage loop.
import type { KafkaMessage } from 'kafkajs';
import { HEADERS, TOPICS } from '../contract/index.js';
import { EosStage, headerString, type OutMessage, type StageHandler, type StageOptions } from '../eos/index.js';
import { transform } from './transform.js';

export interface ProcessorOptions extends Omit<StageOptions, 'name'> {
  outputTopic: string;
  dlqTopic: string;
}

export const defaultProcessorOptions = (brokers: string[], zone: string): ProcessorOptions => ({
  brokers,
  zone,
  groupId: 'faultline-process',
  inputTopic: TOPICS.raw,
  outputTopic: TOPICS.processed,
  dlqTopic: TOPICS.dlq,
  exactlyOnce: true,
});

export class Processor {
  private readonly stage: EosStage;

  constructor(readonly opts: ProcessorOptions) {
    this.stage = new EosStage({ ...opts, name: 'process' }, this.handler());
  }

  private handler(): StageHandler {
    const { inputTopic, outputTopic, dlqTopic } = this.opts;
    return {
      handle(partition: number, messages: KafkaMessage[]) {
        const processedAt = new Date().toISOString();
        const out: OutMessage[] = [];
        const dlq: OutMessage[] = [];
        for (const m of messages) {
          const headers: Record<string, string> = {};
          for (const name of [HEADERS.eventId, HEADERS.traceparent, HEADERS.tracestate, HEADERS.ingestedAt]) {
            const v = headerString(m.headers, name);
            if (v) headers[name] = v;
          }
          const r = transform(m.value, { partition, offset: m.offset }, headers[HEADERS.ingestedAt], processedAt);
          // co-partitioned: input partition p -> output partition p, so a batch's transaction writes one partition
          // (keyed by id, a 6-partition batch took six sequential sends and AddPartitionsToTxn round trips)
          if (r.ok) out.push({ key: r.event.id, value: JSON.stringify(r.event), headers, partition });
          else
            dlq.push({
              key: m.key?.toString() ?? null,
              value: m.value?.toString('utf8') ?? '',
              headers: { ...headers, [HEADERS.dlqReason]: r.reason, [HEADERS.dlqSource]: `${inputTopic}/${partition}/${m.offset}` },
            });
        }
        return [
          { topic: outputTopic, messages: out },
          { topic: dlqTopic, messages: dlq },
        ];
      },
    };
  }

  start = () => this.stage.start();
  stop = () => this.stage.stop();
}
