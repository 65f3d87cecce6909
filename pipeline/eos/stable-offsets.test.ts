import { findCoordinatorBody, frame, offsetFetchV7Body, parseFindCoordinatorV0, parseOffsetFetchV7, Reader } from './stable-offsets.js';

test('a flexible request frame: size, api key/version, correlation id, client id as a plain string, empty tags', () => {
  const f = frame(9, 7, 42, 'me', true, Buffer.from([0xaa]));
  const r = new Reader(f);
  expect(r.int32()).toBe(f.length - 4);
  expect([r.int16(), r.int16(), r.int32(), r.string(), r.uvarint()]).toEqual([9, 7, 42, 'me', 0]);
  expect(f.subarray(r.at)).toEqual(Buffer.from([0xaa]));
  // a non-flexible header has no tag buffer
  expect(frame(10, 0, 1, 'me', false, Buffer.alloc(0)).length).toBe(4 + 2 + 2 + 4 + 2 + 2);
});

test('OffsetFetch v7 body: compact group and topic, partitions, require_stable set', () => {
  const b = offsetFetchV7Body('g1', [{ topic: 'logs.raw', partitions: [0, 5] }], true);
  const r = new Reader(b);
  expect(r.compactNullableString()).toBe('g1');
  expect(r.uvarint()).toBe(2); // one topic
  expect(r.compactNullableString()).toBe('logs.raw');
  expect(r.uvarint()).toBe(3); // two partitions
  expect([r.int32(), r.int32()]).toEqual([0, 5]);
  expect(r.uvarint()).toBe(0); // topic tags
  expect(r.int8()).toBe(1); // require_stable
  expect(r.uvarint()).toBe(0);
  expect(r.at).toBe(b.length);
  expect(findCoordinatorBody('g1')).toEqual(Buffer.from([0, 2, 0x67, 0x31]));
});

test('OffsetFetch v7 and FindCoordinator v0 responses parse, including a partition that is UNSTABLE_OFFSET_COMMIT', () => {
  const i16 = (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
  const i64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return b; };
  const cstr = (s: string) => Buffer.concat([Buffer.from([s.length + 1]), Buffer.from(s)]);
  const body = Buffer.concat([
    i32(0), // throttle
    Buffer.from([2]), cstr('logs.raw'),
    Buffer.from([3]),
    i32(0), i64(1701n), i32(-1), cstr(''), i16(0), Buffer.from([0]),
    i32(1), i64(-1n), i32(-1), Buffer.from([0]), i16(88), Buffer.from([0]),
    Buffer.from([0]), // topic tags
    i16(0), Buffer.from([0]),
  ]);
  expect(parseOffsetFetchV7(body)).toEqual({
    errorCode: 0,
    offsets: [
      { topic: 'logs.raw', partition: 0, offset: 1701n, errorCode: 0 },
      { topic: 'logs.raw', partition: 1, offset: -1n, errorCode: 88 },
    ],
  });
  const host = Buffer.from('127.0.2.10');
  expect(parseFindCoordinatorV0(Buffer.concat([i16(0), i32(2), i16(host.length), host, i32(9092)]))).toEqual({ errorCode: 0, nodeId: 2, host: '127.0.2.10', port: 9092 });
});
