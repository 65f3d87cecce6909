import { electLeadersV1, parseElectLeadersV1, strandedPartitions } from './elect-leaders.js';
import type { BrokerView, PartitionView } from './broker-view.js';

const view = (partitions: Record<string, PartitionView>, brokers = [1, 2, 3]): BrokerView => ({ brokers, controller: 1, partitions: new Map(Object.entries(partitions)) });

describe('partitions an election would give a leader', () => {
  test('leaderless with every in-sync replica online, the preferred one among them: stranded; led, an in-sync replica offline, or the preferred replica out of sync: not', () => {
    const v = view({
      'chaos.x.raw/0': { leader: -1, replicas: [3], isr: [3] },
      'chaos.x.raw/1': { leader: 1, replicas: [1], isr: [1] },
      'a.b/c/2': { leader: -1, replicas: [2, 3], isr: [2] },
      'logs.raw/4': { leader: -1, replicas: [4], isr: [4] },
      'logs.raw/5': { leader: -1, replicas: [1], isr: [] },
      'logs.raw/6': { leader: -1, replicas: [3, 2], isr: [2] },
    });
    expect(strandedPartitions(v)).toEqual([
      { topic: 'chaos.x.raw', partition: 0 },
      { topic: 'a.b/c', partition: 2 },
    ]);
  });
});

describe('the ElectLeaders v1 wire format', () => {
  test('the request: preferred, partitions grouped by topic, then the timeout', () => {
    const b = electLeadersV1([{ topic: 'ab', partition: 0 }, { topic: 'c', partition: 5 }, { topic: 'ab', partition: 3 }], 15_000);
    const expected = Buffer.concat([
      Buffer.from([0]), // preferred
      Buffer.from([0, 0, 0, 2]), // two topics
      Buffer.from([0, 2]), Buffer.from('ab'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3]),
      Buffer.from([0, 1]), Buffer.from('c'), Buffer.from([0, 0, 0, 1, 0, 0, 0, 5]),
      Buffer.from([0, 0, 0x3a, 0x98]), // 15,000 ms
    ]);
    expect(b).toEqual(expected);
  });

  test('the response: each partition with its error code and message', () => {
    const parts: Buffer[] = [];
    const i16 = (n: number) => { const x = Buffer.alloc(2); x.writeInt16BE(n); parts.push(x); };
    const i32 = (n: number) => { const x = Buffer.alloc(4); x.writeInt32BE(n); parts.push(x); };
    const str = (s: string | null) => (s === null ? i16(-1) : (i16(Buffer.byteLength(s)), parts.push(Buffer.from(s))));
    i32(0); // throttle
    i16(0);
    i32(1);
    str('chaos.x.raw');
    i32(2);
    (i32(0), i16(0), str(null));
    (i32(5), i16(80), str('preferred leader not available'));
    expect(parseElectLeadersV1(Buffer.concat(parts))).toEqual({
      errorCode: 0,
      results: [
        { topic: 'chaos.x.raw', partition: 0, errorCode: 0, message: undefined },
        { topic: 'chaos.x.raw', partition: 5, errorCode: 80, message: 'preferred leader not available' },
      ],
    });
  });
});
