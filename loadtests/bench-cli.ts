// `just bench [--quick] [--reps N]`: our paths against Kafka's own tools, in one run on the deployed cluster.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { errorMessage, orUsage, parseNumber } from '../cluster/index.js';
import { deployedOrExit } from './deployed.js';
import { DEFAULT_OUT, readRuns, writeRun, type RunResult } from '../reports/index.js';
import { FULL, QUICK, figures, modelLines, runBench, trend } from './bench/bench.js';

const usage = `usage: just bench [--quick] [--reps N] [--out DIR]   (--quick: every pair once, small sizes; default: 3 repetitions, order alternating; reports in ${DEFAULT_OUT})`;
const { values } = orUsage(usage, () => parseArgs({ options: { quick: { type: 'boolean' }, reps: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
const outRoot = values.out ?? DEFAULT_OUT;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const plan = { ...(values.quick ? QUICK : FULL) };
const reps = orUsage(usage, () => parseNumber('reps', values.reps, { max: 20 }));
if (reps !== undefined) plan.reps = reps;
const { provider, processes } = await deployedOrExit('bench');
const epochMs = Date.now();
const earlier = readRuns(outRoot).filter((r) => r.kind === 'bench');
let outcome;
try {
  outcome = await runBench(provider.topology, plan, processes, (l) => console.log(`bench: ${l}`));
} catch (e) {
  console.error(`bench failed: ${errorMessage(e)}\nThe bench deleted what it could of its topics and groups (a line above names any it could not); the pipeline's own topics are untouched. Check \`just status\` and run again.`);
  process.exit(1);
}
const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: d }) : '–');
const rows = outcome.pairs.map((pair) => {
  const x = figures(pair);
  return `  ${pair.name.padEnd(9)} ${pair.oursLabel.padEnd(22)} ${f(x.oursMedian, 1).padStart(10)} ${pair.unit.padEnd(10)} ${pair.theirsLabel.padEnd(27)} ${f(x.theirsMedian, 1).padStart(10)}   ratio ${f(x.ratio, 2)} (${f(x.min, 2)}-${f(x.max, 2)}), goal ${pair.goal}: ${!Number.isFinite(x.ratio) ? 'unknown (a side was not measured, or its output broke a rule)' : x.ratio >= pair.goal ? 'met' : 'NOT met'}`;
});
const rest = outcome.checks.slice(outcome.pairs.length).map((c) => `  ${c.name}: ${c.summary}: ${c.valid === true ? (c.name.includes('exactly once') ? 'holds' : 'met') : c.valid === false ? (c.name.includes('exactly once') ? 'BROKEN' : 'NOT met') : 'unknown'}`);
const model = modelLines(outcome.model, outcome.streamsModel);
console.log(`\nbench, ${plan.reps} repetition(s), ${outcome.payloadBytes} B events, the ingest's producer settings on both sides, on ${provider.topology.coordination}, ${new Date().toISOString().slice(0, 10)}, ${(await import('node:os')).cpus().length} cores\n${rows.join('\n')}\n${rest.join('\n')}\n\ncost model (the saturated pipeline run; CPU from /proc):\n${model.map((l) => `  ${l}`).join('\n')}`);
const runId = `${new Date(epochMs).toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-bench-${randomUUID().slice(0, 6)}`;
const result: RunResult = {
  runId,
  kind: 'bench',
  experiment: values.quick ? 'bench --quick' : 'bench',
  description: "our paths against Kafka's own tools and Kafka Streams on the same cluster, events and settings; each ratio line is a goal, each 'exactly once' line a property",
  verdict: outcome.checks.every((c) => c.valid === true) ? true : outcome.checks.some((c) => c.valid === false) ? false : 'unknown',
  startedAt: new Date(epochMs).toISOString(),
  durationMs: Date.now() - epochMs,
  command: `just bench${values.quick ? ' --quick' : ''} --reps ${plan.reps}`,
  config: { coordination: provider.topology.coordination, ...Object.fromEntries(Object.entries(plan).map(([k, v]) => [k, v])) },
  checks: outcome.checks,
  faults: [],
  phases: [],
  workload: { invoked: 0, ok: 0, fail: 0, info: 0, events: 0, eventsAcknowledged: 0 },
  series: trend(earlier, outcome.checks, epochMs),
  epochMs,
  notes: [
    `Events: ${outcome.payloadBytes} B JSON log events (the pipeline's schema) from one payload file; producer settings on both sides: the ingest's. Steady rates leave the first ${plan.warmupS} s of each producer run out (the JVM's warm-up and the first metadata).`,
    'A ratio line is a goal, not a correctness property: INVALID means the goal is not met on this machine. The "exactly once" lines are properties: a figure whose output broke one does not count.',
    `Cost model (saturated pipeline run): ${model.join(' | ')}`,
    `Trend: ${earlier.length} earlier bench run(s) in ${outRoot}.`,
  ],
};
const { report } = writeRun(outRoot, result);
console.log(`\nreport: ${report}`);
process.exit(0);
