// Chaos Mesh's status -> fault windows, on PodChaos and NetworkChaos objects as
// Chaos Mesh writes them: the specs are our rendered forms, and every fixture
// is first validated against the real CRD schema (shared/k8s-schemas), so the
// status the parser reads cannot drift from what Chaos Mesh's CRDs allow.
import { input, type K8sObject } from '../../cluster/k8s/index.js';
import { validate } from '../../cluster/k8s/validate.js';
import { topology } from '../../cluster/index.js';
import { faultWindows } from '../checkers/fault-windows.js';
import { ChaosSeen, chaosWindows, faultOf, windowOps, type ChaosObject, type ChaosRecord, type Observed } from './chaos-status.js';
import { faultForm, isUnsupported, type FaultForm } from './chaos-mesh-faults.js';

const o = input(topology('zookeeper'));
const ZONE_KEY = o.options.zoneKey;
const T = Date.parse('2025-06-01T10:00:00Z');
/** metav1.Time: whole seconds, RFC 3339. */
const at = (s: number) => new Date(T + s * 1000).toISOString().replace('.000Z', 'Z');
const form = (fault: string): FaultForm => {
  const f = faultForm(o, fault, 'zone-a');
  if (isUnsupported(f)) throw new Error(f.reason);
  return f;
};
const ev = (operation: 'Apply' | 'Recover', type: 'Succeeded' | 'Failed', s: number, message?: string) => ({ operation, type, timestamp: at(s), ...(message ? { message } : {}) });
const rec = (pod: string, events: ChaosRecord['events'], selectorKey = '.'): ChaosRecord => {
  const applied = events!.filter((e) => e.type === 'Succeeded' && e.operation === 'Apply').length;
  const recovered = events!.filter((e) => e.type === 'Succeeded' && e.operation === 'Recover').length;
  return { id: `faultline/${pod}`, selectorKey, phase: applied > recovered ? 'Injected' : 'Not Injected', injectedCount: applied, recoveredCount: recovered, events };
};
let uid = 0;
function chaos(fault: string, leg: number, name: string, created: number, records: ChaosRecord[]): ChaosObject {
  const c = form(fault).chaos[leg]!;
  return {
    apiVersion: 'chaos-mesh.org/v1alpha1',
    kind: c.kind,
    metadata: { name, namespace: 'faultline', uid: `uid-${++uid}`, creationTimestamp: at(created), labels: { 'chaos-mesh.org/workflow': 'faultline-x' } },
    spec: structuredClone(c.spec) as ChaosObject['spec'],
    status: { experiment: { desiredPhase: 'Run', containerRecords: records } },
  };
}

// a Schedule-spawned broker kill (Apply only: Chaos Mesh's pod-kill is one-shot), and one that could not inject
const killed = chaos('broker-kill', 0, 'broker-kill-every-3-x7k2p-q9w4z-m3n8b', 20, [rec('faultline-kafka-1', [ev('Apply', 'Succeeded', 20)])]);
const notInjected = chaos('broker-kill', 0, 'broker-kill-every-3-x7k2p-q9w4z-b5c6d', 40, [
  rec('faultline-kafka-2', [ev('Apply', 'Failed', 40, 'pods "faultline-kafka-2" not found'), ev('Apply', 'Failed', 41, 'pods "faultline-kafka-2" not found')]),
]);
// the two legs of a zone partition (a Workflow node each): the zone's pods, and the far zone's as `.Target`
const zoneA = ['faultline-kafka-0', 'faultline-zookeeper-0', 'ingest-a'];
const legB = chaos('zone-partition', 0, 'zone-partition-zone-b-4-h2j3k-l4m5n', 30, [
  ...zoneA.map((p, i) => rec(p, [ev('Apply', 'Succeeded', 30 + (i % 2)), ev('Recover', 'Succeeded', 45 + i)])),
  rec('faultline-kafka-1', [ev('Apply', 'Succeeded', 31), ev('Recover', 'Succeeded', 46)], '.Target'),
]);
const legC = chaos('zone-partition', 1, 'zone-partition-zone-c-5-p6q7r-s8t9u', 30, [
  ...zoneA.map((p) => rec(p, [ev('Apply', 'Succeeded', 30)])),
  rec('faultline-kafka-2', [ev('Apply', 'Succeeded', 30)], '.Target'),
]);

describe('the fixtures are what Chaos Mesh writes', () => {
  test('every fixture validates against the Chaos Mesh CRD schema, status included', async () => {
    for (const x of [killed, notInjected, legB, legC]) expect(await validate(x as unknown as K8sObject)).toEqual([]);
  });

  test('the schema bites on the status: a misspelt records field or an event without its operation is refused', async () => {
    const misspelt = structuredClone(killed) as unknown as K8sObject & { status: { experiment: Record<string, unknown> } };
    misspelt.status.experiment.containerRecord = misspelt.status.experiment.containerRecords;
    delete misspelt.status.experiment.containerRecords;
    expect((await validate(misspelt)).join('\n')).toMatch(/additional properties: containerRecord\b/);
    const noOperation = structuredClone(killed);
    delete (noOperation.status!.experiment!.containerRecords![0]!.events![0] as { operation?: string }).operation;
    expect((await validate(noOperation as unknown as K8sObject)).join('\n')).toMatch(/must have required property 'operation'/);
  });
});

describe('Chaos Mesh status -> fault windows', () => {
  const opts = { faults: ['broker-kill', 'zone-partition', 'zone-partition-one-way'], killHoldMs: 8000, zoneKey: ZONE_KEY };

  test('a pod-kill (Apply only) is a window of the hold from its Apply; a record that never injected is no fault, and is noted', () => {
    const { windows, notes } = chaosWindows([{ object: killed }, { object: notInjected }], opts);
    expect(windows).toEqual([{ fault: 'broker-kill', targets: ['faultline-kafka-1'], detail: `PodChaos/${killed.metadata.name}: pod-kill on faultline-kafka-1`, start: T + 20_000, end: T + 28_000 }]);
    expect(notes).toEqual([`PodChaos/${notInjected.metadata.name} could not be injected into faultline/faultline-kafka-2: pods "faultline-kafka-2" not found`]);
  });

  test("a pod-kill's Recover (its Workflow node ending) can only shorten the hold", () => {
    const short = chaos('broker-kill', 0, 'broker-kill-7-a1b2c-d3e4f', 20, [rec('faultline-kafka-0', [ev('Apply', 'Succeeded', 20), ev('Recover', 'Succeeded', 24)])]);
    const late = chaos('broker-kill', 0, 'broker-kill-8-a1b2c-d3e4f', 60, [rec('faultline-kafka-0', [ev('Apply', 'Succeeded', 60), ev('Recover', 'Succeeded', 200)])]);
    expect(chaosWindows([{ object: short }, { object: late }], opts).windows.map((w) => [w.start - T, w.end! - T])).toEqual([
      [20_000, 25_000],
      [60_000, 68_000],
    ]);
  });

  test('a partition leg is one window over all its pods, named zone to zone, from the first Apply to the last Recover (+1 s: whole seconds)', () => {
    const { windows, notes } = chaosWindows([{ object: legB }], opts);
    expect(notes).toEqual([]);
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ fault: 'zone-partition', targets: ['zone-a -> zone-b'], start: T + 30_000, end: T + 48_000 });
    expect(windows[0]!.detail).toBe(`NetworkChaos/${legB.metadata.name}: partition both on faultline-kafka-0, faultline-kafka-1, faultline-zookeeper-0, ingest-a`);
  });

  test('a fault still in place has no end; one whose object went before a Recover was seen ends when it was found gone', () => {
    expect(chaosWindows([{ object: legC }], opts).windows.map((w) => w.end)).toEqual([undefined]);
    const gone = chaosWindows([{ object: legC, goneAtMs: T + 50_500 }], opts).windows;
    expect(gone.map((w) => [w.targets, w.start - T, w.end! - T])).toEqual([[['zone-a -> zone-c'], 30_000, 50_500]]);
  });

  test('an object created before the run started (an earlier run of the Workflow) is left out, with a note', () => {
    const { windows, notes } = chaosWindows([{ object: killed }, { object: legB }], { ...opts, notBeforeMs: T + 25_000 });
    expect(windows.map((w) => w.fault)).toEqual(['zone-partition']);
    expect(notes).toEqual([`PodChaos/${killed.metadata.name} was created before this run started (an earlier run of the Workflow): left out`]);
  });

  test('selected by labels, not by zone, a side is named by the pods injected', () => {
    const latency = chaos('latency', 0, 'latency-2-k1l2m-n3o4p', 10, [
      rec('faultline-kafka-2', [ev('Apply', 'Succeeded', 10), ev('Recover', 'Succeeded', 20)]),
      rec('faultline-kafka-0', [ev('Apply', 'Succeeded', 10), ev('Recover', 'Succeeded', 20)]),
      rec('faultline-broker-kill-abcde', [ev('Apply', 'Succeeded', 11), ev('Recover', 'Succeeded', 20)], '.Target'),
    ]);
    expect(chaosWindows([{ object: latency }], { ...opts, faults: ['latency'] }).windows[0]!.targets).toEqual(['faultline-kafka-0,faultline-kafka-2 -> faultline-broker-kill-abcde']);
  });

  test('an object is the longest experiment fault its name starts with', () => {
    expect(faultOf('zone-partition-one-way-zone-b-3-abcde-fghij', opts.faults)).toBe('zone-partition-one-way');
    expect(faultOf('zone-partition-zone-b-3-abcde-fghij', opts.faults)).toBe('zone-partition');
    expect(faultOf('faultline-broker-kill', opts.faults)).toBeUndefined();
  });

  test('recorded as nemesis ops, the windows read back unchanged through faultWindows (what recovery-bounds and the report use)', () => {
    const observed: Observed[] = [{ object: killed }, { object: notInjected }, { object: legB }, { object: legC }];
    const { windows } = chaosWindows(observed, opts);
    expect(windows).toHaveLength(3);
    const epoch = T + 5_000;
    const ops = windows.flatMap((w) => windowOps(w, epoch));
    expect(ops.every((x) => x.process === 'nemesis')).toBe(true);
    expect(faultWindows(ops)).toEqual(windows.map((w) => ({ fault: w.fault, targets: w.targets, start: w.start - epoch, ...(w.end === undefined ? {} : { end: w.end - epoch }) })));
  });
});

describe('what the runner has seen across polls', () => {
  test('the newest copy of each object is kept; one no longer listed is gone from that poll on, once', () => {
    const seen = new ChaosSeen();
    const early = structuredClone(legB);
    early.status!.experiment!.containerRecords = [];
    seen.update([early, killed], T + 31_000);
    seen.update([legB, killed], T + 47_000);
    seen.update([killed], T + 50_000);
    seen.update([], T + 52_000);
    const byName = new Map(seen.all().map((x) => [x.object.metadata.name, x]));
    expect(byName.get(legB.metadata.name)).toEqual({ object: legB, goneAtMs: T + 50_000 });
    expect(byName.get(killed.metadata.name)).toEqual({ object: killed, goneAtMs: T + 52_000 });
  });
});
