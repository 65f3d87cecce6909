import { exchange, frame, notWhole, parseMetadataV1, viewsDisagree, type BrokerView, type PartitionView } from './broker-view.js';

/** A Metadata v1 response body as a broker writes it (after size and correlation id). */
function encode(brokers: number[], controller: number, topics: Record<string, PartitionView[]>): Buffer {
  const parts: Buffer[] = [];
  const i16 = (n: number) => parts.push(Buffer.from([(n >> 8) & 0xff, n & 0xff]));
  const i32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    parts.push(b);
  };
  const str = (s: string | null) => (s === null ? i16(-1) : (i16(Buffer.byteLength(s)), parts.push(Buffer.from(s))));
  i32(brokers.length);
  for (const id of brokers) (i32(id), str(`127.0.${id}.10`), i32(9092), str(id === 2 ? null : `zone-${id}`));
  i32(controller);
  i32(Object.keys(topics).length);
  for (const [name, ps] of Object.entries(topics)) {
    i16(0);
    str(name);
    parts.push(Buffer.from([0]));
    i32(ps.length);
    ps.forEach((p, i) => {
      i16(0);
      i32(i);
      i32(p.leader);
      i32(p.replicas.length);
      p.replicas.forEach(i32);
      i32(p.isr.length);
      p.isr.forEach(i32);
    });
  }
  return Buffer.concat(parts);
}

const full = (leader: number): PartitionView => ({ leader, replicas: [1, 2, 3], isr: [1, 2, 3] });
const view = (partitions: Record<string, PartitionView>, brokers = [1, 2, 3], controller = 1): BrokerView => ({ brokers, controller, partitions: new Map(Object.entries(partitions)) });

describe('a broker’s own view of the cluster', () => {
  test('a Metadata v1 answer parses into brokers, controller, and each partition’s leader and ISR', () => {
    const v = parseMetadataV1(encode([3, 1, 2], 2, { 'logs.raw': [full(1), { leader: 2, replicas: [2, 3, 1], isr: [2, 3] }], 'logs.aggregates': [full(3)] }));
    expect(v.brokers).toEqual([1, 2, 3]);
    expect(v.controller).toBe(2);
    expect(v.partitions.get('logs.raw/1')).toEqual({ leader: 2, replicas: [2, 3, 1], isr: [2, 3] });
    expect(v.partitions.get('logs.aggregates/0')).toEqual(full(3));
  });

  test('views that say the same agree; a broker still leading what moved away while it was cut off does not', () => {
    const now = view({ 'logs.aggregates/1': full(1) });
    expect(viewsDisagree(new Map([[1, now], [2, now]]))).toEqual([]);
    const stale = view({ 'logs.aggregates/1': full(3) });
    expect(viewsDisagree(new Map([[1, now], [3, stale]]))).toEqual(['logs.aggregates/1: broker 3 says leader 3, isr [1,2,3], broker 1 says leader 1, isr [1,2,3]']);
  });

  test('under KRaft the controller each broker names is a random live broker: compared only when asked', () => {
    const a = view({ 'a/0': full(1) }, [1, 2, 3], 1);
    const b = view({ 'a/0': full(1) }, [1, 2, 3], 3);
    expect(viewsDisagree(new Map([[1, a], [2, b]]))).toEqual(['broker 2 says the controller is 3, broker 1 says 1']);
    expect(viewsDisagree(new Map([[1, a], [2, b]]), { controller: false })).toEqual([]);
  });

  test('whole only when every broker answers, all agree, all brokers are online and every ISR is full', () => {
    const ok = view({ 'a/0': full(1) });
    expect(notWhole({ silent: [], disagreements: [], agreed: ok }, 3)).toEqual([]);
    expect(notWhole({ silent: ['broker 2: no answer'], disagreements: [], agreed: ok }, 3)).toEqual(['broker 2: no answer']);
    expect(notWhole({ silent: [], disagreements: [], agreed: view({ 'a/0': full(1) }, [1, 3]) }, 3)).toEqual(['2 of 3 brokers online']);
    expect(notWhole({ silent: [], disagreements: [], agreed: view({ 'a/0': { leader: 1, replicas: [1, 2, 3], isr: [1, 3] } }) }, 3)).toEqual(['a/0 isr [1,3] of replicas [1,2,3]']);
    expect(notWhole({ silent: [], disagreements: [], agreed: view({ 'a/0': { leader: -1, replicas: [1], isr: [] } }) }, 3)).toEqual(['a/0 has no leader']);
    expect(notWhole({ silent: [], disagreements: [] }, 3)).toEqual(['no broker answered']);
  });
});

describe('one request on its own connection', () => {
  test('a broker that closes the connection without a whole answer fails the request at once, not never', async () => {
    const { createServer } = await import('node:net');
    // reads the request, answers half a frame, and hangs up
    const server = createServer((s) => s.once('data', () => s.end(Buffer.from([0, 0, 0, 20, 0, 0]))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      await expect(exchange({ host: '127.0.0.1', port }, frame(3, 1, 'test', Buffer.alloc(4)), 'metadata', 30_000)).rejects.toThrow(/gave no metadata: the connection closed after 6 bytes/);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      server.close();
    }
  }, 10_000);
});
