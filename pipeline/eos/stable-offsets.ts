// Committed offsets that are stable: OffsetFetch v7 with require_stable
// (KIP-447), which kafkajs cannot send (it stops at v4). After a transaction
// commits, the group coordinator applies its offsets asynchronously, so a
// plain OffsetFetch right after fencing a zombie can still return the offset
// from before the zombie's last commit, and the stage replays a committed
// batch (broker-kill caught duplicates this way about once in eight runs).
// With require_stable the coordinator answers UNSTABLE_OFFSET_COMMIT while any
// transactional offset commit for the partition is pending; we retry until it
// is settled. A small client of our own over node:net: FindCoordinator v0,
// then OffsetFetch v7 (a flexible version: compact strings and arrays, tagged
// fields).
import { connect, type Socket } from 'node:net';

const API_FIND_COORDINATOR = 10;
const API_OFFSET_FETCH = 9;

export const ERRORS: Record<number, string> = {
  14: 'COORDINATOR_LOAD_IN_PROGRESS',
  15: 'COORDINATOR_NOT_AVAILABLE',
  16: 'NOT_COORDINATOR',
  88: 'UNSTABLE_OFFSET_COMMIT',
};
/** Errors that pass: the coordinator moves, loads, or waits for a transaction to settle. */
const RETRIABLE = new Set([14, 15, 16, 88]);

// ---- encoding (pure; unit-tested) ----

class Writer {
  private parts: Buffer[] = [];
  int8(v: number) {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v: number) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  uvarint(v: number) {
    const bytes: number[] = [];
    do {
      let byte = v & 0x7f;
      v >>>= 7;
      if (v) byte |= 0x80;
      bytes.push(byte);
    } while (v);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  string(s: string) {
    const b = Buffer.from(s, 'utf8');
    return this.int16(b.length).raw(b);
  }
  compactString(s: string) {
    const b = Buffer.from(s, 'utf8');
    return this.uvarint(b.length + 1).raw(b);
  }
  raw(b: Buffer) {
    this.parts.push(b);
    return this;
  }
  buffer() {
    return Buffer.concat(this.parts);
  }
}

export class Reader {
  constructor(
    private readonly b: Buffer,
    public at = 0,
  ) {}
  int8() {
    return this.b.readInt8((this.at += 1) - 1);
  }
  int16() {
    return this.b.readInt16BE((this.at += 2) - 2);
  }
  int32() {
    return this.b.readInt32BE((this.at += 4) - 4);
  }
  int64() {
    return this.b.readBigInt64BE((this.at += 8) - 8);
  }
  uvarint() {
    let v = 0;
    let shift = 0;
    for (;;) {
      const byte = this.b[this.at++]!;
      v |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v >>> 0;
      shift += 7;
    }
  }
  string() {
    const n = this.int16();
    return n < 0 ? null : this.b.toString('utf8', (this.at += n) - n, this.at);
  }
  compactNullableString() {
    const n = this.uvarint() - 1;
    return n < 0 ? null : this.b.toString('utf8', (this.at += n) - n, this.at);
  }
  tags() {
    for (let n = this.uvarint(); n > 0; n--) {
      this.uvarint();
      this.at += this.uvarint();
    }
  }
}

/** A request frame: size, header (v1 for FindCoordinator v0, v2 for flexible OffsetFetch v7), body. */
export function frame(apiKey: number, apiVersion: number, correlationId: number, clientId: string, flexible: boolean, body: Buffer): Buffer {
  const header = new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).string(clientId);
  if (flexible) header.uvarint(0);
  const payload = Buffer.concat([header.buffer(), body]);
  return Buffer.concat([new Writer().int32(payload.length).buffer(), payload]);
}

export const findCoordinatorBody = (groupId: string) => new Writer().string(groupId).buffer();

export function offsetFetchV7Body(groupId: string, topics: { topic: string; partitions: number[] }[], requireStable: boolean): Buffer {
  const w = new Writer().compactString(groupId).uvarint(topics.length + 1);
  for (const t of topics) {
    w.compactString(t.topic).uvarint(t.partitions.length + 1);
    for (const p of t.partitions) w.int32(p);
    w.uvarint(0);
  }
  return w.int8(requireStable ? 1 : 0).uvarint(0).buffer();
}

export function parseFindCoordinatorV0(body: Buffer): { errorCode: number; host: string; port: number; nodeId: number } {
  const r = new Reader(body);
  const errorCode = r.int16();
  const nodeId = r.int32();
  const host = r.string() ?? '';
  const port = r.int32();
  return { errorCode, nodeId, host, port };
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  /** -1: nothing committed */
  offset: bigint;
  errorCode: number;
}

/** The OffsetFetch v7 response body (after the flexible response header). */
export function parseOffsetFetchV7(body: Buffer): { errorCode: number; offsets: FetchedOffset[] } {
  const r = new Reader(body);
  r.int32(); // throttle_time_ms
  const offsets: FetchedOffset[] = [];
  for (let t = r.uvarint() - 1; t > 0; t--) {
    const topic = r.compactNullableString() ?? '';
    for (let p = r.uvarint() - 1; p > 0; p--) {
      const partition = r.int32();
      const offset = r.int64();
      r.int32(); // committed_leader_epoch
      r.compactNullableString(); // metadata
      const errorCode = r.int16();
      r.tags();
      offsets.push({ topic, partition, offset, errorCode });
    }
    r.tags();
  }
  const errorCode = r.int16();
  r.tags();
  return { errorCode, offsets };
}

// ---- the client ----

/** One request, one response on a fresh connection (these calls are rare: once per partition assignment). */
function roundTrip(host: string, port: number, request: Buffer, flexibleResponse: boolean, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    const done = (e?: Error, body?: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      if (e) reject(e);
      else resolve(body!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (e) => done(e));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (buf.length < 4 + size) return;
      const r = new Reader(buf.subarray(4, 4 + size));
      r.int32(); // correlation id
      if (flexibleResponse) r.tags();
      done(undefined, buf.subarray(4 + r.at, 4 + size));
    });
  });
}

export interface StableOffsetOptions {
  brokers: string[];
  clientId?: string;
  /** Overall bound: retries of unstable/moving coordinators stop here with an error. */
  timeoutMs?: number;
}

/**
 * The group's committed offsets for these partitions, stable: no transactional offset commit pending.
 * `null` where nothing is committed. Throws after `timeoutMs` of retriable errors, saying which.
 */
export async function fetchStableOffsets(groupId: string, topic: string, partitions: number[], o: StableOffsetOptions): Promise<Map<number, bigint | null>> {
  const clientId = o.clientId ?? 'faultline-stable-offsets';
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let correlation = 1;
  let last = 'no attempt';
  for (let attempt = 0; Date.now() < deadline && attempt < 500; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, Math.min(500, 50 * attempt)));
    try {
      // any live broker answers FindCoordinator
      let coordinator: { host: string; port: number } | undefined;
      for (const b of o.brokers) {
        const [host, port] = [b.slice(0, b.lastIndexOf(':')), Number(b.slice(b.lastIndexOf(':') + 1))];
        try {
          const fc = parseFindCoordinatorV0(await roundTrip(host, port, frame(API_FIND_COORDINATOR, 0, correlation++, clientId, false, findCoordinatorBody(groupId)), false, 3000));
          if (fc.errorCode === 0) {
            coordinator = fc;
            break;
          }
          last = `FindCoordinator: ${ERRORS[fc.errorCode] ?? `error ${fc.errorCode}`}`;
        } catch (e) {
          last = `FindCoordinator via ${b}: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      if (!coordinator) continue;
      const res = parseOffsetFetchV7(
        await roundTrip(coordinator.host, coordinator.port, frame(API_OFFSET_FETCH, 7, correlation++, clientId, true, offsetFetchV7Body(groupId, [{ topic, partitions }], true)), true, 5000),
      );
      const errs = [res.errorCode, ...res.offsets.map((x) => x.errorCode)].filter((c) => c !== 0);
      if (errs.length) {
        last = `OffsetFetch: ${errs.map((c) => ERRORS[c] ?? `error ${c}`).join(', ')}`;
        if (errs.every((c) => RETRIABLE.has(c))) continue;
        throw new Error(`OffsetFetch for group ${groupId} failed: ${last}`);
      }
      return new Map(partitions.map((p) => [p, (() => {
        const f = res.offsets.find((x) => x.partition === p);
        return !f || f.offset < 0n ? null : f.offset;
      })()]));
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('OffsetFetch for group')) throw e;
      last = e instanceof Error ? e.message : String(e);
    }
  }
  throw new Error(`no stable committed offset for group ${groupId} on ${topic} ${partitions.join(',')} within the bound (last: ${last}); the partition is not processed until it is`);
}
