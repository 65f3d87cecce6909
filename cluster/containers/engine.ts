// The container engine the containers provider talks to: a Docker engine when
// one answers (DOCKER_HOST, or /var/run/docker.sock), else Podman from Debian
// with the project's own API service, config and socket (nothing global is
// changed): runc (crun fails here), ulimits inside the host's hard limits, no
// Ryuk (its image cannot be pulled).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { alive, findProcesses, stopProcesses } from '../host.js';
import type { Paths } from '../paths.js';
import { waitFor } from '../wait.js';

export interface Engine {
  kind: 'docker' | 'podman';
  /** The API endpoint testcontainers and our calls use (DOCKER_HOST form). */
  host: string;
  /** The engine's CLI, for image import only. */
  cli: string;
  /** Environment for that CLI (Podman: our containers.conf). */
  env: NodeJS.ProcessEnv;
  /** The Podman API service this project started (stopped again by `just down --provider containers`). */
  startedHere: boolean;
}

export const PODMAN_SOCKET = '/run/faultline/podman.sock';

export const enginePaths = (p: Paths) => ({
  conf: join(p.cache, 'containers', 'containers.conf'),
  pid: join(p.state, 'run', 'podman-service.pid'),
  log: join(p.state, 'logs', 'podman-service.log'),
});

/** Container ulimits at or below the host's hard limits: root lacks CAP_SYS_RESOURCE here, and Podman's defaults fail. */
export function ulimits(limits = readFileSync('/proc/self/limits', 'utf8')): { nofile: number; nproc: number } {
  const hard = (label: string, cap: number) => {
    const m = new RegExp(`^${label}\\s+\\S+\\s+(\\S+)`, 'm').exec(limits);
    return !m || m[1] === 'unlimited' ? cap : Math.min(Number(m[1]), cap);
  };
  return { nofile: hard('Max open files', 65536), nproc: hard('Max processes', 16384) };
}

export function containersConf(): string {
  const u = ulimits();
  return [
    '# written by faultline (cluster/containers/engine.ts); used only by the Podman service the project starts',
    '[containers]',
    `default_ulimits = ["nofile=${u.nofile}:${u.nofile}", "nproc=${u.nproc}:${u.nproc}"]`,
    '',
    '[engine]',
    '# crun fails on these hosts ("cgroups in hybrid mode not supported")',
    'runtime = "runc"',
    '',
  ].join('\n');
}

/** GET /_ping on a unix socket or tcp DOCKER_HOST: does an engine answer there? */
export function ping(host: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const target = host.startsWith('unix://') ? { socketPath: host.slice('unix://'.length) } : (() => {
      const u = new URL(host.replace(/^tcp:/, 'http:'));
      return { host: u.hostname, port: Number(u.port || 2375) };
    })();
    if ('socketPath' in target && !existsSync(target.socketPath)) return resolve(false);
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => (req.destroy(), resolve(false)));
    req.end();
  });
}

const which = (bin: string) => {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
};

/** A Docker engine a user already runs, if any answers. */
export async function dockerEngine(env: NodeJS.ProcessEnv = process.env): Promise<Engine | undefined> {
  for (const host of [env.DOCKER_HOST, 'unix:///var/run/docker.sock'].filter((h): h is string => Boolean(h))) {
    if (host === `unix://${PODMAN_SOCKET}`) continue;
    if (await ping(host)) return { kind: 'docker', host, cli: which('docker') ?? 'docker', env: { ...process.env, DOCKER_HOST: host }, startedHere: false };
  }
  return undefined;
}

/**
 * The engine to use, started if it is our Podman service and not running. Sets DOCKER_HOST and turns Ryuk off in
 * this process, so testcontainers finds the same engine.
 */
export async function ensureEngine(p: Paths, log: (l: string) => void = () => {}): Promise<Engine> {
  const engine = (await dockerEngine()) ?? (await podmanEngine(p, log));
  process.env.DOCKER_HOST = engine.host;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  return engine;
}

/** Podman's CLI with the project's containers.conf (written here), without its API service. */
export function podmanCli(p: Paths): Pick<Engine, 'cli' | 'env'> {
  const podman = which('podman');
  if (!podman)
    throw new Error(
      'no container engine: no Docker engine answers (DOCKER_HOST, /var/run/docker.sock) and podman is not installed. ' +
        'Run `just setup` (it installs Podman from Debian), or start Docker and set DOCKER_HOST. Nothing was started.',
    );
  const ep = enginePaths(p);
  mkdirSync(dirname(ep.conf), { recursive: true });
  const conf = containersConf();
  if (!existsSync(ep.conf) || readFileSync(ep.conf, 'utf8') !== conf) writeFileSync(ep.conf, conf);
  return { cli: podman, env: { ...process.env, CONTAINERS_CONF: ep.conf } };
}

async function podmanEngine(p: Paths, log: (l: string) => void): Promise<Engine> {
  const { cli: podman, env } = podmanCli(p);
  const ep = enginePaths(p);
  const host = `unix://${PODMAN_SOCKET}`;
  if (await ping(host)) return { kind: 'podman', host, cli: podman, env, startedHere: existsSync(ep.pid) };
  // a service of ours that runs but did not answer in 2 s is busy (a loaded host), not gone: starting a second one
  // would take its socket and leave it running for good (a CI-like run ended with 18 of them)
  if (servicePids().length) {
    if (await waitFor('our Podman API service to answer', () => ping(host), { timeoutMs: 30_000, intervalMs: 500, throwOnTimeout: false }))
      return { kind: 'podman', host, cli: podman, env, startedHere: existsSync(ep.pid) };
    const stuck = servicePids();
    log(`the Podman API service of ours (pid ${stuck.join(', ')}) did not answer in 30 s: stopping it and starting a new one`);
    await stopProcesses(stuck, 'our Podman API services', 10_000);
  }
  mkdirSync(dirname(PODMAN_SOCKET), { recursive: true });
  mkdirSync(dirname(ep.pid), { recursive: true });
  mkdirSync(dirname(ep.log), { recursive: true });
  rmSync(PODMAN_SOCKET, { force: true });
  log(`starting the Podman API service on ${PODMAN_SOCKET} (log ${ep.log})`);
  const out = openSync(ep.log, 'a');
  const child = spawn(podman, ['system', 'service', '--time=0', host], { env, detached: true, stdio: ['ignore', out, out] });
  child.unref();
  writeFileSync(ep.pid, String(child.pid));
  await waitFor('the Podman API service to answer', () => ping(host), { timeoutMs: 30_000, intervalMs: 250 }).catch((e) => {
    throw new Error(`${(e as Error).message}: read ${ep.log}; then run the command again`);
  });
  return { kind: 'podman', host, cli: podman, env, startedHere: true };
}

/** Every `podman system service` process serving the project's socket, whoever started it. */
export const servicePids = (): number[] => findProcesses(`system service --time=0 unix://${PODMAN_SOCKET}`);

/**
 * Stops the Podman API service this project started, and any other serving its socket (containers live on without
 * it): SIGTERM, SIGKILL after 10 s. Returns whether there was one.
 */
export async function stopEngine(p: Paths): Promise<boolean> {
  const ep = enginePaths(p);
  const running = servicePids();
  await stopProcesses(running, 'our Podman API services', 10_000);
  const had = existsSync(ep.pid) || running.length > 0;
  rmSync(ep.pid, { force: true });
  rmSync(PODMAN_SOCKET, { force: true });
  return had;
}

/** The pid of the Podman service we started, if it runs. */
export function engineServicePid(p: Paths): number | undefined {
  const ep = enginePaths(p);
  if (!existsSync(ep.pid)) return undefined;
  const pid = Number(readFileSync(ep.pid, 'utf8'));
  return pid > 0 && alive(pid) ? pid : undefined;
}
