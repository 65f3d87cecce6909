// The experiments: workload + faults + schedule + what must hold. Written once,
// run by any provider. Negative controls run the same machinery on a
// deliberately unsafe configuration and must be judged invalid.
import type { Observation } from '../checkers/observed.js';
import type { Fault, Schedule } from '../core/nemesis.js';
import { brokerKill, brokerPause, brokerRestart, controllerKill, coordinatorKill, kraftControllerKill, kraftQuorumPartition, latency, leaderKill, leaderZonePartition, processorKill, zoneDestroy, zoneKill, zonePartitionOneWay, zonePartitionSymmetric, zookeeperKill, zookeeperPartition } from '../nemeses/index.js';
import type { ChaosContext } from '../core/context.js';
import type { CheckResult } from '../core/types.js';

/** A load that records its writes in `ctx.history`; `dir` is the run's output directory (for its own files). */
export type ExternalLoad = (
  ctx: ChaosContext,
  o: { rate: number; durationMs: number; services: string[]; dir: string },
  signal: AbortSignal,
) => Promise<{ events: number; checks: CheckResult[]; config?: Record<string, string | number | boolean> }>;

export type Workload =
  /** The deployed pipeline through HTTP ingest: raw, processed and aggregates are checked. */
  | { kind: 'http' }
  /**
   * The deployed pipeline under a load brought from outside chaos (loadtests' k6 scenarios): the same checks as
   * `http`, plus the verdict lines the load returns. It records its writes in the run's history like any workload.
   */
  | { kind: 'external'; label: string; run: ExternalLoad }
  /** Kafka directly, on a topic of the experiment's own, with the producer settings given. */
  | {
      kind: 'kafka';
      topic: { partitions: number; replicationFactor: number; minInsyncReplicas: number; uncleanLeaderElection?: boolean };
      acks: -1 | 1;
      idempotent: boolean;
      transactional?: { abortEvery: number };
      /** Processors the experiment runs itself on its topic (processor-kill aims at these). */
      processors?: { exactlyOnce: boolean };
      /** The workload's clients bootstrap through toxiproxy (for the latency nemesis). */
      proxied?: boolean;
    };

export interface Experiment {
  name: string;
  description: string;
  /** What the nemesis injects, drawn in turn (or at random with the seed) on the schedule. */
  faults: Fault[];
  schedule: (durationMs: number) => Schedule;
  workload: Workload;
  /**
   * A negative control: it passes when the checks it targets judge it INVALID (`mustFail`, e.g. `no-lost-writes`
   * for RF 1), not when anything else does. `pair` is the same experiment made safe, which must be judged VALID.
   */
  control?: { mustFail: string[]; pair: string };
  /** Longest acceptable write unavailability per fault. */
  recoveryBoundMs: number;
  /** A fault kind's own bound where it is not recoveryBoundMs (mixed draws a zone partition: the zone faults' bound). */
  faultBoundsMs?: Record<string, number>;
  /** What Prometheus and Tempo must have seen (alerts fired and resolved, lag back under its bound, traces): verdict lines. */
  observe?: Observation[];
  defaults: { durationS: number; rate: number };
  /** The shortest run that still does what the experiment is for (a shorter `--duration` is raised to it, with a note). */
  minDurationS?: number;
  /** The report's kind (default `chaos`; a load test without faults is a `soak`). */
  reportKind?: 'chaos' | 'soak';
  /** The command that replays a run (default `just chaos <name> ...`). */
  replay?: (o: { durationS: number; rate: number; seed: number; coordination: string }) => string;
}

const once = (holdS: number): ((d: number) => Schedule) => (d) => ({ kind: 'once', atMs: Math.min(8000, d / 4), holdMs: Math.min(holdS * 1000, d / 2) });
const every = (everyS: number, holdS: number): ((d: number) => Schedule) => () => ({ kind: 'every', firstMs: 5000, everyMs: everyS * 1000, holdMs: holdS * 1000 });

const http: Workload = { kind: 'http' };
/** Every pipeline experiment: the stages' lag comes back under the alert's bound, and traces were kept through the faults. */
const pipelineObserved: Observation[] = [
  { kind: 'lag', groups: ['faultline-process', 'faultline-aggregate'], belowS: 30 },
  { kind: 'traces', service: 'faultline-ingest' },
];
/** A zone's faults (kill, destroy, partition): the cut zone's broker must leave every ISR before acks=all writes resume. */
const ZONE_BOUND_MS = 45_000;
const base = { workload: http, recoveryBoundMs: 10_000, defaults: { durationS: 60, rate: 400 }, observe: pipelineObserved };

const safeTopic = { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 };

export const EXPERIMENTS: Experiment[] = [
  { ...base, name: 'broker-kill', description: 'SIGKILL a broker every 20 s under load through the pipeline, restart it each time', faults: [brokerKill], schedule: every(20, 8) },
  {
    ...base,
    name: 'broker-down',
    // 35 s down: under-replication starts when the controller sees the broker's ZooKeeper session expire (5 s) and the
    // alert waits 15 s more; with 25 s down it never fired in one CI run
    description: 'SIGKILL a broker under load through the pipeline and keep it down 35 s (long enough for the alerts), then restart it; every 50 s',
    faults: [brokerKill],
    schedule: every(50, 35),
    // one whole window: 5 s in, 35 s down, the alerts' resolution inside the run
    minDurationS: 50,
    observe: [
      ...pipelineObserved,
      { kind: 'alert', alert: 'KafkaBrokerDown', firesWithinMs: 40_000, resolvesWithinMs: 60_000 },
      { kind: 'alert', alert: 'KafkaUnderReplicatedPartitions', firesWithinMs: 45_000, resolvesWithinMs: 90_000 },
    ],
  },
  { ...base, name: 'broker-pause', description: 'SIGSTOP a broker for 10 s (a frozen VM), then SIGCONT', faults: [brokerPause], schedule: every(25, 10) },
  { ...base, name: 'broker-restart', description: 'graceful restart of a broker every 25 s', faults: [brokerRestart], schedule: every(25, 5) },
  { ...base, name: 'leader-kill', description: "SIGKILL the leader of logs.raw partition 0", faults: [leaderKill], schedule: every(20, 8) },
  { ...base, name: 'controller-kill', description: 'SIGKILL the active controller', faults: [controllerKill], schedule: every(20, 8) },
  { ...base, name: 'coordinator-kill', description: "SIGKILL the broker coordinating the process stage's group and transactions", faults: [coordinatorKill], schedule: every(25, 8) },
  { ...base, name: 'zookeeper-kill', description: 'SIGKILL a ZooKeeper node', faults: [zookeeperKill], schedule: every(20, 10) },
  { ...base, name: 'zookeeper-partition', description: "cut a zone from the other zones' ZooKeeper nodes", faults: [zookeeperPartition], schedule: once(20) },
  { ...base, name: 'kraft-controller-kill', description: 'SIGKILL a KRaft controller (active or not; KRaft only, the counterpart of zookeeper-kill)', faults: [kraftControllerKill], schedule: every(20, 10) },
  {
    ...base,
    name: 'kraft-quorum-partition',
    description: "cut a zone from the other zones' KRaft controllers (KRaft only, the counterpart of zookeeper-partition)",
    faults: [kraftQuorumPartition],
    schedule: once(20),
  },
  { ...base, name: 'zone-kill', description: 'SIGKILL every process of a zone (broker, ZooKeeper, ingest, process, aggregate)', faults: [zoneKill], schedule: once(20), recoveryBoundMs: ZONE_BOUND_MS },
  { ...base, name: 'zone-destroy', description: "kill a zone and wipe its disks: it comes back empty and must re-replicate", faults: [zoneDestroy], schedule: once(15), recoveryBoundMs: ZONE_BOUND_MS },
  { ...base, name: 'zone-partition', description: 'cut a zone from the other two, both ways', faults: [zonePartitionSymmetric], schedule: once(20), recoveryBoundMs: ZONE_BOUND_MS },
  { ...base, name: 'zone-partition-one-way', description: 'a zone cannot send to the others but still receives', faults: [zonePartitionOneWay], schedule: once(20), recoveryBoundMs: ZONE_BOUND_MS },
  { ...base, name: 'processor-kill', description: 'SIGKILL a process-stage instance every 15 s', faults: [processorKill], schedule: every(15, 3) },
  {
    ...base,
    name: 'mixed',
    description: 'faults drawn at random with the seed: broker kill/pause, leader and coordinator kill, zone partition, processor kill',
    faults: [brokerKill, brokerPause, leaderKill, coordinatorKill, zonePartitionSymmetric, processorKill],
    schedule: () => ({ kind: 'random', firstMs: 5000, minGapMs: 5000, maxGapMs: 12_000, minHoldMs: 4000, maxHoldMs: 12_000 }),
    // each drawn fault is judged as its own experiment judges it: a zone partition stops every acks=all write until
    // the cut broker leaves the ISRs (10-21 s measured in zone-partition runs), which the 10 s bound of a broker fault
    // does not allow (a 12 s cut was judged INVALID with 11 s unavailable, every safety check holding)
    faultBoundsMs: { [zonePartitionSymmetric.name]: ZONE_BOUND_MS },
    defaults: { durationS: 120, rate: 400 },
  },
  {
    name: 'txn-broker-kill',
    description: 'transactional writes straight to Kafka, every 5th transaction aborted on purpose, a broker killed every 20 s: no aborted read, nothing lost',
    faults: [brokerKill],
    schedule: every(20, 8),
    workload: { kind: 'kafka', topic: safeTopic, acks: -1, idempotent: true, transactional: { abortEvery: 5 } },
    recoveryBoundMs: 30_000,
    defaults: { durationS: 45, rate: 500 },
  },
  {
    name: 'latency',
    description: 'idempotent acks=all writes through toxiproxy, 200 ms ± 50 ms added each way to every broker for 10 s every 20 s',
    faults: [latency],
    schedule: every(20, 10),
    workload: { kind: 'kafka', topic: safeTopic, acks: -1, idempotent: true, proxied: true },
    recoveryBoundMs: 30_000,
    defaults: { durationS: 45, rate: 500 },
  },
  {
    name: 'leader-partition',
    description: "acks=all, min ISR 2: the leader's zone cut off while clients still reach it; the old leader cannot acknowledge alone, nothing acknowledged is lost (the pair of control-acks1-leader-partition)",
    faults: [leaderZonePartition],
    schedule: once(15),
    workload: { kind: 'kafka', topic: { partitions: 1, replicationFactor: 3, minInsyncReplicas: 2 }, acks: -1, idempotent: true },
    recoveryBoundMs: 60_000,
    defaults: { durationS: 40, rate: 1000 },
  },
  {
    name: 'rf3-zone-destroy',
    description: 'a topic with three replicas (min ISR 2, acks=all), a zone destroyed: the other two zones hold every acknowledged write (the pair of control-rf1-zone-destroy)',
    faults: [zoneDestroy],
    schedule: once(8),
    workload: { kind: 'kafka', topic: safeTopic, acks: -1, idempotent: true },
    recoveryBoundMs: 60_000,
    defaults: { durationS: 30, rate: 500 },
  },
  // ---- negative controls: each must be judged INVALID by the checks it targets ----
  {
    name: 'control-rf1-zone-destroy',
    description: 'NEGATIVE CONTROL: a topic with one replica, a zone destroyed: the writes on its broker are gone and no-lost-writes must say so',
    faults: [zoneDestroy],
    schedule: once(8),
    workload: { kind: 'kafka', topic: { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 }, acks: -1, idempotent: true },
    control: { mustFail: ['no-lost-writes'], pair: 'rf3-zone-destroy' },
    recoveryBoundMs: 60_000,
    defaults: { durationS: 30, rate: 500 },
  },
  {
    name: 'control-eos-off-processor-kill',
    description: 'NEGATIVE CONTROL: processors with exactly-once and de-duplication off (commit after produce), killed mid-stream: no-duplicates must find the replayed batches',
    faults: [processorKill],
    schedule: every(5, 1),
    workload: { kind: 'kafka', topic: safeTopic, acks: -1, idempotent: true, processors: { exactlyOnce: false } },
    control: { mustFail: ['no-duplicates (processed)'], pair: 'control-eos-on-processor-kill' },
    recoveryBoundMs: 30_000,
    defaults: { durationS: 40, rate: 600 },
  },
  {
    name: 'control-acks1-leader-partition',
    description:
      "NEGATIVE CONTROL: acks=1, the leader's zone cut off while clients still reach it: it acknowledges writes its followers never get, a new leader is elected, the old one truncates them on healing",
    faults: [leaderZonePartition],
    schedule: once(15),
    workload: { kind: 'kafka', topic: { partitions: 1, replicationFactor: 3, minInsyncReplicas: 1 }, acks: 1, idempotent: false },
    control: { mustFail: ['no-lost-writes'], pair: 'leader-partition' },
    recoveryBoundMs: 60_000,
    defaults: { durationS: 40, rate: 1000 },
  },
  {
    name: 'control-eos-on-processor-kill',
    description: 'the same as control-eos-off-processor-kill with exactly-once on: must be judged VALID (the pair shows the checker tells them apart)',
    faults: [processorKill],
    schedule: every(5, 1),
    workload: { kind: 'kafka', topic: safeTopic, acks: -1, idempotent: true, processors: { exactlyOnce: true } },
    recoveryBoundMs: 30_000,
    defaults: { durationS: 40, rate: 600 },
  },
];

export const CONTROLS = EXPERIMENTS.filter((e) => e.control).map((e) => e.name);

export function experimentByName(name: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e) throw new Error(`no experiment "${name}". \`just chaos --list\` lists them: ${EXPERIMENTS.map((x) => x.name).join(', ')}`);
  return e;
}
