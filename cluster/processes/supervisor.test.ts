import { spawn, type ChildProcess } from 'node:child_process';
import { componentMarker } from '../deploy/index.js';
import { findProcesses } from '../host.js';

// Two deployments' Node components, as real processes: the default one's state is a prefix of the other's
// (/var/lib/faultline and /var/lib/faultline-containers). Each must find only its own.
const started: ChildProcess[] = [];
const fake = (state: string) => {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '--', componentMarker('ingest-a', state).trimEnd()], { stdio: 'ignore' });
  started.push(c);
  return c.pid!;
};
afterAll(() => started.forEach((c) => c.kill('SIGKILL')));

test('a deployment recognises its own components only, not those of a deployment whose state directory its own prefixes', async () => {
  const state = `/tmp/faultline-marker-${process.pid}`;
  const mine = fake(state);
  const theirs = fake(`${state}-containers`);
  await new Promise((r) => setTimeout(r, 300));
  expect(findProcesses(componentMarker('ingest-a', state))).toEqual([mine]);
  expect(findProcesses(componentMarker('ingest-a', `${state}-containers`))).toEqual([theirs]);
  expect(findProcesses(componentMarker('ingest-b', state))).toEqual([]);
});
