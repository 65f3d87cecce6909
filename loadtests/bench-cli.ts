// `just bench [--quick] [--reps N]`: our paths against Kafka's own tools, in one run on the deployed cluster.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { errorMessage, orUsage, parseNumber } from '../cluster/index.js';
import { deployedOrExit } from './deployed.js';
import { DEFAULT_OUT, readRuns, writeRun, type RunResult } from '../reports/index.js';
import { FULL, QUICK, figures, runBench, trend } from './bench/bench.js';

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
  console.error(`bench failed: ${errorMessage(e)}\nThe bench topics (bench.*) were deleted; the cluster is untouched otherwise. Check \`just status\` and run again.`);
  process.exit(1);
}
const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: d }) : '–');
const rows = outcome.pairs.map((pair) => {
  const x = figures(pair);
  return `  ${pair.name.padEnd(9)} ${pair.oursLabel.padEnd(22)} ${f(x.oursMedian, 1).padStart(10)} ${pair.unit.padEnd(10)} ${pair.theirsLabel.padEnd(27)} ${f(x.theirsMedian, 1).padStart(10)}   ratio ${f(x.ratio, 2)} (${f(x.min, 2)}-${f(x.max, 2)}), goal ${pair.goal}: ${x.ratio >= pair.goal ? 'met' : 'NOT met'}`;
});
const pl = outcome.checks[outcome.checks.length - 1]!;
console.log(`\nbench, ${plan.reps} repetition(s), ${plan.recordSize} B records, acks=all, on ${provider.topology.coordination}\n${rows.join('\n')}\n  pipeline  ${pl.summary}: goal ${pl.valid === true ? 'met' : 'NOT met'}`);
const runId = `${new Date(epochMs).toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-bench-${randomUUID().slice(0, 6)}`;
const result: RunResult = {
  runId,
  kind: 'bench',
  experiment: values.quick ? 'bench --quick' : 'bench',
  description: "our paths against Kafka's own tools on the same cluster, record size and acks=all; each verdict line is a goal",
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
    'A verdict line is a goal, not a correctness property: INVALID means the goal is not met on this machine.',
    'R_http: k6 offers more events/s than ingest takes; the figure is what ingest accepted, with the whole pipeline running beside it on the same cores.',
    `Trend: ${earlier.length} earlier bench run(s) in ${outRoot}.`,
  ],
};
const { report } = writeRun(outRoot, result);
console.log(`\nreport: ${report}`);
process.exit(0);
