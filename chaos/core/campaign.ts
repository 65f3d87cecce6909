// `just chaos campaign`: the fault matrix in one command, like Jepsen's test-all. Runs every experiment asked for,
// round after round, on each coordination mode asked for (a second mode gets its own deployment in its own state
// directory, the default one stepping aside, as the live tests do), each run in its own process with its own seed
// derived from the campaign's and bounded in time. After every run the campaign's files are rewritten, so ctrl-c
// loses at most the run in flight and the same command resumes where it stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Coordination, errorMessage, type KafkaClientName, openProvider, paths, type ProviderName, readDeployment } from '../../cluster/index.js';
import { campaignRun, campaignRunLine, campaignTotals, readCampaigns, writeCampaign, type CampaignResult, type CampaignRun, type PlannedRun, type RunResult } from '../../reports/index.js';
import { EXPERIMENTS, experimentByName, type Experiment } from '../experiments/index.js';
import { faultByName } from '../nemeses/index.js';
import { javaHash } from '../nemeses/roles.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface CampaignOptions {
  experiments: string[];
  rounds: number;
  /** Every run's duration; absent, each experiment's own default. */
  durationS?: number;
  coordination: Coordination[];
  seed: number;
  provider: ProviderName;
  /** The Kafka client of the direct workload and of the deployed ingest (`--client`), default librdkafka. */
  client?: KafkaClientName;
}

/** Why an experiment cannot run on a mode (one of its faults does not apply there), or undefined. */
export function notApplicable(e: Experiment, mode: Coordination): string | undefined {
  const f = e.faults.find((x) => x.modes && !x.modes.includes(mode));
  return f && `${f.name} applies to ${f.modes!.join(', ')} only`;
}

/** A run's seed: the campaign's, mixed with what the run is, so each run replays alone with `--seed`. */
export const runSeed = (campaignSeed: number, key: string): number => ((Math.imul(campaignSeed >>> 0, 0x9e3779b1) ^ javaHash(key)) >>> 0) % 2_000_000_000 || 1;

/** Mode by mode, round by round, experiment by experiment: an interrupted campaign has covered every experiment once before any twice. */
export function planCampaign(o: CampaignOptions): Pick<CampaignResult, 'plan' | 'skipped'> {
  const plan: PlannedRun[] = [];
  const skipped: CampaignResult['skipped'] = [];
  const experiments = o.experiments.map(experimentByName);
  for (const mode of o.coordination) {
    const runnable = experiments.filter((e) => {
      const why = notApplicable(e, mode);
      if (why) skipped.push({ experiment: e.name, coordination: mode, why });
      return !why;
    });
    for (let round = 1; round <= o.rounds; round++)
      for (const e of runnable) {
        const key = `${e.name}@${mode}#${round}`;
        plan.push({ key, experiment: e.name, coordination: mode, round, seed: runSeed(o.seed, key) });
      }
  }
  return { plan, skipped };
}

export const campaignCommand = (o: CampaignOptions): string =>
  [
    'just chaos campaign',
    `--experiments ${o.experiments.join(',')}`,
    `--rounds ${o.rounds}`,
    o.durationS !== undefined && `--duration ${o.durationS}`,
    `--coordination ${o.coordination.length > 1 ? 'both' : o.coordination[0]}`,
    `--seed ${o.seed}`,
    o.provider !== 'processes' && `--provider ${o.provider}`,
    o.client === 'kafkajs' && '--client kafkajs',
  ]
    .filter(Boolean)
    .join(' ');

const sameOptions = (a: CampaignOptions, b: CampaignResult['options']) =>
  JSON.stringify([a.experiments, a.rounds, a.durationS ?? null, a.coordination, a.seed, a.provider, a.client ?? 'librdkafka']) ===
  JSON.stringify([b.experiments, b.rounds, b.durationS ?? null, b.coordination, b.seed, b.provider, b.client ?? 'librdkafka']);

/** The newest unfinished campaign with the same options, to resume. */
export const unfinished = (outRoot: string, o: CampaignOptions): CampaignResult | undefined =>
  readCampaigns(outRoot)
    .reverse()
    .find((c) => !c.finishedAt && sameOptions(o, c.options));

type Log = (line: string) => void;

/** A child process, its output appended to `logFile` (and each line offered to `onLine`), killed if it outlives `timeoutMs`. */
/** The child in flight: ctrl-c reaches it through the campaign only (its own process group), once. */
let inFlight: ChildProcess | undefined;

function child(args: string[], o: { env: NodeJS.ProcessEnv; logFile: string; timeoutMs: number; onLine?: (l: string) => void }): Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(o.logFile, { flags: 'a' });
    const p = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    inFlight = p;
    let rest = '';
    p.stdout.on('data', (b: Buffer) => {
      out.write(b);
      const lines = (rest + b.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) o.onLine?.(l);
    });
    p.stderr.on('data', (b: Buffer) => out.write(b));
    let timedOut = false;
    // SIGINT first: the chaos CLI heals every fault on it; SIGKILL a minute later if it is still there
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGINT');
      setTimeout(() => p.kill('SIGKILL'), 60_000).unref();
    }, o.timeoutMs);
    p.on('error', (e) => (clearTimeout(timer), reject(e)));
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (inFlight === p) inFlight = undefined;
      if (rest) o.onLine?.(rest);
      out.end(() => resolve({ code, signal, timedOut }));
    });
  });
}

/**
 * Where each mode's deployment lives: the mode of the deployment in the default state directory (or, with none,
 * ZooKeeper) uses it; the other mode gets `<state>-campaign-<mode>`, so neither's data is touched.
 */
function stateFor(mode: Coordination, provider: ProviderName): string {
  const base = paths().state;
  if (provider !== 'processes') return base;
  const deployed = readDeployment(paths())?.coordination ?? 'zookeeper';
  return mode === deployed ? base : `${base}-campaign-${mode}`;
}

export async function runCampaign(o: CampaignOptions & { outRoot: string; fresh?: boolean; log: Log }): Promise<{ result: CampaignResult; report: string; interrupted: boolean }> {
  const { log } = o;
  if (o.provider !== 'processes' && o.coordination.length > 1)
    throw new Error(`a campaign over both modes switches deployments, which only the processes provider does here; with --provider ${o.provider}, deploy one mode and run the campaign with --coordination <that mode>`);
  const resumed = o.fresh ? undefined : unfinished(o.outRoot, o);
  const c: CampaignResult = resumed ?? {
    campaignId: `campaign-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${o.seed}`,
    startedAt: new Date().toISOString(),
    command: campaignCommand(o),
    options: { experiments: o.experiments, rounds: o.rounds, ...(o.durationS === undefined ? {} : { durationS: o.durationS }), coordination: o.coordination, seed: o.seed, provider: o.provider, client: o.client ?? 'librdkafka' },
    ...planCampaign(o),
    runs: [],
  };
  const dir = join(o.outRoot, c.campaignId);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  let { report } = writeCampaign(o.outRoot, c);
  const done = new Set(c.runs.map((r) => r.key));
  log(resumed ? `resuming ${c.campaignId}: ${done.size} of ${c.plan.length} runs done` : `campaign ${c.campaignId}: ${c.plan.length} runs planned`);
  for (const s of c.skipped) log(`  not run: ${s.experiment} on ${s.coordination} (${s.why})`);
  log(`  progress: ${report}`);

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) return;
    interrupted = true;
    log('\ninterrupted: the run in flight heals its faults and is not kept; the finished runs are kept');
    inFlight?.kill('SIGINT');
  };
  process.on('SIGINT', onSigint);
  const defaultState = paths().state;
  const defaultMode = readDeployment(paths())?.coordination;
  // started again afterwards only if it was running (its brokers are the ports a second mode needs)
  const defaultWasUp = defaultMode !== undefined && o.provider === 'processes' && (await openProvider('processes', paths()).running('broker-a').catch(() => false));
  const steppedAside: { state?: string } = {};
  const cli = async (args: string[], state: string, what: string) => {
    const r = await child(['cluster/cli.ts', ...args, ...(o.provider === 'processes' ? [] : ['--provider', o.provider])], { env: { ...process.env, FAULTLINE_STATE: state }, logFile: join(dir, 'logs', 'deploy.log'), timeoutMs: 15 * 60_000 });
    if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}); its output is in ${join(dir, 'logs', 'deploy.log')}`);
  };
  try {
    for (const mode of o.coordination) {
      const todo = c.plan.filter((p) => p.coordination === mode && !done.has(p.key));
      if (!todo.length || interrupted) continue;
      const state = stateFor(mode, o.provider);
      if (state !== defaultState && !steppedAside.state) {
        log(`${mode}: the deployment in ${defaultState} steps aside (same ports); ${mode} deploys in ${state}`);
        await cli(['down'], defaultState, `stopping the deployment in ${defaultState}`);
        steppedAside.state = state;
      }
      log(`${mode}: deploying (or checking) the deployment in ${state}`);
      await cli(['deploy', '--skip-setup', '--coordination', mode], state, `deploying ${mode} in ${state}`);
      for (const p of todo) {
        if (interrupted) break;
        const exp = experimentByName(p.experiment);
        const durationS = Math.max(o.durationS ?? exp.defaults.durationS, exp.minDurationS ?? 0);
        const n = c.runs.length + 1;
        log(`[${n}/${c.plan.length}] ${p.experiment} on ${mode}, round ${p.round}, seed ${p.seed}, ${durationS} s`);
        const started = Date.now();
        let reportPath: string | undefined;
        const args = ['chaos/cli.ts', p.experiment, '--seed', String(p.seed), '--coordination', mode, '--duration', String(durationS), ...(o.provider === 'processes' ? [] : ['--provider', o.provider]), ...(o.client ? ['--client', o.client] : []), '--out', o.outRoot];
        const logFile = join(dir, 'logs', `${p.key.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
        let run: CampaignRun;
        try {
          const r = await child(args, {
            env: { ...process.env, FAULTLINE_STATE: state },
            logFile,
            // the run, its setup, final phase (up to 240 s for the stages) and observation, with room to spare
            timeoutMs: durationS * 1000 + 15 * 60_000,
            onLine: (l) => {
              const m = /^report: (.+)$/.exec(l);
              if (m) reportPath = m[1];
            },
          });
          if (interrupted) break;
          if (!reportPath || !existsSync(join(dirname(reportPath), 'results.json')))
            throw new Error(`no report (${r.signal ? `killed by ${r.signal}` : `exit ${r.code}`}${r.timedOut ? ', timed out' : ''}); see ${logFile}`);
          const result = JSON.parse(readFileSync(join(dirname(reportPath), 'results.json'), 'utf8')) as RunResult;
          run = campaignRun(p, result);
          log(`  ${campaignRunLine(run, result)}`);
        } catch (e) {
          if (interrupted) break;
          run = { ...p, verdict: 'error', passed: false, control: Boolean(exp.control), failing: [], faults: 0, acknowledged: 0, lost: 0, duplicated: 0, wrongWindows: 0, durationMs: Date.now() - started, error: errorMessage(e) };
          log(`  ${campaignRunLine(run)}`);
        }
        c.runs.push(run);
        done.add(p.key);
        ({ report } = writeCampaign(o.outRoot, c));
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    if (steppedAside.state) {
      log(`putting the deployments back: stopping ${steppedAside.state}${defaultWasUp ? `, starting ${defaultState} again` : ''}`);
      await cli(['down'], steppedAside.state, `stopping the deployment in ${steppedAside.state}`).catch((e: Error) => log(e.message));
      if (defaultWasUp) await cli(['deploy', '--skip-setup'], defaultState, `starting the deployment in ${defaultState}`).catch((e: Error) => log(e.message));
    }
  }
  if (!interrupted && c.runs.length === c.plan.length) c.finishedAt = new Date().toISOString();
  ({ report } = writeCampaign(o.outRoot, c));
  const t = campaignTotals(c);
  log(
    `\n${c.campaignId}: ${t.done} of ${t.planned} runs${c.finishedAt ? '' : ' (unfinished: the same command resumes it)'}; safe experiments ${t.passed}/${t.runs} passed, ` +
      `${t.faults} faults injected, ${t.acknowledged} events acknowledged, ${t.lost} lost, ${t.duplicated} duplicated, ${t.wrongWindows} wrong windows; controls caught ${t.caught}/${t.controls}`,
  );
  return { result: c, report, interrupted };
}

/** Every experiment, controls and their pairs included, in the table's order. */
export const ALL_EXPERIMENTS = (): string[] => EXPERIMENTS.map((e) => e.name);
