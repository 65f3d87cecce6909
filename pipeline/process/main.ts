// Entry point of the process stage: EOS from logs.raw to logs.processed; PROCESS_EXACTLY_ONCE=false is the negative control.
import { stageEnv, stageFaults, stageTelemetry } from '../eos/index.js';
import { defaultProcessorOptions, Processor } from './processor.js';
import { guardClientBugs } from '../kafka/index.js';
import { configOrExit } from '../contract/index.js';

guardClientBugs('process');
const env = configOrExit(() => stageEnv('PROCESS'));
const telemetry = stageTelemetry('process', env);
const d = defaultProcessorOptions(env.brokers, env.zone);
const p = new Processor({
  ...d,
  groupId: env.groupId ?? d.groupId,
  inputTopic: env.inputTopic ?? d.inputTopic,
  outputTopic: env.outputTopic ?? d.outputTopic,
  dlqTopic: env.dlqTopic ?? d.dlqTopic,
  exactlyOnce: env.exactlyOnce,
  instanceId: env.instanceId,
  commitIntervalMs: env.commitIntervalMs,
  dedupHorizonMs: env.dedupHorizonMs,
  onDuplicates: telemetry.onDuplicates,
  ...stageFaults(env),
  onTransaction: telemetry.onTransaction,
  tracer: telemetry.tracer,
});
await p.start();
await telemetry.serve(() => true);
console.log(`process (${env.zone}): consuming ${p.opts.inputTopic} -> ${p.opts.outputTopic} (${p.opts.exactlyOnce ? 'exactly-once' : 'AT-LEAST-ONCE'})`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void p.stop().then(() => telemetry.tracing.shutdown()).finally(() => process.exit(0)));
