// Drains a topic of the live cluster as a checker would (read_committed, to its end).
import { kafka, type Topology } from '../cluster/index.js';
import { readToEnd, type ReadRecord } from '../pipeline/eos/index.js';

export type { ReadRecord };
export const readTopicToEnd = (t: Topology, topic: string, opts: { timeoutMs?: number } = {}) => readToEnd(kafka(t, 'faultline-reader'), topic, opts);
