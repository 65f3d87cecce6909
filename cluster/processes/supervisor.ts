// Starts components as detached processes (pid file + log file each), tells
// whether they run, and stops them: SIGTERM with a deadline, then SIGKILL.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentSpec } from '../deploy/catalog.js';
import { alive, cmdline, findProcesses, stopProcesses, trySignal } from '../host.js';


export interface ProcessState {
  pid?: number;
  running: boolean;
}

export class Supervisor {
  constructor(
    readonly runDir: string,
    readonly logDir: string,
  ) {}

  pidFile = (name: string) => join(this.runDir, `${name}.pid`);
  logFile = (name: string) => join(this.logDir, `${name}.log`);

  state(spec: ComponentSpec): ProcessState {
    const f = this.pidFile(spec.name);
    if (!existsSync(f)) return { running: false };
    const pid = Number(readFileSync(f, 'utf8').trim());
    return { pid, running: isOurs(pid, spec.marker) };
  }

  /**
   * True once the process we started has exited. Judged on the pid alone: while
   * setpriv execs into the component, /proc/<pid>/cmdline can read empty for a moment.
   */
  exited(spec: ComponentSpec): boolean {
    const f = this.pidFile(spec.name);
    if (!existsSync(f)) return true;
    return !alive(Number(readFileSync(f, 'utf8').trim()));
  }

  /** Starts the component unless it already runs; returns its pid. */
  start(spec: ComponentSpec): { pid: number; started: boolean } {
    const s = this.state(spec);
    if (s.running && s.pid) return { pid: s.pid, started: false };
    const stray = findProcesses(spec.marker);
    if (stray.length) {
      // a crashed deployment left it running without a pid file: adopt it
      writeFileSync(this.pidFile(spec.name), `${stray[0]}\n`);
      return { pid: stray[0]!, started: false };
    }
    for (const l of spec.listens) {
      const holder = listenerPid(l.host, l.port);
      if (holder === undefined) continue;
      if (isFaultlineProcess(holder)) {
        // left behind by a crashed run or another deployment directory: ours to clean
        trySignal(holder, 'SIGCONT');
        trySignal(holder, 'SIGKILL');
      } else {
        throw new Error(
          `${spec.name} cannot listen on ${l.host}:${l.port}: pid ${holder} (${cmdline(holder).slice(0, 120)}) holds it. Stop that process and deploy again.`,
        );
      }
    }
    mkdirSync(this.runDir, { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
    const out = openSync(this.logFile(spec.name), 'a');
    const [cmd, args] = spec.user
      ? [
          'setpriv',
          [
            `--reuid=${spec.user}`,
            `--regid=${spec.user}`,
            '--init-groups',
            // keep root's file access (the cache under /root is mode 700) while
            // carrying the zone's uid, which the iptables owner match sees
            '--inh-caps=+dac_override',
            '--ambient-caps=+dac_override',
            spec.command,
            ...spec.args,
          ],
        ]
      : [spec.command, spec.args];
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, ...spec.env },
    });
    closeSync(out);
    if (!child.pid) throw new Error(`could not start ${spec.name}: ${cmd} did not spawn; see ${this.logFile(spec.name)}`);
    child.unref();
    writeFileSync(this.pidFile(spec.name), `${child.pid}\n`);
    return { pid: child.pid, started: true };
  }

  signal(spec: ComponentSpec, sig: NodeJS.Signals): number | undefined {
    const s = this.state(spec);
    if (!s.running || !s.pid) return undefined;
    process.kill(s.pid, sig);
    return s.pid;
  }

  /** Graceful stop: SIGTERM (SIGCONT first, in case a fault paused it), SIGKILL after the deadline. */
  async stop(spec: ComponentSpec, timeoutMs = 60_000): Promise<void> {
    const pids = new Set(findProcesses(spec.marker));
    const s = this.state(spec);
    if (s.running && s.pid) pids.add(s.pid);
    await stopProcesses([...pids], spec.name, timeoutMs);
    rmSync(this.pidFile(spec.name), { force: true });
  }
}

function isOurs(pid: number, marker: string): boolean {
  return Number.isInteger(pid) && pid > 0 && alive(pid) && cmdline(pid).includes(marker);
}




/** The pid listening on host:port, from `ss` (undefined if none or unknown). */
export function listenerPid(host: string, port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `src ${host}:${port}`], { stdio: 'pipe' }).toString();
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A process Faultline started (any deployment): a JVM with our marker or a binary run on a Faultline config. */
export const isFaultlineProcess = (pid: number) => /-Dfaultline\.component=|\/faultline[^ ]*\/conf\//.test(cmdline(pid));

