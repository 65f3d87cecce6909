// The containers provider's two images, built locally from Debian packages (no
// container registry can be reached): a JRE base for ZooKeeper and Kafka (the
// jars are mounted from the cache, not baked in) and a small base for our Node
// stages and the ops binaries (the host's Node, Prometheus, Tempo and
// toxiproxy are mounted). Each is tagged with a hash of its inputs, so it is
// rebuilt only when they change.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from './engine.js';

export type ImageName = 'jre' | 'node';

export const IMAGE_PACKAGES: Record<ImageName, string[]> = {
  jre: ['openjdk-17-jre-headless'],
  // the host's Node binary needs libstdc++; the pipeline's Kafka client (librdkafka, built by setup and mounted with
  // node_modules) links OpenSSL and zlib; the ops binaries need nothing but libc
  node: ['libstdc++6', 'ca-certificates', 'libssl3', 'zlib1g'],
};

/** The host's Debian suite (the mounted Node and Prometheus binaries are the host's), bookworm elsewhere. */
export function debianSuite(osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : ''): string {
  const id = /^ID=(.*)$/m.exec(osRelease)?.[1]?.replace(/"/g, '');
  const codename = /^VERSION_CODENAME=(.*)$/m.exec(osRelease)?.[1]?.replace(/"/g, '');
  return id === 'debian' && codename ? codename : 'bookworm';
}

/** The Debian mirror apt already uses here (deb822 or one-line sources), else deb.debian.org. */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').filter((f) => /\.(list|sources)$/.test(f)).map((f) => join('/etc/apt/sources.list.d', f)) : [])];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8');
    const m = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(text);
    if (m) return m[1]!;
  }
  return 'http://deb.debian.org/debian';
}

export function imageTag(name: ImageName, suite = debianSuite()): string {
  const h = createHash('sha256').update([name, suite, ...IMAGE_PACKAGES[name], 'minbase'].join('\0')).digest('hex').slice(0, 12);
  return `localhost/faultline-${name}:${h}`;
}

function imageExists(engine: Pick<Engine, 'cli' | 'env'>, tag: string): boolean {
  try {
    execFileSync(engine.cli, ['image', 'inspect', tag], { env: engine.env, stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const on = (d: Buffer) => {
      for (const l of d.toString().split('\n').filter((x) => x.trim())) {
        tail.push(l);
        if (tail.length > 20) tail.shift();
        log(l);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${tail.join('\n')}`))));
  });
}

/** Builds the image unless a build with the same inputs exists; returns what it did. */
export async function ensureImage(engine: Pick<Engine, 'cli' | 'env'>, name: ImageName, workDir: string, log: (l: string) => void): Promise<string> {
  const suite = debianSuite();
  const tag = imageTag(name, suite);
  if (imageExists(engine, tag)) return `${tag} cached`;
  if (!existsSync('/usr/sbin/debootstrap')) throw new Error('debootstrap is not installed: run `just setup` (it installs it from Debian)');
  const rootfs = join(workDir, `rootfs-${name}`);
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const mirror = debianMirror();
  log(`debootstrap --variant=minbase ${suite} with ${IMAGE_PACKAGES[name].join(' ')} from ${mirror}`);
  try {
    await run('debootstrap', ['--variant=minbase', `--include=${IMAGE_PACKAGES[name].join(',')}`, suite, rootfs, mirror], process.env, log);
    // apt's lists and caches are not needed at run time
    for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) rmSync(join(rootfs, d), { recursive: true, force: true });
    log(`importing ${rootfs} as ${tag}`);
    await run('sh', ['-c', `tar -C "${rootfs}" -c . | "${engine.cli}" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "${tag}"`], engine.env, log);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  return `${tag} built`;
}
