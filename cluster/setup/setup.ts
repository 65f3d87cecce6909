// Fetches and builds every artifact Faultline runs, from the package registries
// only, into the cache (never git). Idempotent: each step checks before it works.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerEngine, podmanCli } from '../containers/engine.js';
import { ensureImage } from '../containers/images.js';
import { cacheLayout, type Paths } from '../paths.js';
import { setupLibrdkafka } from './librdkafka.js';
import { errorMessage } from '../args.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Debian packages and the commands that prove each is installed. */
export const DEBIAN_PACKAGES: Record<string, string> = {
  prometheus: '/usr/bin/prometheus',
  chromium: '/usr/bin/chromium',
  iptables: '/usr/sbin/iptables',
  'util-linux': '/usr/bin/setpriv',
  iproute2: '/usr/bin/ss',
  procps: '/usr/bin/pgrep',
  // the Kafka Streams app of `just bench` is compiled (mvn package), not only fetched
  'openjdk-17-jdk-headless': '/usr/bin/javac',
};

export const GO_TOOLS = {
  // Tempo publishes no Go-module release tags past v1.5; this is main at 2025-05-29 (the 2.8 line).
  tempo: { module: 'github.com/grafana/tempo', version: 'v1.5.1-0.20250529124718-87c2dc380cec', pkg: './cmd/tempo' },
  k6: { module: 'go.k6.io/k6', version: 'v1.8.1' },
  toxiproxy: { module: 'github.com/Shopify/toxiproxy/v2', version: 'v2.5.0', pkg: 'cmd/server' },
  // lints the rendered Kubernetes manifests (kube-linter is not served by the module proxy)
  'kube-score': { module: 'github.com/zegl/kube-score', version: 'v1.20.0', pkg: 'cmd/kube-score' },
} as const;

export type Log = (line: string) => void;

export class SetupError extends Error {
  constructor(
    readonly step: string,
    detail: string,
  ) {
    super(`setup step "${step}" failed: ${detail}\nWhat was already fetched stays in the cache; fix the cause and run \`just setup\` again.`);
  }
}

function run(step: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; log?: Log } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        opts.log?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => reject(new SetupError(step, `${cmd}: ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new SetupError(step, `${cmd} ${args.join(' ')} exited ${code}\n${tail.join('\n')}`)),
    );
  });
}

const stampOk = (file: string, key: string) => existsSync(file) && readFileSync(file, 'utf8') === key;
const hash = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);

export async function setupDebian(log: Log): Promise<string> {
  const missing = Object.entries(DEBIAN_PACKAGES)
    .filter(([, bin]) => !existsSync(bin))
    .map(([pkg]) => pkg);
  if (!missing.length) return 'installed';
  log(`apt-get install ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await run('debian packages', 'apt-get', ['update', '-q'], { env });
  await run('debian packages', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  // Debian's prometheus package, just installed, may have started its own service on :9090 (ours runs with its own
  // config there): stop that service, and only it (run by the package without arguments), never another Prometheus.
  if (missing.includes('prometheus')) {
    try {
      execFileSync('sh', ['-c', 'command -v systemctl >/dev/null && systemctl disable --now prometheus prometheus-node-exporter 2>/dev/null; pkill -u prometheus -x -f "/usr/bin/prometheus" 2>/dev/null; true']);
    } catch {
      /* nothing to stop */
    }
  }
  return `installed ${missing.join(', ')}`;
}

export async function setupMaven(cache: string, log: Log): Promise<string> {
  const c = cacheLayout(cache);
  const poms = ['pom.xml', 'pom-agent.xml'].map((p) => join(here, p));
  const key = hash(...poms.map((p) => readFileSync(p, 'utf8')));
  const stamp = join(c.stamps, 'maven');
  if (stampOk(stamp, key) && existsSync(c.jmxAgent)) return 'cached';
  for (const [pom, out, extra] of [
    [poms[0]!, c.kafkaLibs, '-DincludeScope=runtime'],
    [poms[1]!, dirname(c.jmxAgent), '-DexcludeTransitive=true'],
  ] as const) {
    rmSync(out, { recursive: true, force: true });
    await run('maven jars', 'mvn', ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${out}`, extra], { log });
  }
  mkdirSync(c.stamps, { recursive: true });
  writeFileSync(stamp, key);
  return 'fetched';
}

/** The Kafka Streams app's module (pom.xml and its sources): lives with the benchmark that runs it. */
export const STREAMS_MODULE = join(here, '../../loadtests/streams');

/** Every file the Kafka Streams app is built from, relative to its module: the pom and each .java source, sorted. */
function streamsSources(dir = STREAMS_MODULE, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...streamsSources(dir, r));
    else if (r === 'pom.xml' || (r.startsWith('src/') && e.name.endsWith('.java'))) out.push(r);
  }
  return out;
}

/**
 * Builds the Kafka Streams reference app (`just bench` runs it beside the pipeline's stages) with Maven into the
 * cache: its jar and runtime dependencies in `streamsApp/lib`, Maven's work in `streamsApp/build`, nothing in the
 * checkout. Rebuilt when the pom or any source changes.
 */
export async function setupStreamsApp(cache: string, log: Log): Promise<string> {
  const c = cacheLayout(cache);
  const sources = streamsSources();
  const key = hash(...sources.flatMap((f) => [f, readFileSync(join(STREAMS_MODULE, f), 'utf8')]));
  const stamp = join(c.stamps, 'streams-app');
  const jar = join(c.streamsApp, 'lib', 'faultline-streams.jar');
  if (stampOk(stamp, key) && existsSync(jar)) return 'cached';
  rmSync(c.streamsApp, { recursive: true, force: true });
  await run('kafka streams app', 'mvn', ['-B', '-q', '-f', join(STREAMS_MODULE, 'pom.xml'), 'package', `-Dfaultline.out=${c.streamsApp}`], { log });
  if (!existsSync(jar)) throw new SetupError('kafka streams app', `mvn package left no ${jar}`);
  mkdirSync(c.stamps, { recursive: true });
  writeFileSync(stamp, key);
  return 'built';
}

async function goBuild(cache: string, name: keyof typeof GO_TOOLS, out: string, log: Log): Promise<string> {
  const c = cacheLayout(cache);
  const tool = GO_TOOLS[name];
  const key = hash(JSON.stringify(tool));
  const stamp = join(c.stamps, `go-${name}`);
  if (stampOk(stamp, key) && existsSync(out)) return 'cached';
  mkdirSync(c.bin, { recursive: true });
  const tmp = `${out}.tmp`;
  const env = { GONOSUMDB: tool.module, GOFLAGS: '-mod=mod' };
  if (name === 'tempo') {
    // Tempo's go.mod has replace directives, so `go install` refuses it: download
    // the module, copy it somewhere writable and build inside it in module mode.
    const json = execFileSync('go', ['mod', 'download', '-json', `${tool.module}@${tool.version}`], { env: { ...process.env, ...env }, cwd: c.bin }).toString();
    const info = JSON.parse(json) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new SetupError('go build tempo', info.Error ?? 'go mod download returned no directory');
    const src = join(cache, 'src', 'tempo');
    rmSync(src, { recursive: true, force: true });
    cpSync(info.Dir, src, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', src]);
    await run('go build tempo', 'go', ['build', '-o', tmp, (tool as { pkg: string }).pkg], { cwd: src, env, log });
  } else {
    const pkg = 'pkg' in tool ? `${tool.module}/${tool.pkg}` : tool.module;
    const gobin = join(cache, 'gobin', name);
    await run(`go install ${name}`, 'go', ['install', `${pkg}@${tool.version}`], { env: { ...env, GOFLAGS: '', GOBIN: gobin }, log });
    const built = join(gobin, pkg.split('/').pop()!);
    renameSync(built, tmp);
  }
  chmodSync(tmp, 0o755);
  renameSync(tmp, out);
  writeFileSync(stamp, key);
  return 'built';
}

/**
 * The containers provider's engine and images: Podman, runc and debootstrap from Debian unless a Docker engine
 * answers (then debootstrap only), then the JRE and Node images from Debian packages.
 */
export async function setupContainers(p: Paths, log: Log): Promise<string> {
  const docker = await dockerEngine();
  const need: Record<string, string> = { debootstrap: '/usr/sbin/debootstrap', ...(docker ? {} : { podman: '/usr/bin/podman', runc: '/usr/sbin/runc' }) };
  const missing = Object.entries(need).filter(([, bin]) => !existsSync(bin)).map(([pkg]) => pkg);
  if (missing.length) {
    log(`apt-get install ${missing.join(' ')}`);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    await run('container engine', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env, log });
  }
  // Podman's import needs no API service: setup leaves none running
  const engine = docker ?? podmanCli(p);
  const work = join(p.cache, 'containers');
  const built = [await ensureImage(engine, 'jre', work, log), await ensureImage(engine, 'node', work, log)];
  return `${docker ? `docker at ${docker.host}` : 'podman'}; ${built.join(', ')}`;
}

export interface SetupStep {
  name: string;
  run: (log: Log) => Promise<string>;
}

/** `containers`: include the container engine and images (the containers provider's; `just setup` and `just test` need them). */
export function setupSteps(p: Paths, opts: { containers: boolean } = { containers: true }): SetupStep[] {
  const c = cacheLayout(p.cache);
  return [
    { name: 'debian packages (prometheus, chromium, iptables)', run: (log) => setupDebian(log) },
    { name: 'maven jars (kafka 3.9.2, kafka-tools, jmx exporter)', run: (log) => setupMaven(p.cache, log) },
    { name: 'kafka streams reference app (mvn package)', run: (log) => setupStreamsApp(p.cache, log) },
    {
      name: 'pipeline kafka client (librdkafka from source, 3-7 min cold)',
      run: (log) => setupLibrdkafka(p.cache, (cmd, args, o) => run('librdkafka', cmd, args, { ...o, log })),
    },
    { name: 'tempo (go build, 5-25 min cold)', run: (log) => goBuild(p.cache, 'tempo', c.tempo, log) },
    { name: 'k6 (go install)', run: (log) => goBuild(p.cache, 'k6', c.k6, log) },
    { name: 'toxiproxy (go install)', run: (log) => goBuild(p.cache, 'toxiproxy', c.toxiproxy, log) },
    { name: 'kube-score (go install)', run: (log) => goBuild(p.cache, 'kube-score', c.kubeScore, log) },
    ...(opts.containers ? [{ name: 'container engine and images (podman or docker; debootstrap, ~3 min cold)', run: (log: Log) => setupContainers(p, log) }] : []),
  ];
}

/** Runs every step with a progress line each; a heartbeat line every 30 s on long steps. */
export async function setup(p: Paths, print: (line: string) => void = console.log, opts: { containers: boolean } = { containers: true }): Promise<void> {
  const steps = setupSteps(p, opts);
  const t0 = Date.now();
  for (const [i, step] of steps.entries()) {
    const s0 = Date.now();
    const prefix = `setup [${i + 1}/${steps.length}] ${step.name}`;
    let last = '';
    const beat = setInterval(() => print(`${prefix}: still working (${Math.round((Date.now() - s0) / 1000)} s) ${last.slice(0, 100)}`), 30_000);
    try {
      const result = await step.run((line) => (last = line));
      print(`${prefix}: ${result} (${((Date.now() - s0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      if (e instanceof SetupError) throw e;
      throw new SetupError(step.name, errorMessage(e));
    } finally {
      clearInterval(beat);
    }
  }
  print(`setup done in ${((Date.now() - t0) / 1000).toFixed(1)} s; cache: ${p.cache}`);
}
