// One system user per zone: the iptables owner match tells zones apart by uid,
// because every loopback connection leaves from 127.0.0.1.
import { execFileSync } from 'node:child_process';
import type { Zone } from '../topology.js';

export function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export function ensureZoneUsers(zones: Zone[]): void {
  for (const z of zones) {
    if (userExists(z.user)) continue;
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', z.user], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(
        `could not create the zone user ${z.user} (useradd failed: ${(e as Error).message.trim()}). ` +
          `The processes provider needs root for zone users and iptables; run as root or use --provider containers.`,
      );
    }
  }
}
