// Brings up the deployment the live tests need and puts things back afterwards:
// a deployment that was already running is reused and left running; one the
// tests started is stopped (or wiped, for the KRaft test directory). The browser
// tests (Playwright) and the live tests (jest) share one: the first keeps it up
// (FAULTLINE_LIVE_KEEP=1), the second puts it back.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import testTopics from './test-topics.cjs';

const DEFAULT_STATE = '/var/lib/faultline';
const MARK = '/tmp/faultline-live-test.json';
/** A handed-over deployment is taken only by a phase that starts within this time (the next line of `just test-live`). */
const HANDOVER_MS = 10 * 60_000;

function running(state) {
  const run = join(state, 'run');
  if (!existsSync(run)) return false;
  return readdirSync(run).some((f) => {
    const pid = Number(readFileSync(join(run, f), 'utf8'));
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(state);
    } catch {
      return false;
    }
  });
}

function cli(args, env) {
  execFileSync('node_modules/.bin/tsx', ['cluster/cli.ts', ...args], { stdio: 'inherit', env: { ...process.env, ...env } });
}

export function up() {
  const coordination = process.env.FAULTLINE_COORDINATION ?? 'zookeeper';
  const state = process.env.FAULTLINE_STATE ?? DEFAULT_STATE;
  const isDefault = state === DEFAULT_STATE;
  // an earlier phase of the same test run (the browser tests) handed its deployment over to this one, minutes ago:
  // it is this phase's to put back, as that one noted. Any other mark is stale (a run that died): not trusted.
  if (existsSync(MARK)) {
    const kept = JSON.parse(readFileSync(MARK, 'utf8'));
    rmSync(MARK, { force: true });
    if (kept.handedOver && Date.now() - kept.handedOver < HANDOVER_MS && kept.state === state && kept.coordination === coordination && running(state)) {
      writeFileSync(MARK, JSON.stringify({ ...kept, handedOver: undefined }));
      cli(['deploy', '--skip-setup', '--coordination', coordination], { FAULTLINE_STATE: state });
      cli(['delete-topics', ...testTopics.TEST_TOPIC_PREFIXES], { FAULTLINE_STATE: state });
      return;
    }
  }
  const mark = { coordination, state, startedByTests: false, stoppedDefault: false };
  if (!isDefault && running(DEFAULT_STATE)) {
    // same ports: the default deployment steps aside for this one and comes back after
    console.log(`live tests: stopping the deployment in ${DEFAULT_STATE} for the ${coordination} run; it is restarted afterwards`);
    cli(['down'], { FAULTLINE_STATE: DEFAULT_STATE });
    mark.stoppedDefault = true;
  }
  // a fresh cluster for a non-default directory: stop whatever ran there, then wipe it
  if (!isDefault) cli(['clean'], { FAULTLINE_STATE: state });
  if (!running(state)) mark.startedByTests = true;
  writeFileSync(MARK, JSON.stringify(mark));
  cli(['deploy', '--skip-setup', '--coordination', coordination], { FAULTLINE_STATE: state });
  // what an interrupted earlier run left (a one-replica chaos topic would go offline with its broker)
  cli(['delete-topics', ...testTopics.TEST_TOPIC_PREFIXES], { FAULTLINE_STATE: state });
}

/** With FAULTLINE_LIVE_KEEP=1 the deployment stays up, handed over (noted, with the time) to the next phase of the same test run. */
export function down() {
  if (!existsSync(MARK)) return;
  if (process.env.FAULTLINE_LIVE_KEEP === '1') {
    writeFileSync(MARK, JSON.stringify({ ...JSON.parse(readFileSync(MARK, 'utf8')), handedOver: Date.now() }));
    return;
  }
  const mark = JSON.parse(readFileSync(MARK, 'utf8'));
  rmSync(MARK, { force: true });
  const isDefault = mark.state === DEFAULT_STATE;
  if (isDefault) cli(['delete-topics', ...testTopics.TEST_TOPIC_PREFIXES], { FAULTLINE_STATE: mark.state });
  if (!isDefault) cli(['clean'], { FAULTLINE_STATE: mark.state });
  else if (mark.startedByTests) cli(['down'], { FAULTLINE_STATE: mark.state });
  if (mark.stoppedDefault) cli(['deploy', '--skip-setup'], { FAULTLINE_STATE: DEFAULT_STATE });
}
