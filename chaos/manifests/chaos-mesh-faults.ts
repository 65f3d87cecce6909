// Each local fault (chaos/nemeses) as Chaos Mesh 2.8 chaos: PodChaos for kills,
// NetworkChaos for partitions and latency; or, where Chaos Mesh has no
// equivalent, the reason. Selectors name pods by the labels the rendered
// manifests give them (ours) or Strimzi gives them (cluster/k8s/strimzi.ts);
// zones by the node label the spread constraints use.
import { LABELS, POOLS, strimziSelector, type RenderInput } from '../../cluster/k8s/index.js';
import type { Coordination, ZoneName } from '../../cluster/index.js';

/** A Chaos Mesh selector (the subset we use; the CRD schema checks the shape). */
export interface Selector {
  namespaces: string[];
  labelSelectors?: Record<string, string>;
  /** Node labels: the zone of the node a pod runs on. */
  nodeSelectors?: Record<string, string>;
  /** Exact pods, namespace -> names: what the runner narrows a role-based fault to before applying it. */
  pods?: Record<string, string[]>;
}

export type ChaosKind = 'PodChaos' | 'NetworkChaos';

/** One chaos object's spec, without its duration (the schedule sets that). */
export interface ChaosSpec {
  kind: ChaosKind;
  /** Suffix of the object's name, e.g. `zone-b` for one leg of a partition. */
  leg?: string;
  spec: { selector: Selector; mode: 'one' | 'all'; action: string; [field: string]: unknown };
}

export interface FaultForm {
  fault: string;
  /** Applied together (a zone cut from two other zones is two NetworkChaos). */
  chaos: ChaosSpec[];
  /**
   * The target is a role found from Kafka's metadata at run time (a partition leader, a coordinator, the active
   * controller): the rendered selector covers every candidate, and the in-cluster runner narrows `selector.pods`
   * (or the zone) to the one it resolved, with the same lookups as locally (chaos/nemeses/roles.ts).
   */
  resolvedAtRunTime?: string;
  /** How the Kubernetes form differs from the local fault. */
  difference?: string;
}

export interface Unsupported {
  fault: string;
  reason: string;
}

/** The runner Job's pods (the workload's Kafka clients): the latency fault's other end. */
export const RUNNER_LABELS = { [LABELS.name]: 'faultline-runner', [LABELS.partOf]: 'faultline' };

/** The Kafka-specific selectors, from the Strimzi model. */
export function targets(o: RenderInput) {
  const ns = [o.options.namespace];
  const cluster = o.options.clusterName;
  const kraft = o.topology.coordination === 'kraft';
  const brokers: Selector = { namespaces: ns, labelSelectors: strimziSelector(cluster, 'kafka', kraft ? POOLS.brokers : undefined) };
  const zookeepers: Selector = { namespaces: ns, labelSelectors: strimziSelector(cluster, 'zookeeper') };
  const controllers: Selector = { namespaces: ns, labelSelectors: strimziSelector(cluster, 'kafka', POOLS.controllers) };
  const processors: Selector = { namespaces: ns, labelSelectors: { [LABELS.name]: 'faultline-process', [LABELS.partOf]: 'faultline' } };
  const runner: Selector = { namespaces: ns, labelSelectors: RUNNER_LABELS };
  /** Every pod in a fault domain on the zone's nodes (ops pods are outside every zone, as locally). */
  const zone = (z: ZoneName, only?: Record<string, string>): Selector => ({
    namespaces: ns,
    labelSelectors: { [LABELS.faultDomain]: 'zone', ...only },
    nodeSelectors: { [o.options.zoneKey]: z },
  });
  return { brokers, zookeepers, controllers, processors, runner, zone };
}

/** Faults Chaos Mesh cannot express, with the reason; `kraft` adds the ZooKeeper-only ones. */
export function unsupportedFaults(coordination: Coordination): Unsupported[] {
  const always: Unsupported[] = [
    {
      fault: 'broker-pause',
      reason:
        'Chaos Mesh 2.8 has no SIGSTOP/SIGCONT action: pod-failure and container-kill restart the JVM (that is broker-kill), and a NetworkChaos black hole keeps the broker\'s own timers running, so neither is a frozen process',
    },
    {
      fault: 'zone-destroy',
      reason:
        "the disk wipe has no Chaos Mesh action: it would be deleting the zone's PersistentVolumeClaims while their pods are down, which Chaos Mesh cannot do; zone-kill is the Kubernetes form without the wipe",
    },
  ];
  const zkOnly = ['zookeeper-kill', 'zookeeper-partition'].map((fault) => ({ fault, reason: 'ZooKeeper-only: there is no ZooKeeper under KRaft (locally the fault is refused there too)' }));
  const kraftOnly = ['kraft-controller-kill', 'kraft-quorum-partition'].map((fault) => ({ fault, reason: 'KRaft-only: under ZooKeeper there is no controller quorum (locally the fault is refused there too)' }));
  return coordination === 'kraft' ? [...always, ...zkOnly] : [...always, ...kraftOnly];
}

const podKill = (selector: Selector, mode: 'one' | 'all', gracePeriod = 0): ChaosSpec => ({ kind: 'PodChaos', spec: { action: 'pod-kill', mode, selector, gracePeriod } });

/** Cut `zone`'s pods from each other zone's (`only` narrows the far side, e.g. to ZooKeeper pods). */
function zoneCut(o: RenderInput, zone: ZoneName, direction: 'both' | 'to', only?: Record<string, string>): ChaosSpec[] {
  const t = targets(o);
  return o.topology.zones
    .filter((z) => z.name !== zone)
    .map((z) => ({
      kind: 'NetworkChaos' as const,
      leg: z.name,
      spec: { action: 'partition', mode: 'all', selector: t.zone(zone), direction, target: { mode: 'all', selector: t.zone(z.name, only) } },
    }));
}

/** The Chaos Mesh form of one local fault, aimed at `zone` where it hits a zone. */
export function faultForm(o: RenderInput, fault: string, zone: ZoneName): FaultForm | Unsupported {
  const unsupported = unsupportedFaults(o.topology.coordination).find((u) => u.fault === fault);
  if (unsupported) return unsupported;
  const t = targets(o);
  const killNote = 'Chaos Mesh deletes the pod (grace 0); Strimzi or the Deployment recreates it on the same volume at once, so the hold time is not enforced: the pod is back as soon as it is rescheduled';
  switch (fault) {
    case 'broker-kill':
      return { fault, chaos: [podKill(t.brokers, 'one')], difference: killNote };
    case 'broker-restart':
      // a normal delete: SIGTERM, Kafka's controlled shutdown moves leaders away, as `stop` does locally
      return { fault, chaos: [podKill(t.brokers, 'one', 60)], difference: 'graceful delete (60 s grace, controlled shutdown); back when Strimzi recreates the pod' };
    case 'leader-kill':
      return { fault, chaos: [podKill(t.brokers, 'one')], resolvedAtRunTime: "the leader of the workload topic's partition 0", difference: killNote };
    case 'coordinator-kill':
      return { fault, chaos: [podKill(t.brokers, 'one')], resolvedAtRunTime: "the coordinator of the process stage's group and transactions", difference: killNote };
    case 'controller-kill':
      return {
        fault,
        chaos: [podKill(o.topology.coordination === 'kraft' ? t.controllers : t.brokers, 'one')],
        resolvedAtRunTime: o.topology.coordination === 'kraft' ? 'the KRaft quorum leader' : 'the broker that is the active controller',
        difference: killNote,
      };
    case 'zookeeper-kill':
      return { fault, chaos: [podKill(t.zookeepers, 'one')], difference: killNote };
    case 'zone-kill':
      return { fault, chaos: [podKill(t.zone(zone), 'all')], difference: 'every pod of the zone is deleted and rescheduled in the same zone (spread and volumes keep it there); ops pods are outside every zone' };
    case 'zone-partition':
      return { fault, chaos: zoneCut(o, zone, 'both') };
    case 'zone-partition-one-way':
      return { fault, chaos: zoneCut(o, zone, 'to'), difference: "direction `to`: the zone's packets to the others are dropped, theirs to it pass (as the local one-way rule)" };
    case 'leader-zone-partition':
      return { fault, chaos: zoneCut(o, zone, 'both'), resolvedAtRunTime: "the zone of the leader of the workload topic's partition 0" };
    case 'zookeeper-partition':
      return { fault, chaos: zoneCut(o, zone, 'both', strimziSelector(o.options.clusterName, 'zookeeper')) };
    case 'kraft-controller-kill':
      return { fault, chaos: [podKill(t.controllers, 'one')], difference: killNote };
    case 'kraft-quorum-partition':
      return { fault, chaos: zoneCut(o, zone, 'both', strimziSelector(o.options.clusterName, 'kafka', POOLS.controllers)) };
    case 'processor-kill':
      return { fault, chaos: [podKill(t.processors, 'one')], difference: killNote };
    case 'latency':
      return {
        fault,
        chaos: [
          {
            kind: 'NetworkChaos',
            spec: { action: 'delay', mode: 'all', selector: t.brokers, direction: 'both', target: { mode: 'all', selector: t.runner }, delay: { latency: '200ms', jitter: '50ms', correlation: '0' } },
          },
        ],
        difference: 'netem between the brokers and the runner pod (the workload\'s clients), each way, instead of toxiproxy in front of every broker',
      };
    default:
      return { fault, reason: `no Chaos Mesh mapping for fault "${fault}": add one in chaos/manifests/chaos-mesh-faults.ts or list it as unsupported with the reason` };
  }
}

export const isUnsupported = (f: FaultForm | Unsupported): f is Unsupported => 'reason' in f;
