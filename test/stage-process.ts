// Runs a pipeline stage's entry point as a child process for live tests, and
// waits for a stage's consumer group to commit up to the end of its input.
import { spawn, type ChildProcess } from 'node:child_process';
import { bootstrapServers, NODE_SERVICE_ENV, type Topology } from '../cluster/index.js';
import { waitCaughtUp as caughtUp } from '../chaos/index.js';

const children: ChildProcess[] = [];
const outputs = new WeakMap<ChildProcess, string[]>();

export function startStage(t: Topology, main: string, env: Record<string, string>): ChildProcess {
  // tsx as a loader, not its CLI (which forks): SIGKILL must reach the stage itself
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    // FAULTLINE_PARENT_PID: the stage ends with this process however it ends (a jest that died of a segmentation fault
    // left one consuming for over an hour)
    env: { ...process.env, ...NODE_SERVICE_ENV, KAFKA_BROKERS: bootstrapServers(t).join(','), FAULTLINE_PARENT_PID: String(process.pid), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // the stage's lines go on to the test's output, and are kept for a test to read
  const lines: string[] = [];
  outputs.set(child, lines);
  child.stdout!.on('data', (d: Buffer) => (lines.push(d.toString()), process.stdout.write(d)));
  child.stderr!.on('data', (d: Buffer) => (lines.push(d.toString()), process.stderr.write(d)));
  children.push(child);
  return child;
}

/** What a stage started here has printed so far (stdout and stderr). */
export const outputOf = (c: ChildProcess): string => (outputs.get(c) ?? []).join('');

export const exitCode = (c: ChildProcess) => new Promise<number | null>((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.once('exit', resolve)));

export function killStages(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}

/** The final phase: the group's committed offsets reach the end of its input, so the stage will write nothing more. */
export const waitCaughtUp = async (t: Topology, groupId: string, input: string): Promise<void> => void (await caughtUp({ topology: t }, groupId, input, 180_000));
