// Drains a topic of the live cluster as a checker would (read_committed, to its end).
import { drain, kafka, type DrainedRecord, type Topology } from '../cluster/index.js';

export type ReadRecord = DrainedRecord;
export const readTopicToEnd = (t: Topology, topic: string, opts: { timeoutMs?: number } = {}) => drain(kafka(t, 'faultline-reader'), topic, opts);
