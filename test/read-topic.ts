// Drains a topic of the live cluster as a checker would (read_committed, to its end).
import { drain, endOffsets, endpoint, type DrainedRecord, type Topology } from '../cluster/index.js';

export type ReadRecord = DrainedRecord;
export const readTopicToEnd = (t: Topology, topic: string, opts: { timeoutMs?: number; from?: Map<number, string> } = {}) => drain(endpoint(t), topic, opts);
/** The topic's end offsets now: a test reads from them, not through everything earlier runs left in the topic. */
export const endsNow = (t: Topology, topic: string) => endOffsets(endpoint(t), topic);
