// Entry point of the aggregate stage: 10 s tumbling windows from logs.processed to logs.aggregates, exactly-once.
import { stageEnv, stageFaults, stageTelemetry } from '../eos/index.js';
import { Aggregator, defaultAggregatorOptions } from './aggregator.js';
import { guardClientBugs } from '../kafka/index.js';
import { configOrExit } from '../contract/index.js';

guardClientBugs('aggregate');
const env = configOrExit(() => stageEnv('AGGREGATE'));
const telemetry = stageTelemetry('aggregate', env);
const d = defaultAggregatorOptions(env.brokers, env.zone);
const a = new Aggregator({
  ...d,
  groupId: env.groupId ?? d.groupId,
  inputTopic: env.inputTopic ?? d.inputTopic,
  outputTopic: env.outputTopic ?? d.outputTopic,
  exactlyOnce: env.exactlyOnce,
  instanceId: env.instanceId,
  commitIntervalMs: env.commitIntervalMs,
  ...stageFaults(env),
  restoreShortBy: env.restoreShortBy,
  restoreUnchecked: env.restoreUnchecked,
  onTransaction: telemetry.onTransaction,
  tracer: telemetry.tracer,
});
await a.start();
await telemetry.serve(() => true);
console.log(`aggregate (${env.zone}): consuming ${a.opts.inputTopic} -> ${a.opts.outputTopic} (${a.opts.exactlyOnce ? 'exactly-once' : 'AT-LEAST-ONCE'})`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void a.stop().then(() => telemetry.tracing.shutdown()).finally(() => process.exit(0)));
