// Public surface of the workloads: the protocol and the one place a run's workload description becomes a
// prepared workload.
import type { Workload } from '../experiments/index.js';
import { externalPipelineWorkload, httpPipelineWorkload } from './http-ingest.js';
import { kafkaDirectWorkload } from './kafka-direct.js';
import type { PreparedWorkload, WorkloadEnv } from './workload.js';

export type { LoadOptions, LoadTotals, PreparedWorkload, WorkloadEnv } from './workload.js';
export { ingestUrls } from './http-ingest.js';

/** The experiment's workload, set up for one run (a direct workload creates its topics and starts its processors here). */
export async function prepareWorkload(w: Workload, env: WorkloadEnv): Promise<PreparedWorkload> {
  switch (w.kind) {
    case 'http':
      return httpPipelineWorkload(env);
    case 'external':
      return externalPipelineWorkload(w, env);
    case 'kafka':
      return kafkaDirectWorkload(w, env);
  }
}
