// Partitions left without a leader although their in-sync replicas are back, and the preferred leader election an
// operator runs for them (`kafka-leader-election.sh --election-type preferred`), as an ElectLeaders v1 request.
//
// Why: under KRaft (3.9), a broker that comes back with an empty disk has a new log directory id. It is unfenced at
// once, but the partitions it alone held (replication factor 1) still name its old directory, so the controller does
// not elect it; the directory assignment that follows a moment later moves them to the new directory and elects
// nobody either. They stay leaderless until the controller's next automatic leader balance, up to
// `leader.imbalance.check.interval.seconds` (300 s) later. Found by the RF 1 zone-destroy control (docs/findings.md).
import type { BrokerView } from './broker-view.js';
import { exchange, frame, wireReader } from './broker-view.js';
import type { Endpoint } from './topology.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * Leaderless partitions whose in-sync replicas are all online and include the preferred replica (the first): a
 * preferred election would give them a leader now. Pure.
 */
export function strandedPartitions(v: BrokerView): TopicPartition[] {
  const online = new Set(v.brokers);
  const out: TopicPartition[] = [];
  for (const [key, p] of v.partitions) {
    if (p.leader >= 0 || !p.isr.length || !p.isr.every((b) => online.has(b)) || !p.isr.includes(p.replicas[0]!)) continue;
    const at = key.lastIndexOf('/');
    out.push({ topic: key.slice(0, at), partition: Number(key.slice(at + 1)) });
  }
  return out;
}

/** The body of an ElectLeaders v1 request: preferred election for these partitions. Exported for its unit test. */
export function electLeadersV1(partitions: TopicPartition[], timeoutMs: number): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  const parts: Buffer[] = [Buffer.from([0])]; // election_type: 0 = preferred
  const i32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    parts.push(b);
  };
  i32(byTopic.size);
  for (const [topic, ids] of byTopic) {
    const name = Buffer.from(topic);
    const len = Buffer.alloc(2);
    len.writeInt16BE(name.length);
    parts.push(len, name);
    i32(ids.length);
    ids.forEach(i32);
  }
  i32(timeoutMs);
  return Buffer.concat(parts);
}

export interface ElectionResult extends TopicPartition {
  /** Kafka's error code: 0 elected, 84 not needed (it has its preferred leader already). */
  errorCode: number;
  message?: string;
}

/** Parses an ElectLeaders v1 response body (after size and correlation id). Exported for its unit test. */
export function parseElectLeadersV1(b: Buffer): { errorCode: number; results: ElectionResult[] } {
  const { i16, i32, str } = wireReader(b, 4); // after throttle_time_ms
  const errorCode = i16();
  const results: ElectionResult[] = [];
  for (let t = i32(); t > 0; t--) {
    const topic = str() ?? '';
    for (let p = i32(); p > 0; p--) {
      const partition = i32();
      const code = i16();
      results.push({ topic, partition, errorCode: code, message: str() });
    }
  }
  return { errorCode, results };
}

const ELECTED = 0;
const NOT_NEEDED = 84;

/**
 * Asks for a preferred leader election of these partitions, of the broker that names itself or another the
 * controller (ZooKeeper: it must be the controller; KRaft: any broker forwards it to the quorum). Returns the
 * partitions that did not get a leader, with why.
 */
export async function electPreferredLeaders(controller: Endpoint, partitions: TopicPartition[], timeoutMs = 15_000): Promise<string[]> {
  if (!partitions.length) return [];
  const body = await exchange(controller, frame(43, 1, 'faultline-elect', electLeadersV1(partitions, timeoutMs)), 'election result', timeoutMs + 2000);
  const r = parseElectLeadersV1(body);
  if (r.errorCode !== 0) return [`the election was refused (Kafka error code ${r.errorCode})`];
  return r.results
    .filter((x) => x.errorCode !== ELECTED && x.errorCode !== NOT_NEEDED)
    .map((x) => `${x.topic}/${x.partition}: ${x.message ?? `Kafka error code ${x.errorCode}`}`);
}
