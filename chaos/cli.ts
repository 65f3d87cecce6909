// `just chaos`: list, run one experiment, or run the negative controls.
// Exit status: 0 when every run passed (valid, or invalid for a control), 1 otherwise, 2 on bad usage.
import { parseArgs } from 'node:util';
import { Coordination, paths, ProcessesProvider } from '../cluster/index.js';
import { healEverything } from './core/final-phase.js';
import { runExperiment } from './core/runner.js';
import { CONTROLS, EXPERIMENTS, experimentByName } from './experiments/index.js';
import { passed } from '../reports/index.js';

const usage = `usage: just chaos <experiment> [--duration S] [--rate N] [--seed N] [--coordination zookeeper|kraft]
       just chaos --list
       just chaos --heal        (undo any fault left behind: partitions, toxics, paused or stopped processes)
       just chaos controls      (every negative control; fails if one is judged valid)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    list: { type: 'boolean' },
    heal: { type: 'boolean' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    seed: { type: 'string' },
    coordination: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

const num = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number, not ${JSON.stringify(v)}\n${usage}`);
    process.exit(2);
  }
  return n;
};

if (values.help || (!values.list && !values.heal && !positionals.length)) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
if (values.list) {
  const w = Math.max(...EXPERIMENTS.map((e) => e.name.length));
  for (const e of EXPERIMENTS) console.log(`${e.name.padEnd(w)}  ${e.defaults.durationS}s  ${e.description}`);
  process.exit(0);
}

const coordination = values.coordination === undefined ? undefined : Coordination.parse(values.coordination);
if (values.heal) {
  const fixed = await healEverything(ProcessesProvider.open(paths(), coordination), (l) => console.log(l));
  console.log(fixed.length ? `healed ${fixed.length} thing(s)` : 'nothing was left behind: no partition rule, no toxic, every process running');
  process.exit(0);
}
// ctrl-c: undo every fault before leaving (the next run's preflight would too)
process.once('SIGINT', () => {
  console.error('\ninterrupted: healing every fault (partitions, paused and stopped processes) before exit');
  healEverything(ProcessesProvider.open(paths(), coordination), (l) => console.error(l))
    .catch((e) => console.error(`healing failed: ${e instanceof Error ? e.message : String(e)}; run \`just chaos --heal\` or \`just down && just deploy\``))
    .finally(() => process.exit(130));
});

const names = positionals[0] === 'controls' ? CONTROLS : positionals;
const outcomes: { name: string; ok: boolean; line: string }[] = [];
for (const name of names) {
  const experiment = experimentByName(name);
  try {
    const { result, report } = await runExperiment({
      experiment,
      durationS: num('duration', values.duration),
      rate: num('rate', values.rate),
      seed: num('seed', values.seed),
      coordination,
    });
    const ok = passed(result);
    const verdict = result.verdict === true ? 'VALID' : result.verdict === false ? 'INVALID' : 'UNKNOWN';
    console.log(`\n${name}: ${verdict}${result.expectInvalid ? ` (negative control: ${ok ? 'caught, as it must be' : 'NOT CAUGHT: the checkers are broken'})` : ''}`);
    for (const c of result.checks) console.log(`  ${c.valid === true ? 'ok  ' : c.valid === false ? 'FAIL' : '??  '} ${c.name}: ${c.summary}`);
    console.log(`report: ${report}`);
    outcomes.push({ name, ok, line: `${name}: ${verdict}` });
  } catch (e) {
    console.error(`\n${name} could not run: ${e instanceof Error ? e.message : String(e)}`);
    outcomes.push({ name, ok: false, line: `${name}: ERROR` });
  }
}
if (names.length > 1) console.log(`\n${outcomes.map((o) => `${o.ok ? 'pass' : 'FAIL'} ${o.line}`).join('\n')}`);
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
