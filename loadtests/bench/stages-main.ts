// Our side of R_streams, in a process of its own (as Kafka Streams runs in a JVM of its own): one process and one
// aggregate stage, exactly-once, until SIGTERM, then both stopped cleanly. Its options come as one JSON argument.
// A stage that must give up exits this process, not the bench.
import { Aggregator } from '../../pipeline/aggregate/index.js';
import { Processor } from '../../pipeline/process/index.js';

interface Args {
  brokers: string[];
  input: string;
  processed: string;
  dlq: string;
  aggregates: string;
  aggregatePartitions: number;
  groupPrefix: string;
  commitIntervalMs: number;
}

const a = JSON.parse(process.argv[2] ?? '{}') as Args;
const common = { brokers: a.brokers, zone: 'zone-a', exactlyOnce: true, commitIntervalMs: a.commitIntervalMs, instanceId: a.groupPrefix };
const p = new Processor({ ...common, groupId: `${a.groupPrefix}-process`, inputTopic: a.input, outputTopic: a.processed, dlqTopic: a.dlq });
const g = new Aggregator({ ...common, groupId: `${a.groupPrefix}-aggregate`, inputTopic: a.processed, outputTopic: a.aggregates, outputPartitions: a.aggregatePartitions });
// the stages' per-partition lines are the deployment's log, not the bench's: kept off its terminal
console.log = () => undefined;
// the bench that started it gone (killed, crashed): this process goes too, rather than consume for hours
const parent = process.ppid;
setInterval(() => process.ppid !== parent && process.kill(process.pid, 'SIGKILL'), 1000).unref();
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void Promise.all([p.stop(), g.stop()]).finally(() => process.exit(0));
});
await Promise.all([p.start(), g.start()]);

