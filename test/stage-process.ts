// Runs a pipeline stage's entry point as a child process for live tests, and
// waits for a stage's consumer group to commit up to the end of its input.
import { spawn, type ChildProcess } from 'node:child_process';
import { bootstrapServers, kafka, waitFor, type Topology } from '../cluster/index.js';

const children: ChildProcess[] = [];

export function startStage(t: Topology, main: string, env: Record<string, string>): ChildProcess {
  // tsx as a loader, not its CLI (which forks): SIGKILL must reach the stage itself
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: { ...process.env, KAFKA_BROKERS: bootstrapServers(t).join(','), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  return child;
}

export const exitCode = (c: ChildProcess) => new Promise<number | null>((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.once('exit', resolve)));

export function killStages(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}

/** The final phase: the group's committed offsets reach the end of its input, so the stage will write nothing more. */
export async function waitCaughtUp(t: Topology, groupId: string, input: string): Promise<void> {
  const admin = kafka(t).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(input);
    await waitFor(
      `group ${groupId} to commit up to the end of ${input}`,
      async () => {
        const [c] = await admin.fetchOffsets({ groupId, topics: [input] });
        return ends.every((e) => BigInt(c!.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1') >= BigInt(e.high));
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
  } finally {
    await admin.disconnect();
  }
}
