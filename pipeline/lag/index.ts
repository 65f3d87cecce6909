// Public surface of the lag exporter: exact offset and time lag per group and partition.
export { offsetLag, timeLag, exportedGroup, type GroupLag, type PartitionLag } from './lag.js';
export { LagExporter, lagMetrics, GROUP_STATES } from './exporter.js';
export { TimestampProbe, type ProbeAnswer } from './probe.js';
