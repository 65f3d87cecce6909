// The local nemeses, one implementation for every local provider: kill, pause
// and graceful restart of the deployed components (processes or containers),
// by name, by role or by zone, and network cuts between zones (the provider's
// own: iptables owner match on the host, or rules inside the containers).
// Each returns what it hit and its own undo.
import { addLatency, cacheLayout, removeToxics, type Provider, type Topology, type Zone } from '../../cluster/index.js';
import { pick, sleep, type ChaosContext } from '../core/context.js';
import { startOrder, waitFullIsr } from '../core/final-phase.js';
import type { Fault, Injected } from '../core/nemesis.js';
import { stageClientId, stageTransactionalId } from '../../pipeline/eos/index.js';
import { activeController, brokerName, coordinators, groupAssignment, leaderOf } from './roles.js';

const letter = (zone: string) => zone.slice(-1);
/** The local deployment these faults act on: in the cluster there is none (Chaos Mesh injects the faults there). */
const local = (ctx: ChaosContext): Provider => {
  if (!ctx.provider) throw new Error("the local nemeses need the local deployment; in the cluster the faults are Chaos Mesh's");
  return ctx.provider;
};
const brokers = (ctx: ChaosContext) => ctx.topology.brokers.map((b) => `broker-${letter(b.zone.name)}`);

/**
 * A broker brought back is back when every broker is registered and every partition has its full ISR again. The
 * nemesis waits for it after the fault's window has ended (`settle`, bounded: 120 s), so the schedule's next fault
 * finds a whole cluster: a broker fault at a time means one. (A broker-kill run once killed broker-a while
 * broker-c, restarted 12 s before, was still recovering its logs, and partitions went offline for 18 s.)
 */
const backInSync = (ctx: ChaosContext, names: string[]) => async (): Promise<void> => {
  if (!names.some((n) => n.startsWith('broker-'))) return;
  const ms = await waitFullIsr(ctx.topology, {
    timeoutMs: 120_000,
    onStale: (what) => ctx.log(`nemesis: waiting for the brokers to agree: ${what}`),
    onElection: (what) => (ctx.notes.push(`after ${names.join(', ')} came back: ${what}`), ctx.log(`nemesis: ${what}`)),
  });
  ctx.log(`nemesis: ${names.join(', ')} back, every partition in full ISR ${(ms / 1000).toFixed(1)} s after the restart`);
};

/** SIGKILL then, on undo, start again with the same data. */
async function killed(ctx: ChaosContext, names: string[], detail?: string): Promise<Injected> {
  const p = local(ctx);
  await Promise.all(names.map((n) => p.kill(n)));
  return {
    targets: names,
    detail,
    async undo() {
      for (const n of names) await p.restart(n);
    },
    settle: backInSync(ctx, names),
  };
}

const killByRole = (name: string, description: string, find: (ctx: ChaosContext) => Promise<{ target: string; detail: string }>): Fault => ({
  name,
  description,
  async inject(ctx) {
    const { target, detail } = await find(ctx);
    return killed(ctx, [target], detail);
  },
});

export const brokerKill: Fault = {
  name: 'broker-kill',
  description: 'SIGKILL one broker (picked with the seed), restart it with its data',
  async inject(ctx) {
    return killed(ctx, [pick(ctx.rng, brokers(ctx))]);
  },
};

export const brokerPause: Fault = {
  name: 'broker-pause',
  description: 'SIGSTOP one broker (a GC pause that never ends, a hung VM), SIGCONT on undo',
  holdsWrites: true,
  async inject(ctx) {
    const b = pick(ctx.rng, brokers(ctx));
    await local(ctx).pause(b);
    return { targets: [b], undo: () => local(ctx).resume(b), settle: backInSync(ctx, [b]) };
  },
};

export const brokerRestart: Fault = {
  name: 'broker-restart',
  description: 'graceful shutdown of one broker (leaders moved away first), start it again on undo',
  async inject(ctx) {
    const b = pick(ctx.rng, brokers(ctx));
    await local(ctx).stop(b);
    return { targets: [b], undo: () => local(ctx).restart(b), settle: backInSync(ctx, [b]) };
  },
};

export const leaderKill = killByRole('leader-kill', "SIGKILL the leader of partition 0 of the workload's topic", async (ctx) => {
  const topic = ctx.topics[0]!;
  return { target: brokerName(ctx.topology, await leaderOf(ctx.topology, topic, 0)), detail: `leader of ${topic}/0` };
});

export const controllerKill = killByRole('controller-kill', 'SIGKILL the active controller (a broker under ZooKeeper, the KRaft leader under KRaft)', async (ctx) => ({
  target: await activeController(ctx.topology, cacheLayout(local(ctx).paths.cache).kafkaLibs),
  detail: 'active controller',
}));

export const coordinatorKill = killByRole('coordinator-kill', "SIGKILL the broker coordinating the pipeline's consumer group and transactions", async (ctx) => {
  // EOS v2: one transactional id per stage instance
  const transactionalIds = ctx.groups.flatMap((g) => ctx.topology.zones.map((z) => stageTransactionalId(g, z.name)));
  const found = await coordinators(ctx.topology, { groups: ctx.groups, transactionalIds });
  const c = pick(ctx.rng, found);
  return { target: c.broker, detail: `coordinator of ${c.why}` };
});

/**
 * The coordination quorum's members, whichever it is: ZooKeeper's ensemble or the KRaft controllers. Each fault on
 * the quorum is written once for both, and applies to the mode whose quorum it names.
 */
type Quorum = 'zookeeper' | 'kraft';
const quorumMembers = (t: Topology, q: Quorum): { name: string; zone: Zone; host: string }[] =>
  q === 'zookeeper'
    ? t.zookeepers.map((z) => ({ name: `zookeeper-${letter(z.zone.name)}`, zone: z.zone, host: z.client.host }))
    : t.controllers.map((c) => ({ name: `controller-${letter(c.zone.name)}`, zone: c.zone, host: c.listener.host }));

/** SIGKILL one member of the quorum picked with the seed, restart it on undo. */
const quorumMemberKill = (name: string, description: string, q: Quorum): Fault => ({
  name,
  description,
  modes: [q],
  async inject(ctx) {
    return killed(ctx, [pick(ctx.rng, quorumMembers(ctx.topology, q).map((m) => m.name))]);
  },
});

/** Cut one zone from the other zones' quorum members, both ways; on undo, heal each cut. */
const quorumPartition = (name: string, description: string, q: Quorum, from: string, holdsWrites: boolean): Fault => ({
  name,
  description,
  modes: [q],
  holdsWrites,
  async inject(ctx) {
    const zone = pick(ctx.rng, ctx.topology.zones);
    const members = quorumMembers(ctx.topology, q);
    const others = members.filter((m) => m.zone.name !== zone.name);
    const own = members.find((m) => m.zone.name === zone.name)!;
    const cuts = [await local(ctx).cutHosts(zone, others)];
    for (const m of others) cuts.push(await local(ctx).cutHosts(m.zone, [own]));
    return {
      targets: [zone.name],
      detail: `${own.name} cut from the ${from}`,
      undo: async () => {
        for (const c of cuts) await c.heal();
      },
    };
  },
});

export const zookeeperKill = quorumMemberKill('zookeeper-kill', 'SIGKILL one ZooKeeper node (the ensemble keeps its quorum with two)', 'zookeeper');
export const kraftControllerKill = quorumMemberKill(
  'kraft-controller-kill',
  'SIGKILL one KRaft controller picked with the seed, active or not (the quorum keeps its majority with two), restart it',
  'kraft',
);

const zoneProcesses = (ctx: ChaosContext, zone: Zone) =>
  local(ctx)
    .components()
    .filter((c) => c.zone === zone.name)
    .map((c) => c.name);

/** Kills every process of a zone picked with the seed; `wipe` then empties its disks once they are all gone. */
const zoneDown = (name: string, description: string, wipe: boolean): Fault => ({
  name,
  description,
  async inject(ctx) {
    const zone = pick(ctx.rng, ctx.topology.zones);
    const names = zoneProcesses(ctx, zone);
    const p = local(ctx);
    await Promise.all(names.map((n) => p.kill(n)));
    let detail = names.join(' ');
    if (wipe) {
      // the kill is asynchronous: wait (bounded) until every process is gone before its disk is wiped
      const anyRunning = async () => (await Promise.all(names.map((n) => p.running(n)))).some(Boolean);
      for (let i = 0; i < 100 && (await anyRunning()); i++) await new Promise((r) => setTimeout(r, 100));
      const wiped: string[] = [];
      for (const n of names.filter((n) => /^(broker|zookeeper|controller)-/.test(n))) wiped.push(await p.wipeData(n));
      detail = `wiped ${wiped.join(' ')}`;
    }
    return {
      targets: [zone.name],
      detail,
      async undo() {
        for (const n of startOrder(names)) await p.restart(n);
      },
    };
  },
});

export const zoneKill = zoneDown('zone-kill', 'SIGKILL every process of one zone (a datacenter loses power), restart them with their data', false);
export const zoneDestroy = zoneDown(
  'zone-destroy',
  "SIGKILL every process of one zone and wipe its brokers' and ZooKeeper's data: the zone comes back as new, empty machines",
  true,
);

const zonePartition = (name: string, symmetric: boolean): Fault => ({
  name,
  description: symmetric
    ? 'cut one zone from the other two, both ways (iptables owner match on the zone user)'
    : 'one-way: one zone cannot send to the others, but still receives (iptables owner match)',
  async inject(ctx) {
    const zone = pick(ctx.rng, ctx.topology.zones);
    const cut = await local(ctx).isolateZone(zone, { symmetric });
    return { targets: [zone.name], detail: cut.rules.join(', '), undo: cut.heal };
  },
});

export const leaderZonePartition: Fault = {
  name: 'leader-zone-partition',
  description: "cut the zone of the leader of the workload's partition 0 from the other zones, both ways: clients outside still reach the old leader",
  async inject(ctx) {
    const topic = ctx.topics[0]!;
    const id = await leaderOf(ctx.topology, topic, 0);
    const zone = ctx.topology.brokers.find((b) => b.id === id)!.zone;
    const cut = await local(ctx).isolateZone(zone, { symmetric: true });
    return { targets: [zone.name], detail: `leader of ${topic}/0 is ${brokerName(ctx.topology, id)}`, undo: cut.heal };
  },
};

export const zonePartitionSymmetric = zonePartition('zone-partition', true);
export const zonePartitionOneWay = zonePartition('zone-partition-one-way', false);

export const zookeeperPartition = quorumPartition(
  'zookeeper-partition',
  "cut one zone from the other zones' ZooKeeper nodes, both ways: its ZooKeeper loses the quorum, its broker its session",
  'zookeeper',
  'ensemble',
  // the controller still reaches the cut broker on its own port: LeaderAndIsr tells it at once that it leads nothing
  false,
);
export const kraftQuorumPartition = quorumPartition(
  'kraft-quorum-partition',
  "cut one zone from the other zones' KRaft controllers, both ways: its controller loses the quorum, its broker the active controller",
  'kraft',
  'quorum',
  // A KRaft broker learns who leads only from the metadata log, which the cut keeps from it. Once the controller fences
  // it (broker.session.timeout.ms) and elects new leaders, it goes on as leader of its partitions with the old epoch:
  // the other replicas fetch from the new leaders, so its acks=all writes wait for followers that never come, until
  // the cut heals and it truncates what it appended alone (seen in broker-b's log on 2026-12-04: "Truncating
  // partition logs.raw-4 ... due to leader epoch" the moment the cut healed). No write is lost; writes to its
  // partitions are held from the fence to the heal, so the bound counts from the heal, as for a frozen broker.
  true,
);

/** How long processor-kill waits for its group to hand out partitions (after a kill, the group rebalances). */
const ASSIGNMENT_WAIT_MS = 10_000;

/**
 * The group's assignment once some member holds partitions: a kill during a rebalance hits an instance that holds
 * nothing and is processing nothing (the EOS-off control then was not caught: 1 run of 10, 3 of its 4 kills mid
 * rebalance). Asked every 500 ms for up to ASSIGNMENT_WAIT_MS; the last answer (maybe empty) after that.
 */
async function settledAssignment(ctx: ChaosContext, group: string): Promise<Map<string, number[]>> {
  const until = Date.now() + ASSIGNMENT_WAIT_MS;
  let held = new Map<string, number[]>();
  for (let attempt = 0; attempt < 40 && Date.now() < until; attempt++) {
    held = await groupAssignment(ctx.topology, group).catch(() => new Map<string, number[]>());
    if ([...held.values()].some((p) => p.length)) return held;
    await sleep(500);
  }
  return held;
}

/**
 * SIGKILL a process-stage instance that holds partitions now, by its group's last completed assignment (a kill of
 * one that holds none, say during a rebalance, tests nothing); any instance when none is known to hold any.
 */
export const processorKill: Fault = {
  name: 'processor-kill',
  description: "SIGKILL one process-stage instance holding partitions (the experiment's own when it runs any, else a deployed one), restart it",
  async inject(ctx) {
    const group = ctx.groups[0];
    const held = group ? await settledAssignment(ctx, group) : new Map<string, number[]>();
    const holding = (clientId?: string) => (clientId ? (held.get(clientId) ?? []) : []);
    const aim = <T extends { clientId?: string }>(pool: T[]): { target: T; detail: string } => {
      const holders = pool.filter((x) => holding(x.clientId).length);
      const target = pick(ctx.rng, holders.length ? holders : pool);
      const detail = holders.length ? `holds partitions ${holding(target.clientId).join(', ')} of ${group}` : `no instance known to hold partitions of ${group ?? 'its group'}: picked at random`;
      return { target, detail };
    };
    if (ctx.owned.length) {
      const running = ctx.owned.filter((o) => o.running());
      const { target, detail } = aim(running.length ? running : ctx.owned);
      target.kill();
      return { targets: [target.name], detail, undo: () => target.restart() };
    }
    const deployed = ctx.topology.zones.map((z) => ({ name: `process-${letter(z.name)}`, clientId: stageClientId('process', z.name) }));
    const { target, detail } = aim(deployed);
    return killed(ctx, [target.name], detail);
  },
};

export const latency: Fault = {
  name: 'latency',
  description: 'toxiproxy adds 200 ms (± 50 ms) each way between clients and every broker (clients that bootstrap through the proxies)',
  async inject(ctx) {
    const t = ctx.topology;
    const toxics = await addLatency(t, t.brokers.map((b) => b.id), 200, 50);
    return { targets: brokers(ctx), detail: '200 ms ± 50 ms each way', undo: () => removeToxics(t, toxics) };
  },
};

export const FAULTS: Fault[] = [
  brokerKill,
  brokerPause,
  brokerRestart,
  leaderKill,
  controllerKill,
  coordinatorKill,
  zookeeperKill,
  zookeeperPartition,
  kraftControllerKill,
  kraftQuorumPartition,
  zoneKill,
  zoneDestroy,
  zonePartitionSymmetric,
  zonePartitionOneWay,
  leaderZonePartition,
  processorKill,
  latency,
];

export const faultByName = (name: string): Fault => {
  const f = FAULTS.find((x) => x.name === name);
  if (!f) throw new Error(`no fault ${name}; faults are ${FAULTS.map((x) => x.name).join(', ')}`);
  return f;
};
