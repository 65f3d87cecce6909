// Public surface of loadtests: the k6 scenarios and their runs through the chaos runner (`just load`, `just soak`),
// the benchmark against Kafka's own tools (`just bench`), and the pipeline benchmark (`just bench-pipeline`).
export { k6Options, idsOf, requestsPerSecond, SCENARIOS, type ScenarioName, type ScenarioParams } from './k6/scenarios.js';
export { loadExperiment, LOAD_DEFAULTS } from './k6/loads.js';
export { runK6Workload, k6Load, k6ThresholdsHeld } from './k6/workload.js';
export { runBench, figures, pairCheck, pipelineCheck, trend, FULL, QUICK, type BenchPlan, type Pair } from './bench/bench.js';
export { benchPipeline, cpuTicks, quantileOf, benchId, sentAtOf, type BenchOptions, type BenchResult } from './pipeline-bench.js';
