// The final phase (Jepsen's): heal every fault, wait until the cluster is whole
// again (every process up, every partition with its full ISR) and every
// consumer group has committed to the end of its input, then drain.
import { clusterViews, electPreferredLeaders, endpoint, errorMessage, strandedPartitions, type TopicPartition, justCmd, notWhole, type Provider, resetToxics, type Topology, waitFor } from '../../cluster/index.js';
import { committedProbe, readToEnd, watermarkProbe } from '../../pipeline/kafka/index.js';
import type { ChaosContext } from './context.js';

/** Coordination first, brokers next, everything else last: the order in which stopped processes come back. */
export function startOrder(names: string[]): string[] {
  const rank = (n: string) => (/^(zookeeper|controller)-/.test(n) ? 0 : n.startsWith('broker-') ? 1 : 2);
  return [...names].sort((a, b) => rank(a) - rank(b));
}

/**
 * Undoes any fault left behind, by this run or a crashed earlier one: flushes
 * the partition chain, resumes paused processes, starts stopped ones, removes
 * every toxiproxy toxic. Returns what it had to fix (empty when nothing was
 * left over).
 */
export async function healEverything(provider: Provider, log: (l: string) => void = () => {}): Promise<string[]> {
  const fixed: string[] = [];
  try {
    await provider.healNetwork();
  } catch (e) {
    fixed.push(`could not remove the network cuts: ${errorMessage(e)}`);
  }
  for (const name of startOrder(provider.components().map((c) => c.name))) {
    try {
      if (await provider.running(name)) {
        // harmless to a running component, and ends any pause
        await provider.resume(name);
        continue;
      }
      await provider.restart(name);
    } catch (e) {
      // one component that cannot come back must not keep the others down
      fixed.push(`${name} could not be resumed or started (${errorMessage(e)}): run \`${justCmd('deploy', provider.name)}\``);
      continue;
    }
    fixed.push(`${name} was not running: started`);
  }
  // toxiproxy starts with the rest: its toxics go once it answers
  if (!(await resetToxics(provider.topology))) fixed.push('toxiproxy did not answer: its toxics could not be reset');
  for (const f of fixed) log(`heal: ${f}`);
  return fixed;
}

/** How long partitions may sit leaderless with their in-sync replicas online before the wait elects them. */
const STRANDED_GRACE_MS = 10_000;
/** Between two elections the wait asks for (at most 8 in a 240 s wait, each a note). */
const ELECTION_INTERVAL_MS = 30_000;

export interface FullIsrOptions {
  timeoutMs?: number;
  /** Hears, once, the first disagreement between the brokers' views seen (the run keeps it as a note). */
  onStale?: (what: string) => void;
  /** Hears each preferred leader election the wait asked for, and what it did (the run keeps it as a note). */
  onElection?: (what: string) => void;
}

/**
 * Every broker registered, no offline and no under-replicated partition, as every broker itself says (each asked
 * alone, all agreeing): a broker back from a cut answers from the cache it had before it for a while, where every ISR
 * was full and it still led partitions that moved away; asked through a client library, that answer passed for
 * "whole". Partitions that stay leaderless for 10 s although their in-sync replicas are all online get a preferred
 * leader election, as an operator would give them (KRaft leaves a broker's partitions so after it comes back with a
 * wiped disk, until its next leader balance: see cluster/elect-leaders.ts); `onElection` hears it. Returns the
 * milliseconds it took.
 */
export async function waitFullIsr(t: Topology, o: FullIsrOptions = {}): Promise<number> {
  const t0 = Date.now();
  let told = false;
  let last: string[] = [];
  let strandedSince: number | undefined;
  let electedAt = 0;
  const timeoutMs = o.timeoutMs ?? 240_000;
  try {
    await waitFor(
      'every broker registered and every partition back to its full ISR, as every broker itself says',
      async () => {
        const views = await clusterViews(t.brokers, { compareController: t.coordination === 'zookeeper' });
        last = notWhole(views, t.brokers.length);
        if (views.disagreements.length && !views.silent.length && !told) {
          told = true;
          o.onStale?.(`${views.disagreements.length} disagreement(s) between the brokers' own views ${((Date.now() - t0) / 1000).toFixed(1)} s into the wait, e.g. ${views.disagreements.slice(0, 2).join('; ')}`);
        }
        const stranded = !views.silent.length && !views.disagreements.length && views.agreed ? strandedPartitions(views.agreed) : [];
        strandedSince = stranded.length ? (strandedSince ?? Date.now()) : undefined;
        const left = t0 + timeoutMs - Date.now();
        if (strandedSince !== undefined && Date.now() - strandedSince >= STRANDED_GRACE_MS && Date.now() - electedAt >= ELECTION_INTERVAL_MS && left > 5000) {
          electedAt = Date.now();
          await elect(t, views.agreed!.controller, stranded, Math.min(15_000, left - 3000), (what) => o.onElection?.(`${((Date.now() - t0) / 1000).toFixed(1)} s into the wait: ${what}`));
        }
        return last.length === 0;
      },
      { timeoutMs, intervalMs: 500 },
    );
  } catch (e) {
    throw new Error(`${errorMessage(e)}; still: ${last.slice(0, 3).join('; ')}${last.length > 3 ? ` and ${last.length - 3} more` : ''}`);
  }
  return Date.now() - t0;
}

async function elect(t: Topology, controllerId: number, stranded: TopicPartition[], timeoutMs: number, tell: (what: string) => void): Promise<void> {
  const names = stranded.map((p) => `${p.topic}/${p.partition}`);
  const shown = `${names.slice(0, 4).join(', ')}${names.length > 4 ? ` and ${names.length - 4} more` : ''}`;
  const to = t.brokers.find((b) => b.id === controllerId) ?? t.brokers[0]!;
  try {
    const failed = await electPreferredLeaders(to.listener, stranded, timeoutMs);
    tell(
      `${stranded.length} partition(s) had no leader for ${STRANDED_GRACE_MS / 1000} s although their in-sync replicas were online (${shown}): ` +
        (failed.length ? `asked for a preferred leader election; not elected: ${failed.join('; ')}` : 'a preferred leader election gave them their leader'),
    );
  } catch (e) {
    tell(`${stranded.length} partition(s) had no leader although their in-sync replicas were online (${shown}); the preferred leader election failed: ${errorMessage(e)}`);
  }
}

/**
 * The group's committed offsets reach the end of its input: it has read and written everything before. The end is
 * asked again on every poll and the highest answer per partition kept: a broker that has just become a partition's
 * leader may still answer with an older high watermark, and a check against it passed while the stage still had
 * records to go (broker-down: "caught up" 0.5 s before the process stage wrote its last 1,811 records, so the
 * drain read the aggregates before their windows existed). The committed offsets are read stable (KIP-447's
 * require_stable): an offset commit still pending in an open transaction is waited for, never taken for the truth.
 * Caught up means so for a second.
 */
export async function waitCaughtUp(ctx: Pick<ChaosContext, 'topology'>, group: string, input: string, timeoutMs = 240_000): Promise<number> {
  const t0 = Date.now();
  const ends = new Map<number, bigint>();
  // the committed offsets, asked with require_stable (KIP-447), by a consumer of the group's id that never joins it
  const stable = await committedProbe(endpoint(ctx.topology, 'faultline-final-phase'), group);
  const probe = await watermarkProbe(endpoint(ctx.topology, 'faultline-final-phase'));
  let since: number | undefined;
  try {
    await waitFor(
      `group ${group} to commit up to the end of ${input}`,
      async () => {
        // the high watermark (a read_uncommitted question): the last stable offset stops before a transaction whose
        // markers are still being written, and "caught up" to it passed with the stage's last transaction unread
        for (const e of await probe.offsets(input)) {
          const high = BigInt(e.high) > BigInt(e.low) ? BigInt(e.high) : 0n;
          if (high > (ends.get(e.partition) ?? 0n)) ends.set(e.partition, high);
        }
        const committed = await stable.committed(input, [...ends.keys()]);
        // behind by a few offsets: caught up when nothing committed lies there to read. A transactional input ends
        // with its commit marker, which a consumer is never handed, so a stage that read everything has committed
        // the offset after its last record, one below the end (read_committed, as the stage reads)
        const behind = [...ends].filter(([p, end]) => (committed.get(p) ?? -1n) < end);
        const near = behind.filter(([p, end]) => (committed.get(p) ?? -1n) >= 0n && end - committed.get(p)! <= 16n);
        const done =
          behind.length === near.length &&
          (near.length === 0 ||
            (await readToEnd(endpoint(ctx.topology, 'faultline-final-phase'), input, { partitions: near.map(([p]) => p), from: new Map(near.map(([p]) => [p, committed.get(p)!.toString()])), timeoutMs: 10_000 })).length === 0);
        if (!done) since = undefined;
        else since ??= Date.now();
        return since !== undefined && Date.now() - since >= 1000;
      },
      { timeoutMs, intervalMs: 500 },
    );
  } finally {
    await stable.close();
    await probe.close();
  }
  return Date.now() - t0;
}
