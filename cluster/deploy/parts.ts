// What a deployment is, whatever runs it: its paths and layout, its topology, its record (deployment.json) and the
// client its ingest runs on. Each local provider holds one; neither provider inherits from the other.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cacheLayout, stateLayout, type Paths } from '../paths.js';
import type { Deployment, KafkaClientName } from '../provider.js';
import { topology, type Coordination, type Topology } from '../topology.js';

export class DeploymentParts {
  readonly layout: ReturnType<typeof stateLayout>;
  readonly cache: ReturnType<typeof cacheLayout>;
  /** The ingest's client a deploy in progress asked for (it wins over the recorded one until the record is written). */
  requestedIngestClient?: KafkaClientName;

  constructor(
    readonly paths: Paths,
    readonly topology: Topology,
  ) {
    this.layout = stateLayout(paths.state);
    this.cache = cacheLayout(paths.cache);
  }

  /**
   * The parts for whatever is deployed under `paths.state`, or new ones with `coordination`; `mismatch` words the
   * refusal when the deployment there uses the other mode (its data cannot be converted).
   */
  static open(paths: Paths, coordination: Coordination | undefined, o: { network?: Parameters<typeof topology>[1]; mismatch: (existing: Coordination) => string }): DeploymentParts {
    const existing = readDeployment(paths);
    if (existing && coordination && existing.coordination !== coordination) throw new Error(o.mismatch(existing.coordination));
    return new DeploymentParts(paths, topology(existing?.coordination ?? coordination ?? 'zookeeper', o.network));
  }

  get deployment(): Deployment | undefined {
    return readDeployment(this.paths);
  }

  /** The ingest's client: the one a deploy in progress asked for, else the deployment's. */
  get ingestClient(): KafkaClientName {
    return this.requestedIngestClient ?? this.deployment?.ingestClient ?? 'librdkafka';
  }

  record(d: Deployment): void {
    writeFileSync(this.layout.file, JSON.stringify(d, null, 2));
  }
}

export function readDeployment(p: Paths): Deployment | undefined {
  const f = stateLayout(p.state).file;
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as Deployment;
}
