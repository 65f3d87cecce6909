import { coordinatorPartition, javaHash } from './roles.js';

test("javaHash is Java's String.hashCode (values from jshell), so coordinator-kill finds Kafka's coordinator", () => {
  expect(javaHash('faultline-process')).toBe(26907832);
  expect(javaHash('faultline-aggregate-logs.processed-0')).toBe(-1370526441);
  expect(javaHash('')).toBe(0);
});

test('coordinatorPartition is Utils.abs(hashCode) % partitions, never negative', () => {
  expect(coordinatorPartition('faultline-process', 6)).toBe(26907832 % 6);
  expect(coordinatorPartition('faultline-aggregate-logs.processed-0', 6)).toBe((-1370526441 & 0x7fffffff) % 6);
});
