// What one broker itself believes about the cluster: its own metadata cache, asked of it alone (a Metadata v1
// request on its own connection). A client library asks whichever broker it likes, and a broker that was cut off
// and has just come back still answers from the cache it had before the cut: every broker online, every ISR full,
// itself the leader of partitions that moved away meanwhile. A check of "the cluster is whole again" that read that
// cache passed at once, and a drain that followed it could read a partition up to that broker's old end.
import { connect } from 'node:net';
import type { Endpoint } from './topology.js';

export interface PartitionView {
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface BrokerView {
  brokers: number[];
  controller: number;
  /** By `topic/partition`. */
  partitions: Map<string, PartitionView>;
}

/** A request as a broker reads it: size, api key, version, correlation id, client id, then the body. */
export function frame(apiKey: number, version: number, clientId: string, body: Buffer): Buffer {
  const id = Buffer.from(clientId);
  const head = Buffer.alloc(2 + 2 + 4 + 2 + id.length);
  let o = head.writeInt16BE(apiKey, 0);
  o = head.writeInt16BE(version, o);
  o = head.writeInt32BE(1, o); // correlation id: one request per connection
  o = head.writeInt16BE(id.length, o);
  id.copy(head, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(head.length + body.length);
  return Buffer.concat([size, head, body]);
}

/** Sends one framed request on its own connection; resolves with the response body (after size and correlation id). */
export function exchange(e: Endpoint, request: Buffer, what: string, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: e.host, port: e.port });
    let got = Buffer.alloc(0);
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      s.destroy();
      reject(new Error(`broker ${e.host}:${e.port} gave no ${what}: ${why}`));
    };
    s.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    s.once('error', (err) => fail(err.message));
    // a broker that closes the connection without a whole answer (it is stopping, or refuses the request): the
    // socket's idle timer ends with it, so without this the promise would wait forever
    s.once('close', () => fail(`the connection closed after ${got.length} bytes of the answer`));
    s.once('connect', () => s.write(request));
    s.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length < 4 || got.length < 4 + got.readInt32BE(0)) return;
      settled = true;
      s.destroy();
      resolve(got.subarray(8, 4 + got.readInt32BE(0)));
    });
  });
}

/** Reads a non-flexible Kafka response body in order: int16, int32, nullable string, int32 array, and skips. */
export function wireReader(b: Buffer, start = 0) {
  let o = start;
  const i16 = () => ((o += 2), b.readInt16BE(o - 2));
  const i32 = () => ((o += 4), b.readInt32BE(o - 4));
  const str = () => {
    const n = i16();
    if (n < 0) return undefined;
    o += n;
    return b.toString('utf8', o - n, o);
  };
  return { i16, i32, str, ints: () => Array.from({ length: i32() }, i32), skip: (n: number) => void (o += n) };
}

/** Parses a Metadata v1 response body (after the size and correlation id). Exported for its unit test. */
export function parseMetadataV1(b: Buffer): BrokerView {
  const { i16, i32, str, ints, skip } = wireReader(b);
  const brokers: number[] = [];
  for (let n = i32(); n > 0; n--) {
    brokers.push(i32());
    str();
    i32();
    str();
  }
  const controller = i32();
  const partitions = new Map<string, PartitionView>();
  for (let t = i32(); t > 0; t--) {
    i16();
    const topic = str() ?? '';
    skip(1); // is_internal
    for (let p = i32(); p > 0; p--) {
      i16();
      const partition = i32();
      const leader = i32();
      partitions.set(`${topic}/${partition}`, { leader, replicas: ints(), isr: ints() });
    }
  }
  return { brokers: brokers.sort((x, y) => x - y), controller, partitions };
}

/** One broker's own view, asked of it alone; rejects when it does not answer within the bound. */
export async function brokerView(e: Endpoint, timeoutMs = 5000, clientId = 'faultline-view'): Promise<BrokerView> {
  // Metadata v1 (controller id, no topic auto-creation question) for every topic (a null array)
  const body = await exchange(e, frame(3, 1, clientId, Buffer.from([0xff, 0xff, 0xff, 0xff])), 'metadata', timeoutMs);
  try {
    return parseMetadataV1(body);
  } catch (err) {
    throw new Error(`broker ${e.host}:${e.port} answered metadata that does not parse: ${String(err)}`);
  }
}

const shown = (p: PartitionView | undefined) => (p ? `leader ${p.leader}, isr [${p.isr.join(',')}]` : 'unknown');

/**
 * Where the brokers' own views differ (empty when every broker that answered says the same): the brokers each
 * knows to be online, the controller (unless `controller: false`: under KRaft a broker names a random live broker
 * as the controller in every answer, as clients cannot reach the quorum), and each partition's leader and ISR.
 * Pure; exported for its unit test.
 */
export function viewsDisagree(views: Map<number, BrokerView>, o: { controller?: boolean } = {}): string[] {
  const all = [...views];
  if (all.length < 2) return [];
  const [firstId, first] = all[0]!;
  const out: string[] = [];
  for (const [id, v] of all.slice(1)) {
    if (v.brokers.join(',') !== first.brokers.join(',')) out.push(`broker ${id} sees brokers [${v.brokers.join(',')}], broker ${firstId} [${first.brokers.join(',')}]`);
    if (o.controller !== false && v.controller !== first.controller) out.push(`broker ${id} says the controller is ${v.controller}, broker ${firstId} says ${first.controller}`);
    for (const key of new Set([...first.partitions.keys(), ...v.partitions.keys()])) {
      const a = first.partitions.get(key);
      const b = v.partitions.get(key);
      if (shown(a) !== shown(b)) out.push(`${key}: broker ${id} says ${shown(b)}, broker ${firstId} says ${shown(a)}`);
    }
  }
  return out;
}

export interface ClusterViews {
  /** Brokers that did not answer, with why. */
  silent: string[];
  disagreements: string[];
  /** Online, offline and under-replicated as the brokers agree (from the first that answered). */
  agreed?: BrokerView;
}

/** Every broker of the topology asked for its own view at once (addresses as the topology lists them). */
export async function clusterViews(brokers: { id: number; listener: Endpoint }[], o: { timeoutMs?: number; compareController?: boolean } = {}): Promise<ClusterViews> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const answers = await Promise.all(brokers.map(async (b) => [b.id, await brokerView(b.listener, timeoutMs).catch((e: Error) => e)] as const));
  const views = new Map<number, BrokerView>();
  const silent: string[] = [];
  for (const [id, v] of answers) {
    if (v instanceof Error) silent.push(`broker ${id}: ${v.message}`);
    else views.set(id, v);
  }
  return { silent, disagreements: viewsDisagree(views, { controller: o.compareController }), agreed: views.values().next().value };
}

/**
 * Whole: every broker answers, all say the same, and what they say is every broker online, every partition led
 * and with its full ISR. Returns what is not whole yet (empty when whole).
 */
export function notWhole(c: ClusterViews, brokerCount: number): string[] {
  const out = [...c.silent, ...c.disagreements];
  const v = c.agreed;
  if (!v) return out.length ? out : ['no broker answered'];
  if (v.brokers.length !== brokerCount) out.push(`${v.brokers.length} of ${brokerCount} brokers online`);
  for (const [key, p] of v.partitions) {
    if (p.leader < 0) out.push(`${key} has no leader`);
    else if (p.isr.length < p.replicas.length) out.push(`${key} isr [${p.isr.join(',')}] of replicas [${p.replicas.join(',')}]`);
  }
  return out;
}
