// The pipeline's Kafka client, @confluentinc/kafka-javascript, is librdkafka plus a native addon. Offline, it builds
// only from source against the system's OpenSSL and zlib (CKJS_LINKING=dynamic); npm installs it without building
// (.npmrc ignore-scripts), and this step builds it once per package version and Node ABI into the cache.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CKJS_DIR = join(root, 'node_modules', '@confluentinc', 'kafka-javascript');

/** What the addon needs at run time, relative to the package: the addon loads librdkafka from ../deps. */
export const CKJS_ARTIFACTS = ['build/Release/confluent-kafka-javascript.node', 'build/deps/librdkafka.so.1', 'build/deps/librdkafka++.so.1'];

/** The cache folder for this package version, Node ABI and architecture. */
export function librdkafkaCacheDir(cache: string): string {
  const pkg = JSON.parse(readFileSync(join(CKJS_DIR, 'package.json'), 'utf8')) as { version: string };
  return join(cache, 'librdkafka', `kafka-javascript-${pkg.version}-abi${process.versions.modules}-${process.arch}`);
}

const same = (a: string, b: string) => existsSync(a) && existsSync(b) && statSync(a).size === statSync(b).size && statSync(a).mtimeMs <= statSync(b).mtimeMs;

/**
 * Built and cached: copied into node_modules when missing ('cached'); else built from source (5-6.5 min cold on
 * 2 cores), cached and installed ('built'). `run` spawns a command with progress lines.
 */
export async function setupLibrdkafka(cache: string, run: (cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) => Promise<void>): Promise<string> {
  if (!existsSync(join(CKJS_DIR, 'package.json'))) throw new Error(`${CKJS_DIR} is missing: run \`npm ci\` first`);
  const dir = librdkafkaCacheDir(cache);
  const cached = CKJS_ARTIFACTS.every((a) => existsSync(join(dir, a)));
  if (!cached) {
    // the package's own install script, from source, against the system's libraries; librdkafka's make runs
    // unbounded -j, so it is niced
    await run('nice', ['npm', 'rebuild', '@confluentinc/kafka-javascript', '--ignore-scripts=false', '--foreground-scripts'], {
      cwd: root,
      env: { CKJS_LINKING: 'dynamic', npm_config_build_from_source: 'true' },
    });
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    for (const a of CKJS_ARTIFACTS) {
      mkdirSync(dirname(join(tmp, a)), { recursive: true });
      copyFileSync(join(CKJS_DIR, a), join(tmp, a));
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    // build objects and librdkafka's sources are ~280 MB: only the artifacts stay
    rmSync(join(CKJS_DIR, 'deps', 'librdkafka'), { recursive: true, force: true });
    rmSync(join(CKJS_DIR, 'build', 'Release', 'obj.target'), { recursive: true, force: true });
    for (const a of ['librdkafka.a', 'librdkafka-static.a', 'librdkafka++.a']) rmSync(join(CKJS_DIR, 'build', 'deps', a), { force: true });
  }
  let copied = 0;
  for (const a of CKJS_ARTIFACTS) {
    const to = join(CKJS_DIR, a);
    if (same(join(dir, a), to)) continue;
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(dir, a), to);
    copied++;
  }
  // the proof: the addon loads and names its librdkafka
  const version = execFileSync(process.execPath, ['-e', "process.stdout.write(require('@confluentinc/kafka-javascript').librdkafkaVersion)"], { cwd: root }).toString();
  return `${cached ? 'cached' : 'built'}${copied ? ', installed into node_modules' : ''}; librdkafka ${version}`;
}
