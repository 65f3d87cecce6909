// The registry reachable here serves only the linux-x64 build of rust-just, so
// `npm install` leaves its other platform packages out of package-lock.json and
// `npm ci` then refuses the lock. This records them as optional, os/cpu-bound
// entries (never fetched on this platform). Run after changing dependencies:
// `just lock`.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const platforms = {
  'darwin-arm64': ['darwin', 'arm64'], 'darwin-x64': ['darwin', 'x64'], 'linux-arm': ['linux', 'arm'],
  'linux-arm64': ['linux', 'arm64'], 'linux-armv7': ['linux', 'arm'], 'linux-loong64': ['linux', 'loong64'],
  'linux-riscv64': ['linux', 'riscv64'], 'linux-x64': ['linux', 'x64'], 'windows-arm64': ['win32', 'arm64'],
  'windows-x64': ['win32', 'x64'],
};
const parent = lock.packages['node_modules/rust-just'];
let added = 0;
for (const [name, version] of Object.entries(parent?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [os, cpu] = platforms[name.slice('rust-just-'.length)] ?? [];
  if (!os) throw new Error(`unknown rust-just platform package ${name}`);
  lock.packages[key] = { version, cpu: [cpu], dev: true, license: 'CC0-1.0', optional: true, os: [os] };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} rust-just platform entries recorded`);
