// Zone partitions on one host: DROP rules matched on the sending process's
// uid (one user per zone), all in one dedicated chain so healing is a single
// flush. On loopback every connection leaves from 127.0.0.1, so a rule on the
// destination catches only the packets of connections the sending zone opened;
// the packets a zone sends back on a connection another zone opened go to
// 127.0.0.1. Each connection is therefore marked at its first packet with the
// zone that opened it (conntrack mark, a second chain that a heal leaves),
// and a cut also drops the sending zone's packets on the other zone's
// connections.
import { execFileSync } from 'node:child_process';
import type { Zone, ZoneHost } from '../topology.js';

export const CHAIN = 'FAULTLINE';
/** Marks each new connection with the zone of the process that opens it; a heal leaves it, `down` removes it. */
export const MARK_CHAIN = 'FAULTLINE-CONN';
const MARK_MASK = 0x0f000000;
const zoneMark = (z: Zone) => `0x${((z.index << 24) & MARK_MASK).toString(16)}/0x${MARK_MASK.toString(16)}`;
/** Matches the packets a zone's processes send (its user's uid). */
const sentBy = (z: Zone) => ['-m', 'owner', '--uid-owner', z.user];
/** Matches the packets of connections a zone's processes opened. */
const markedBy = (z: Zone) => ['-m', 'connmark', '--mark', zoneMark(z)];
const markArgs = (z: Zone) => ['-m', 'conntrack', '--ctstate', 'NEW', ...sentBy(z), '-j', 'CONNMARK', '--set-xmark', zoneMark(z)];

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

/**
 * Creates both chains and jumps to them from OUTPUT, once, and marks the connections of `zones`. The marks must be
 * in place before the zones' processes connect (the deployment calls this before it starts them): a connection opened
 * before has no mark, and its way back is not cut.
 */
export function ensureChain(zones: Zone[] = []): void {
  for (const chain of [CHAIN, MARK_CHAIN]) {
    if (!ok(['-n', '-L', chain])) iptables(['-N', chain]);
    // inserted at 1 in this order, so marking comes first
    if (!ok(['-C', 'OUTPUT', '-j', chain])) iptables(['-I', 'OUTPUT', '1', '-j', chain]);
  }
  for (const z of zones) if (!ok(['-C', MARK_CHAIN, ...markArgs(z)])) iptables(['-A', MARK_CHAIN, ...markArgs(z)]);
}

export interface PartitionRule {
  from: Zone;
  to: Zone;
}

/**
 * `from`'s packets never reach `to`'s processes: those to its addresses, and those on connections `to` opened, which
 * go to 127.0.0.1 (the containers provider's cut, which drops by address in each sender's namespace, is the same).
 */
const ruleArgs = (r: PartitionRule): string[][] => [
  [...sentBy(r.from), '-d', r.to.cidr, '-j', 'DROP'],
  [...sentBy(r.from), ...markedBy(r.to), '-j', 'DROP'],
];

function append(rules: string[][]): void {
  for (const r of rules) if (!ok(['-C', CHAIN, ...r])) iptables(['-A', CHAIN, ...r]);
}

/** Cuts the packets `from`'s processes send to `to`'s; `symmetric` cuts the way back too. */
export function partition(from: Zone, to: Zone, opts: { symmetric: boolean }): PartitionRule[] {
  ensureChain([from, to]);
  const rules: PartitionRule[] = [{ from, to }];
  if (opts.symmetric) rules.push({ from: to, to: from });
  append(rules.flatMap(ruleArgs));
  return rules;
}

/** Isolates one zone from every other (both directions unless oneWay). */
export function isolateZone(zone: Zone, all: Zone[], opts: { symmetric: boolean }): PartitionRule[] {
  return all.filter((z) => z.name !== zone.name).flatMap((other) => partition(zone, other, opts));
}

/**
 * Cuts, both ways, the connections a zone's processes open to single hosts (e.g. the other zones' ZooKeeper nodes
 * only): the packets to each host, and the host's packets back, which go to 127.0.0.1 on a connection marked as
 * `from`'s. The connections a host opens are cut by cutting its zone from the other side's hosts too, as the
 * ZooKeeper partition does.
 */
export function cutHosts(from: Zone, hosts: ZoneHost[]): string[][] {
  ensureChain([from, ...hosts.map((h) => h.zone)]);
  const rules = hosts.flatMap(({ host, zone }) => [
    [...sentBy(from), '-d', `${host}/32`, '-j', 'DROP'],
    ['-s', `${host}/32`, ...sentBy(zone), ...markedBy(from), '-j', 'DROP'],
  ]);
  append(rules);
  return rules;
}

/** Removes the given rules (one fault's), leaving any other fault's rules in place. */
export function removeRules(rules: (PartitionRule | string[])[]): void {
  for (const args of rules.flatMap((r) => (Array.isArray(r) ? [r] : ruleArgs(r)))) {
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

function dropChain(chain: string): void {
  while (ok(['-C', 'OUTPUT', '-j', chain])) iptables(['-D', 'OUTPUT', '-j', chain]);
  if (ok(['-n', '-L', chain])) {
    iptables(['-F', chain]);
    iptables(['-X', chain]);
  }
}

/** Removes the connection marks: once the zones' processes are stopped, no connection needs them (`down`). */
export function removeMarks(): void {
  dropChain(MARK_CHAIN);
}

/** Removes both chains (used by `just clean`). */
export function removeChain(): void {
  for (const chain of [CHAIN, MARK_CHAIN]) dropChain(chain);
}
