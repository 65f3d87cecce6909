// `just load <scenario>` and `just soak`: a k6 scenario against the deployed
// pipeline, verified end to end by the chaos checkers, with a report.
import { parseArgs } from 'node:util';
import { Coordination, errorMessage, orUsage, parseDuration, parseNumber } from '../cluster/index.js';
import { runExperiment } from '../chaos/index.js';
import { passed } from '../reports/index.js';
import { LOAD_DEFAULTS, loadExperiment } from './k6/loads.js';
import { SCENARIOS, type ScenarioName } from './k6/scenarios.js';

const usage = `usage: just load <${SCENARIOS.join('|')}> [--duration 300|300s|5m] [--rate EVENTS_PER_S] [--batch N] [--p99 MS] [--coordination zookeeper|kraft]
       just soak [--duration 300|300s|5m] [--rate EVENTS_PER_S] ...   (= just load soak)
defaults: ${SCENARIOS.map((s) => `${s} ${LOAD_DEFAULTS[s].durationS} s at ${LOAD_DEFAULTS[s].rate} events/s`).join('; ')}`;

const { values, positionals } = orUsage(usage, () => parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string' },
    rate: { type: 'string' },
    batch: { type: 'string' },
    p99: { type: 'string' },
    coordination: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
}));
const scenario = positionals[0] as ScenarioName | undefined;
if (values.help || !scenario || !SCENARIOS.includes(scenario)) {
  if (scenario && !values.help) console.error(`no load scenario "${scenario}"`);
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
const { durationS, rate, batch, p99Ms } = orUsage(usage, () => ({
  durationS: parseDuration('duration', values.duration, { minS: 1, maxS: 86_400 }),
  rate: parseNumber('rate', values.rate, { max: 1_000_000 }),
  batch: parseNumber('batch', values.batch, { max: 1000 }),
  p99Ms: parseNumber('p99', values.p99, { max: 600_000 }),
}));
const coordination = values.coordination === undefined ? undefined : Coordination.parse(values.coordination);

try {
  const { result, report } = await runExperiment({ experiment: loadExperiment(scenario, { batch, p99Ms }), durationS, rate, coordination, seed: 1 });
  const verdict = result.verdict === true ? 'VALID' : result.verdict === false ? 'INVALID' : 'UNKNOWN';
  console.log(`\n${scenario}: ${verdict} (${result.workload.eventsAcknowledged} events acknowledged in ${(result.durationMs / 1000).toFixed(0)} s)`);
  for (const c of result.checks) console.log(`  ${c.valid === true ? 'ok  ' : c.valid === false ? 'FAIL' : '??  '} ${c.name}: ${c.summary}`);
  console.log(`report: ${report}`);
  process.exit(passed(result) ? 0 : 1);
} catch (e) {
  console.error(`\n${scenario} could not run: ${errorMessage(e)}`);
  process.exit(1);
}
