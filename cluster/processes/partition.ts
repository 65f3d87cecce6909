// Zone partitions on one host: DROP rules matched on the sending process's
// uid (one user per zone) and the destination zone's loopback range, all in
// one dedicated chain so healing is a single flush.
import { execFileSync } from 'node:child_process';
import type { Zone } from '../topology.js';

export const CHAIN = 'FAULTLINE';

function iptables(args: string[]): string {
  try {
    return execFileSync('iptables', ['-w', '5', ...args], { stdio: 'pipe' }).toString();
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`iptables ${args.join(' ')} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
}

function ok(args: string[]): boolean {
  try {
    execFileSync('iptables', ['-w', '5', ...args], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Creates the chain and jumps to it from OUTPUT, once. */
export function ensureChain(): void {
  if (!ok(['-n', '-L', CHAIN])) iptables(['-N', CHAIN]);
  if (!ok(['-C', 'OUTPUT', '-j', CHAIN])) iptables(['-I', 'OUTPUT', '1', '-j', CHAIN]);
}

export interface PartitionRule {
  from: Zone;
  to: Zone;
}

const ruleArgs = (r: PartitionRule) => ['-m', 'owner', '--uid-owner', r.from.user, '-d', r.to.cidr, '-j', 'DROP'];

/** Cuts traffic sent by `from`'s processes to `to`'s addresses; `symmetric` cuts the way back too. */
export function partition(from: Zone, to: Zone, opts: { symmetric: boolean }): PartitionRule[] {
  ensureChain();
  const rules: PartitionRule[] = [{ from, to }];
  if (opts.symmetric) rules.push({ from: to, to: from });
  for (const r of rules) if (!ok(['-C', CHAIN, ...ruleArgs(r)])) iptables(['-A', CHAIN, ...ruleArgs(r)]);
  return rules;
}

/** Isolates one zone from every other (both directions unless oneWay). */
export function isolateZone(zone: Zone, all: Zone[], opts: { symmetric: boolean }): PartitionRule[] {
  return all.filter((z) => z.name !== zone.name).flatMap((other) => partition(zone, other, opts));
}

/** Cuts traffic sent by a zone's processes to single hosts (e.g. the other zones' ZooKeeper nodes only). */
export function cutHosts(from: Zone, hosts: string[]): string[][] {
  ensureChain();
  const rules = hosts.map((h) => ['-m', 'owner', '--uid-owner', from.user, '-d', `${h}/32`, '-j', 'DROP']);
  for (const r of rules) if (!ok(['-C', CHAIN, ...r])) iptables(['-A', CHAIN, ...r]);
  return rules;
}

/** Removes the given rules (one fault's), leaving any other fault's rules in place. */
export function removeRules(rules: (PartitionRule | string[])[]): void {
  for (const r of rules) {
    const args = Array.isArray(r) ? r : ruleArgs(r);
    while (ok(['-C', CHAIN, ...args])) iptables(['-D', CHAIN, ...args]);
  }
}

/** Removes every partition rule; safe to call when the chain does not exist. */
export function healAll(): void {
  if (ok(['-n', '-L', CHAIN])) iptables(['-F', CHAIN]);
}

/** The rules currently in the chain, as iptables -S prints them. */
export function activeRules(): string[] {
  if (!ok(['-n', '-L', CHAIN])) return [];
  return iptables(['-S', CHAIN])
    .split('\n')
    .filter((l) => l.startsWith('-A '));
}

/** Removes the chain itself (used by `just clean`). */
export function removeChain(): void {
  while (ok(['-C', 'OUTPUT', '-j', CHAIN])) iptables(['-D', 'OUTPUT', '-j', CHAIN]);
  if (ok(['-n', '-L', CHAIN])) {
    iptables(['-F', CHAIN]);
    iptables(['-X', CHAIN]);
  }
}
