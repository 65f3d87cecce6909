// Public surface of loadtests: the pipeline benchmark (k6 scenarios and `just bench` come with the load issue).
export { benchPipeline, cpuTicks, quantileOf, benchId, sentAtOf, type BenchOptions, type BenchResult } from './pipeline-bench.js';
