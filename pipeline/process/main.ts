// Entry point of the process stage: EOS from logs.raw to logs.processed; PROCESS_EXACTLY_ONCE=false is the negative control.
import { defaultProcessorOptions, Processor } from './processor.js';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.1.10:9092,127.0.2.10:9092,127.0.3.10:9092').split(',');
const zone = process.env.FAULTLINE_ZONE ?? 'zone-a';
const d = defaultProcessorOptions(brokers, zone);
const p = new Processor({
  ...d,
  groupId: process.env.PROCESS_GROUP ?? d.groupId,
  inputTopic: process.env.PROCESS_INPUT ?? d.inputTopic,
  outputTopic: process.env.PROCESS_OUTPUT ?? d.outputTopic,
  dlqTopic: process.env.PROCESS_DLQ ?? d.dlqTopic,
  exactlyOnce: process.env.PROCESS_EXACTLY_ONCE !== 'false',
  crashAfterBatches: process.env.PROCESS_CRASH_AFTER_BATCHES ? Number(process.env.PROCESS_CRASH_AFTER_BATCHES) : undefined,
});
await p.start();
console.log(`process (${zone}): consuming ${p.opts.inputTopic} -> ${p.opts.outputTopic} (${p.opts.exactlyOnce ? 'exactly-once' : 'AT-LEAST-ONCE'})`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void p.stop().then(() => process.exit(0)));
