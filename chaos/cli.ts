// `just chaos`: list, run one experiment, or run the negative controls. With
// `--target k8s` (or FAULTLINE_TARGET=k8s, as the runner Job sets): inside the
// cluster, be the experiment's runner (chaos/manifests/in-cluster.ts); outside
// it, start the experiment there (`just k8s chaos`).
// Exit status: 0 when every run passed (valid, or invalid for a control), 1 otherwise, 2 on bad usage,
// 3 (with --target k8s, off-cluster) no kube context.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Coordination, errorMessage, justCmd, kafkaClientName, openProvider, orUsage, parseDuration, parseNumber, paths, providerName, readDeployment, topology } from '../cluster/index.js';
import { ALL_EXPERIMENTS, runCampaign } from './core/campaign.js';
import { healEverything } from './core/final-phase.js';
import { runExperiment, type RunOptions } from './core/runner.js';
import { CONTROLS, EXPERIMENTS, experimentByName } from './experiments/index.js';
import { DEFAULT_OUT, passed, verdictLines, type RunResult } from '../reports/index.js';

const usage = `usage: just chaos <experiment> [--duration 60|60s|2m] [--rate N] [--seed N] [--coordination zookeeper|kraft] [--provider processes|containers] [--target k8s]
       just chaos --list
       just chaos --heal        (undo any fault left behind: partitions, toxics, paused or stopped processes)
       just chaos campaign [--experiments a,b,...] [--rounds N] [--duration S] [--coordination zookeeper|kraft|both] [--seed N] [--fresh]
                                (the fault matrix: every experiment (default all) x rounds x modes, one report;
                                 ctrl-c keeps the finished runs and the same command resumes; --fresh starts anew)
       just chaos controls      (every negative control, each followed by its safe pair: fails unless each control is
                                 judged INVALID by the checks it targets and each pair VALID)
  --out DIR: where runs (and campaigns) write their reports (default reports/out)
  --provider containers: the deployment of \`just deploy --provider containers\` (same experiments, faults on containers)
  --client kafkajs: the direct Kafka workload (txn-broker-kill, latency, leader-partition, the controls) on kafkajs, the
  client under test, instead of librdkafka (the pipeline's client). For the pipeline experiments it names the client
  the deployed ingest must run on (\`just deploy --ingest-client kafkajs\` switches it); a mismatch is refused
  --target k8s: outside a cluster, starts the experiment's runner Job and Chaos Mesh Workflow on the current kube
  context (what \`just k8s chaos <experiment>\` does; use that for --image or --namespace); inside one (the runner
  Job, FAULTLINE_TARGET=k8s), runs it against the cluster's Services while Chaos Mesh injects the faults`;

const { values, positionals } = orUsage(usage, () => parseArgs({
  allowPositionals: true,
  options: {
    list: { type: 'boolean' },
    heal: { type: 'boolean' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    seed: { type: 'string' },
    coordination: { type: 'string' },
    target: { type: 'string' },
    provider: { type: 'string' },
    client: { type: 'string' },
    experiments: { type: 'string' },
    rounds: { type: 'string' },
    fresh: { type: 'boolean' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
}));


if (values.help || (!values.list && !values.heal && !positionals.length)) {
  console.log(usage);
  process.exit(values.help ? 0 : 2);
}
if (values.list) {
  const w = Math.max(...EXPERIMENTS.map((e) => e.name.length));
  for (const e of EXPERIMENTS) console.log(`${e.name.padEnd(w)}  ${e.defaults.durationS}s  ${e.description}`);
  process.exit(0);
}

const campaign = positionals[0] === 'campaign';
const coordination = values.coordination === undefined || (campaign && values.coordination === 'both') ? undefined : Coordination.parse(values.coordination);
const target = values.target ?? process.env.FAULTLINE_TARGET ?? 'processes';
if (target !== 'processes' && target !== 'k8s') {
  console.error(`--target is processes or k8s, not ${JSON.stringify(target)}\n${usage}`);
  process.exit(2);
}
let provider: ReturnType<typeof providerName>;
try {
  provider = providerName(values.provider);
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(2);
}
let client: ReturnType<typeof kafkaClientName>;
try {
  client = kafkaClientName(values.client, '--client');
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(2);
}
const names = positionals[0] === 'controls' ? CONTROLS.flatMap((c) => [c, experimentByName(c).control!.pair]) : positionals;
const outRoot = values.out ? resolve(values.out) : DEFAULT_OUT;
const run = orUsage(usage, () => ({
  durationS: parseDuration('duration', values.duration, { maxS: 86_400 }),
  rate: parseNumber('rate', values.rate, { max: 1_000_000 }),
  seed: parseNumber('seed', values.seed, { min: 0 }),
  coordination,
  client,
  outRoot,
}));

function printOutcome(result: RunResult, report: string): void {
  const [first, ...checks] = verdictLines(result);
  console.log(`\n${first}`);
  for (const line of checks) console.log(line);
  console.log(`report: ${report}`);
}

if (target === 'k8s') {
  if (values.heal || campaign || names.length !== 1) {
    console.error(`--target k8s runs one experiment (its Chaos Mesh Workflow heals its own faults): \`just chaos <experiment> --target k8s\`\n${usage}`);
    process.exit(2);
  }
  process.exit(process.env.KUBERNETES_SERVICE_HOST ? await runInCluster(names[0]!) : await handOff(names[0]!));
}

/** Off-cluster: start the experiment's Job and Workflow on the current kube context, as `just k8s chaos` does. */
async function handOff(name: string): Promise<number> {
  const { startExperiment, NoFormError } = await import('./manifests/start.js');
  const { NoClusterError } = await import('../cluster/k8s/index.js');
  const flags = [run.durationS && `--duration ${run.durationS}`, run.rate && `--rate ${run.rate}`, run.seed !== undefined && `--seed ${run.seed}`, coordination && `--coordination ${coordination}`].filter(Boolean);
  console.log(`--target k8s outside a cluster: starting ${name} there, as \`just k8s chaos ${[name, ...flags].join(' ')}\` does; the run happens in its runner Job, not here`);
  try {
    await startExperiment(name, run, (l) => console.log(l));
    return 0;
  } catch (e) {
    if (e instanceof NoFormError) return console.error(e.message), 2;
    if (e instanceof NoClusterError) return console.error(`no Kubernetes cluster to talk to: ${e.message}`), 3;
    return console.error(`k8s chaos failed: ${errorMessage(e)}`), 1;
  }
}

/** Inside the runner Job: the run, with /started and /verdict for the Workflow; exits once the verdict was read (bounded). */
async function runInCluster(name: string): Promise<number> {
  const { inClusterTarget, statusServer } = await import('./manifests/in-cluster.js');
  const { RUNNER_PORT, runnerName } = await import('./manifests/runner-job.js');
  const server = await statusServer(Number(process.env.FAULTLINE_RUNNER_PORT || RUNNER_PORT));
  console.log(`in-cluster runner: /started, /verdict and /healthz on port ${server.port}`);
  let ok = false;
  try {
    const experiment = experimentByName(name);
    const target = await inClusterTarget({ base: topology(coordination), workflow: runnerName(name), env: process.env, onLoadStarted: () => server.started() });
    const { result, report } = await runExperiment({ ...run, experiment, target } satisfies RunOptions);
    printOutcome(result, report);
    ok = passed(result);
    server.done(result);
  } catch (e) {
    const error = errorMessage(e);
    console.error(`\n${name} could not run: ${error}`);
    server.failed(error);
  }
  const read = await server.linger();
  console.log(read ? 'the Workflow read the verdict: exiting' : 'nobody read the verdict within 5 minutes: exiting (the report is on the reports volume)');
  await server.close();
  return ok ? 0 : 1;
}

if (campaign) {
  const experiments = values.experiments ? values.experiments.split(',').map((x) => x.trim()).filter(Boolean) : ALL_EXPERIMENTS();
  for (const e of experiments) {
    try {
      experimentByName(e);
    } catch (err) {
      console.error(`${(err as Error).message}\n${usage}`);
      process.exit(2);
    }
  }
  const rounds = orUsage(usage, () => parseNumber('rounds', values.rounds, { max: 1000 })) ?? 1;
  const modes: Coordination[] = values.coordination === 'both' ? ['zookeeper', 'kraft'] : [coordination ?? readDeployment(paths())?.coordination ?? 'zookeeper'];
  const seed = run.seed ?? Date.now() % 1_000_000;
  try {
    const { report, interrupted, result } = await runCampaign({ experiments, rounds, durationS: run.durationS, coordination: modes, seed, provider, client, outRoot, fresh: values.fresh, log: (l) => console.log(l) });
    console.log(`campaign report: ${report}`);
    if (interrupted) process.exit(130);
    process.exit(result.runs.every((r) => r.passed) ? 0 : 1);
  } catch (e) {
    console.error(`\nthe campaign stopped: ${errorMessage(e)}\nits finished runs are kept under ${outRoot}; the same command resumes it`);
    process.exit(1);
  }
}

if (values.heal) {
  const fixed = await healEverything(openProvider(provider, paths(), coordination), (l) => console.log(l));
  console.log(fixed.length ? `healed ${fixed.length} thing(s)` : 'nothing was left behind: no partition rule, no toxic, every process running');
  process.exit(0);
}
// ctrl-c: undo every fault before leaving (the next run's preflight would too)
process.once('SIGINT', () => {
  console.error('\ninterrupted: healing every fault (partitions, paused and stopped processes) before exit');
  healEverything(openProvider(provider, paths(), coordination), (l) => console.error(l))
    .catch((e) => console.error(`healing failed: ${errorMessage(e)}; run \`${justCmd('chaos --heal', provider)}\` or \`${justCmd('down', provider)} && ${justCmd('deploy', provider)}\``))
    .finally(() => process.exit(130));
});

const outcomes: { name: string; ok: boolean; line: string }[] = [];
for (const name of names) {
  const experiment = experimentByName(name);
  try {
    const { result, report } = await runExperiment({ ...run, experiment, provider });
    const ok = passed(result);
    printOutcome(result, report);
    outcomes.push({ name, ok, line: verdictLines(result)[0]! });
  } catch (e) {
    console.error(`\n${name} could not run: ${errorMessage(e)}`);
    outcomes.push({ name, ok: false, line: `${name}: ERROR` });
  }
}
if (names.length > 1) console.log(`\n${outcomes.map((o) => `${o.ok ? 'pass' : 'FAIL'} ${o.line}`).join('\n')}`);
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
