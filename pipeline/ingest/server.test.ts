// Which send failures make the ingest replace its producer: kafkajs's own error objects, as its retrier wraps them.
import kafkajs from 'kafkajs';
import { errorType, sequenceBroken } from './server.js';

const protocol = (type: string, code: number) => new kafkajs.KafkaJSProtocolError({ type, code, retriable: false, message: type } as never);

test('a broken sequence is recognised, bare or wrapped by the retrier; a leader change is not', () => {
  const outOfOrder = protocol('OUT_OF_ORDER_SEQUENCE_NUMBER', 45);
  expect(errorType(outOfOrder)).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
  expect(sequenceBroken(outOfOrder)).toBe(true);
  expect(sequenceBroken(new kafkajs.KafkaJSNumberOfRetriesExceeded(protocol('UNKNOWN_PRODUCER_ID', 59), { retryCount: 8, retryTime: 2000 }))).toBe(true);
  expect(sequenceBroken(protocol('NOT_LEADER_OR_FOLLOWER', 6))).toBe(false);
  expect(sequenceBroken(new Error('socket hang up'))).toBe(false);
  expect(errorType(undefined)).toBeUndefined();
});
