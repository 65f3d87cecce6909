// The final phase (Jepsen's): heal every fault, wait until the cluster is whole
// again (every process up, every partition with its full ISR) and every
// consumer group has committed to the end of its input, then drain.
import { clusterViews, endpoint, errorMessage, justCmd, notWhole, type Provider, resetToxics, type Topology, waitFor } from '../../cluster/index.js';
import { kafkaClient, readToEnd, watermarkProbe } from '../../pipeline/kafka/index.js';
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

/**
 * Every broker registered, no offline and no under-replicated partition, as every broker itself says (each asked
 * alone, all agreeing): a broker back from a cut answers from the cache it had before it for a while, where every ISR
 * was full and it still led partitions that moved away; asked through a client library, that answer passed for
 * "whole". `onStale` hears, once, the first disagreement seen (the run keeps it as a note). Returns the milliseconds
 * it took.
 */
export async function waitFullIsr(t: Topology, timeoutMs = 240_000, onStale?: (what: string) => void): Promise<number> {
  const t0 = Date.now();
  let told = false;
  let last: string[] = [];
  try {
    await waitFor(
      'every broker registered and every partition back to its full ISR, as every broker itself says',
      async () => {
        const views = await clusterViews(t.brokers, { compareController: t.coordination === 'zookeeper' });
        last = notWhole(views, t.brokers.length);
        if (views.disagreements.length && !views.silent.length && !told) {
          told = true;
          onStale?.(`${views.disagreements.length} disagreement(s) between the brokers' own views ${((Date.now() - t0) / 1000).toFixed(1)} s into the wait, e.g. ${views.disagreements.slice(0, 2).join('; ')}`);
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
  // the committed offsets, asked with require_stable (KIP-447) through librdkafka's admin
  const stable = kafkaClient(endpoint(ctx.topology, 'faultline-final-phase')).admin();
  await stable.connect();
  const probe = await watermarkProbe(endpoint(ctx.topology, 'faultline-final-phase'));
  const stableOffsets = async (groupId: string, topic: string) => {
    const [t] = await stable.fetchOffsets({ groupId, topics: [topic], requireStableOffsets: true, timeout: 10_000 });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  };
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
        const committed = await stableOffsets(group, input);
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
    await stable.disconnect();
    await probe.close();
  }
  return Date.now() - t0;
}
