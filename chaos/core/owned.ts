// Processes an experiment runs itself (e.g. processors with exactly-once off
// for a negative control): started from this checkout, killed and restarted
// by the nemeses, always stopped when the run ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OwnedProcess } from './context.js';
import { NODE_SERVICE_ENV } from '../../cluster/index.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export class OwnedStage implements OwnedProcess {
  private child?: ChildProcess;

  constructor(
    readonly name: string,
    readonly zone: string,
    private readonly main: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    readonly clientId?: string,
  ) {}

  start(): void {
    const out = openSync(this.logFile, 'a');
    // tsx as a loader (not its forking CLI): the pid we kill is the stage itself
    this.child = spawn(process.execPath, ['--import', 'tsx', this.main], { cwd: REPO, env: { ...process.env, ...NODE_SERVICE_ENV, ...this.env, FAULTLINE_PARENT_PID: String(process.pid) }, stdio: ['ignore', out, out] });
  }

  running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }

  async restart(): Promise<void> {
    if (this.running()) return;
    this.start();
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || !this.running()) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.running()) c.kill('SIGKILL');
  }
}
