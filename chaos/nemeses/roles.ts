// Finds nemesis targets by role from live metadata: a partition's leader, the
// active controller, the group and transaction coordinators.
import { AssignerProtocol, kraftQuorum, kafka, type Topology } from '../../cluster/index.js';

const letter = (zone: string) => zone.slice(-1);

export const brokerName = (t: Topology, id: number): string => {
  const b = t.brokers.find((x) => x.id === id);
  if (!b) throw new Error(`no broker with id ${id} in the topology`);
  return `broker-${letter(b.zone.name)}`;
};

/** Java's String.hashCode, which Kafka uses to place a group or transactional id on an internal topic partition. */
export function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Partition of __consumer_offsets / __transaction_state that holds an id (Utils.abs(hash) % partitions). */
export const coordinatorPartition = (id: string, partitions: number) => (javaHash(id) & 0x7fffffff) % partitions;

export async function leaderOf(t: Topology, topic: string, partition = 0): Promise<number> {
  const admin = kafka(t).admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const p = meta.topics[0]?.partitions.find((x) => x.partitionId === partition);
    if (!p || p.leader < 0) throw new Error(`${topic}/${partition} has no leader now`);
    return p.leader;
  } finally {
    await admin.disconnect();
  }
}

/** The active controller's process name: a broker under ZooKeeper, a controller process under KRaft. */
export async function activeController(t: Topology, kafkaLibs: string): Promise<string> {
  if (t.coordination === 'kraft') {
    const q = kraftQuorum(t, kafkaLibs);
    const c = t.controllers.find((x) => x.id === q.leaderId);
    if (!c) throw new Error(`the KRaft leader ${q.leaderId} is not in the topology`);
    return `controller-${letter(c.zone.name)}`;
  }
  const admin = kafka(t).admin();
  await admin.connect();
  try {
    const { controller } = await admin.describeCluster();
    if (controller === null || controller < 0) throw new Error('no active controller now');
    return brokerName(t, controller);
  } finally {
    await admin.disconnect();
  }
}

/** Brokers leading the internal partitions that coordinate these groups (offsets) and transactional ids. */
export async function coordinators(t: Topology, ids: { groups: string[]; transactionalIds: string[] }): Promise<{ broker: string; why: string }[]> {
  const n = t.defaults.internalTopicPartitions;
  const out: { broker: string; why: string }[] = [];
  for (const g of ids.groups) out.push({ broker: brokerName(t, await leaderOf(t, '__consumer_offsets', coordinatorPartition(g, n))), why: `group ${g}` });
  for (const x of ids.transactionalIds)
    out.push({ broker: brokerName(t, await leaderOf(t, '__transaction_state', coordinatorPartition(x, n))), why: `transactional id ${x}` });
  return out;
}

/**
 * The partitions each member of a consumer group holds now, by client id (the group's last completed assignment).
 * A member whose assignment cannot be decoded counts as holding none.
 */
export async function groupAssignment(t: Topology, group: string): Promise<Map<string, number[]>> {
  const admin = kafka(t).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    const out = new Map<string, number[]>();
    for (const m of groups[0]?.members ?? []) {
      let partitions: number[] = [];
      try {
        const decoded = m.memberAssignment.length ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
        partitions = Object.values(decoded?.assignment ?? {}).flat();
      } catch {
        // an assignment this decoder does not know: no partitions known
      }
      out.set(m.clientId, [...(out.get(m.clientId) ?? []), ...partitions]);
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}
