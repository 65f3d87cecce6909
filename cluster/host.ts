// Facts about this host's processes and files, for status lines and error messages, and stopping processes (either
// local provider: the processes provider's components, the containers provider's Podman service).
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from './wait.js';

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** The last `lines` lines of a file (empty when it cannot be read). */
export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Sends `sig` to `pid`, if it still runs. */
export function trySignal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie or an exited process still answers kill 0 until reaped
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Live processes whose command line holds `marker` (setpriv execs, so the pid is the component's). */
export function findProcesses(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    if (cmdline(pid).includes(marker) && alive(pid)) out.push(pid);
  }
  return out;
}

/**
 * Stops processes: SIGCONT (a fault may have paused them) and SIGTERM, SIGKILL to any still running after
 * `timeoutMs`; resolves when all are gone (throws if one outlives SIGKILL by 10 s).
 */
export async function stopProcesses(pids: number[], what: string, timeoutMs: number): Promise<void> {
  if (!pids.length) return;
  for (const pid of pids) {
    trySignal(pid, 'SIGCONT');
    trySignal(pid, 'SIGTERM');
  }
  const gone = await waitFor(`${what} to exit`, () => pids.every((p) => !alive(p)), { timeoutMs, throwOnTimeout: false });
  if (!gone) for (const pid of pids) trySignal(pid, 'SIGKILL');
  await waitFor(`${what} to die`, () => pids.every((p) => !alive(p)), { timeoutMs: 10_000 });
}
