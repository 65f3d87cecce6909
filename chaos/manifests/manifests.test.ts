// The Chaos Mesh forms, offline: valid against the Chaos Mesh CRD schemas (a
// misspelt field or a wrong action fails), one for every experiment or a
// reason, and every selector joined to the pods the rendered manifests lead to
// (ours from pod templates, Strimzi's from its model), so a typo selects
// nothing and fails.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { allPods, brokerIds, brokerPodName, describeFinding, judge, kubeScore, type K8sObject, type PodModel } from '../../cluster/k8s/index.js';
import { validate, validateAll } from '../../cluster/k8s/validate.js';
import type { Coordination } from '../../cluster/index.js';
import { EXPERIMENTS } from '../experiments/index.js';
import { FAULTS } from '../nemeses/index.js';
import { faultForm, isUnsupported, narrowToPod, renderAll, writeAll, RUNNER_PORT, selectedPods, unsupportedFaults, type Rendered, type Selector } from './index.js';

const MODES: Coordination[] = ['zookeeper', 'kraft'];
const rendered = new Map<Coordination, Rendered>(MODES.map((c) => [c, renderAll({ coordination: c, seed: 7 })]));
const get = (c: Coordination) => rendered.get(c)!;
/** Pods of the deployment plus every experiment's runner Job. */
const podsOf = (r: Rendered): PodModel[] => allPods(r.input, [...r.base.flatMap((c) => c.objects), ...r.experiments.flatMap((e) => e.objects)]);

interface Node {
  name: string;
  templateType: string;
  podChaos?: ChaosSpec;
  networkChaos?: ChaosSpec;
  schedule?: { schedule: string; type: string; podChaos?: ChaosSpec; networkChaos?: ChaosSpec };
  statusCheck?: { http: { url: string } };
  children?: string[];
}
interface ChaosSpec {
  action: string;
  mode: string;
  selector: Selector;
  direction?: string;
  target?: { mode: string; selector: Selector };
  delay?: { latency: string };
  gracePeriod?: number;
}
const templates = (w: K8sObject) => (w.spec as { entry: string; templates: Node[] }).templates;
/** Every chaos spec in a Workflow, with the node it sits in. */
const chaosIn = (w: K8sObject): { node: Node; kind: string; spec: ChaosSpec }[] =>
  templates(w).flatMap((n) => {
    const holder = n.schedule ?? n;
    return holder.podChaos ? [{ node: n, kind: 'PodChaos', spec: holder.podChaos }] : holder.networkChaos ? [{ node: n, kind: 'NetworkChaos', spec: holder.networkChaos }] : [];
  });
const formOf = (c: Coordination, name: string) => get(c).experiments.find((e) => e.form.experiment === name)!;

describe('every experiment has a Chaos Mesh form, or a stated reason', () => {
  test.each(MODES)('forms and reasons together cover every experiment, and every fault of each (%s)', (c) => {
    const r = get(c);
    const names = [...r.experiments.map((e) => e.form.experiment), ...r.notSupported.map((n) => n.experiment)];
    expect(names.sort()).toEqual(EXPERIMENTS.map((e) => e.name).sort());
    for (const n of r.notSupported) expect(n.reason.length).toBeGreaterThan(30);
    for (const { form } of r.experiments) {
      const e = EXPERIMENTS.find((x) => x.name === form.experiment)!;
      expect([...form.faults.map((f) => f.fault), ...form.omitted.map((u) => u.fault)].sort()).toEqual(e.faults.map((f) => f.name).sort());
      for (const u of form.omitted) expect(u.reason.length).toBeGreaterThan(30);
    }
  });

  test.each(MODES)('every local fault maps to Chaos Mesh or is listed as unsupported with its reason (%s)', (c) => {
    const o = get(c).input;
    const listed = unsupportedFaults(c).map((u) => u.fault);
    for (const f of FAULTS) {
      const form = faultForm(o, f.name, 'zone-b');
      if (isUnsupported(form)) expect(listed).toContain(f.name);
      else expect(form.chaos.length).toBeGreaterThan(0);
    }
    // the differences named in the issue
    expect(listed).toEqual(expect.arrayContaining(['broker-pause', 'zone-destroy']));
    if (c === 'kraft') expect(listed).toEqual(expect.arrayContaining(['zookeeper-kill', 'zookeeper-partition']));
    else expect(listed).toEqual(expect.arrayContaining(['kraft-controller-kill', 'kraft-quorum-partition']));
  });
});

describe('Chaos Mesh objects are valid', () => {
  test.each(MODES)('every Workflow, runner Job and Service validates (%s)', async (c) => {
    const r = get(c);
    const objects = [...r.experiments.flatMap((e) => e.objects), ...r.base.find((b) => b.name === 'runner')!.objects];
    expect(await validateAll(objects)).toEqual([]);
    expect(r.experiments.length).toBeGreaterThan(12);
  });

  test('the runner Jobs, their Services and the reports volume pass kube-score (with the justified exceptions)', () => {
    const r = get('zookeeper');
    // with the namespace's NetworkPolicy: kube-score matches policies to pods only among the objects it is given
    const policy = r.base.find((b) => b.name === 'network')!.objects.filter((x) => x.metadata.name === 'faultline-within-namespace');
    expect(policy).toHaveLength(1);
    const objects = [...r.experiments.flatMap((e) => e.objects), ...r.base.find((b) => b.name === 'runner')!.objects, ...policy];
    expect(objects.filter((x) => x.kind === 'Job').length).toBe(r.experiments.length);
    expect(judge(kubeScore(objects)).failures.map(describeFinding)).toEqual([]);
  });

  test.each(MODES)('what `just k8s render` writes parses back to the same objects, and every file validates (%s)', async (c) => {
    const r = get(c);
    const dir = mkdtempSync(join(tmpdir(), 'faultline-k8s-'));
    const files = writeAll(dir, r).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    const fromFiles = files.flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as K8sObject));
    const expected = [...r.base.flatMap((b) => b.objects), ...r.experiments.flatMap((e) => e.objects)];
    expect(fromFiles).toEqual(expected);
    expect(await validateAll(fromFiles)).toEqual([]);
    expect(readFileSync(join(dir, 'experiments', 'README.txt'), 'utf8')).toContain('broker-pause: Chaos Mesh 2.8 has no SIGSTOP');
  });

  test('--faults-only: the same faults, no runner and no status checks, still valid', async () => {
    const r = renderAll({ coordination: 'zookeeper', seed: 7, faultsOnly: true });
    const objects = r.experiments.flatMap((e) => e.objects);
    expect(objects.every((x) => x.kind === 'Workflow')).toBe(true);
    expect(objects.flatMap((w) => templates(w)).some((n) => n.templateType === 'StatusCheck')).toBe(false);
    expect(await validateAll(objects)).toEqual([]);
    // the faults are those of the full form
    const faults = (w: K8sObject) => chaosIn(w).map((x) => [x.kind, x.spec]);
    for (const e of r.experiments) expect(faults(e.form.workflow)).toEqual(faults(formOf('zookeeper', e.form.experiment).form.workflow));
  });

  test('a wrong action or a misspelt field is refused', async () => {
    const w = structuredClone(formOf('zookeeper', 'zone-partition').form.workflow);
    const node = templates(w).find((n) => n.networkChaos)!;
    node.networkChaos!.action = 'partitionx';
    expect((await validate(w)).join('\n')).toMatch(/action must be equal to one of the allowed values/);

    const k = structuredClone(formOf('zookeeper', 'broker-kill').form.workflow);
    (templates(k).find((n) => n.schedule)!.schedule!.podChaos as unknown as Record<string, unknown>).gracePeriodd = 0;
    expect((await validate(k)).join('\n')).toMatch(/additional properties: gracePeriodd/);
  });
});

describe('what each fault does there', () => {
  test('kills are pod-kill; zone-kill takes every pod of the zone, by its node label; processor-kill the process stage', () => {
    const r = get('zookeeper');
    const pods = podsOf(r);
    const only = (name: string) => {
      const all = chaosIn(formOf('zookeeper', name).form.workflow);
      expect(all).toHaveLength(1);
      return all[0]!;
    };
    const kill = only('broker-kill');
    expect([kill.kind, kill.spec.action, kill.spec.mode, kill.spec.gracePeriod]).toEqual(['PodChaos', 'pod-kill', 'one', 0]);
    expect(selectedPods(r.input, kill.spec.selector, pods).map((p) => p.name).sort()).toEqual(['faultline-kafka-0', 'faultline-kafka-1', 'faultline-kafka-2']);

    const zone = only('zone-kill');
    expect([zone.spec.action, zone.spec.mode]).toEqual(['pod-kill', 'all']);
    expect(zone.spec.selector.nodeSelectors).toEqual({ 'topology.kubernetes.io/zone': formOf('zookeeper', 'zone-kill').form.zone });
    const hit = selectedPods(r.input, zone.spec.selector, pods);
    // brokers, ZooKeeper nodes and the three stages; never an ops pod (Prometheus, runner, dashboard...)
    expect(new Set(hit.map((p) => p.labels['app.kubernetes.io/name']))).toEqual(new Set(['kafka', 'zookeeper', 'faultline-ingest', 'faultline-process', 'faultline-aggregate']));
    expect(hit.every((p) => p.labels['faultline.io/fault-domain'] === 'zone')).toBe(true);

    const proc = only('processor-kill');
    expect(selectedPods(r.input, proc.spec.selector, pods).map((p) => p.owner)).toEqual(['Deployment/faultline-process']);

    const restart = only('broker-restart');
    expect(restart.spec.gracePeriod).toBeGreaterThan(0);
  });

  test.each(MODES)('zone partitions cut the zone from each other zone: both ways, or `to` for one-way (%s)', (c) => {
    const r = get(c);
    for (const [name, direction] of [['zone-partition', 'both'], ['zone-partition-one-way', 'to'], ['leader-partition', 'both']] as const) {
      const f = formOf(c, name).form;
      const legs = chaosIn(f.workflow);
      expect(legs.map((l) => [l.kind, l.spec.action, l.spec.direction])).toEqual([
        ['NetworkChaos', 'partition', direction],
        ['NetworkChaos', 'partition', direction],
      ]);
      const others = r.input.topology.zones.map((z) => z.name).filter((z) => z !== f.zone);
      expect(legs.map((l) => l.spec.target!.selector.nodeSelectors!['topology.kubernetes.io/zone'])).toEqual(others);
      for (const l of legs) expect(l.spec.selector.nodeSelectors!['topology.kubernetes.io/zone']).toBe(f.zone);
    }
  });

  test('latency is a delay between the brokers and the runner pod; repeated faults are Schedules at the experiment period', () => {
    const r = get('zookeeper');
    const [lat] = chaosIn(formOf('zookeeper', 'latency').form.workflow);
    expect([lat!.spec.action, lat!.spec.delay!.latency, lat!.spec.direction]).toEqual(['delay', '200ms', 'both']);
    const runners = selectedPods(r.input, lat!.spec.target!.selector, podsOf(r));
    expect(runners.length).toBeGreaterThan(0);
    expect(runners.every((p) => p.labels['app.kubernetes.io/component'] === 'runner')).toBe(true);
    for (const e of EXPERIMENTS) {
      const form = r.experiments.find((x) => x.form.experiment === e.name)?.form;
      const s = e.schedule(e.defaults.durationS * 1000);
      if (!form || s.kind !== 'every') continue;
      const node = templates(form.workflow).find((n) => n.templateType === 'Schedule')!;
      expect(node.schedule!.schedule).toBe(`@every ${s.everyMs / 1000}s`);
    }
  });

  test.each(MODES)('a role-based fault narrowed to one broker selects exactly that broker pod (%s)', (c) => {
    const r = get(c);
    const pods = podsOf(r);
    for (const id of brokerIds(r.input.topology)) {
      const pod = brokerPodName(c, 'faultline', id);
      const w = narrowToPod(formOf(c, 'leader-kill').form.workflow, 'leader-kill', 'faultline', pod);
      const [k] = chaosIn(w);
      expect(selectedPods(r.input, k!.spec.selector, pods).map((p) => p.name)).toEqual([pod]);
    }
  });
});

describe('selectors join the pods the manifests create', () => {
  test.each(MODES)('every selector and target of every experiment selects at least one pod (%s)', (c) => {
    const r = get(c);
    const pods = podsOf(r);
    for (const e of r.experiments) {
      for (const { node, spec } of chaosIn(e.form.workflow)) {
        for (const s of [spec.selector, spec.target?.selector].filter((x): x is Selector => Boolean(x))) {
          expect({ experiment: e.form.experiment, node: node.name, selects: selectedPods(r.input, s, pods).length > 0 }).toEqual({ experiment: e.form.experiment, node: node.name, selects: true });
        }
      }
    }
  });

  test('a typo in a selector selects nothing, so the join catches it', () => {
    const r = get('kraft');
    const [k] = chaosIn(formOf('kraft', 'broker-kill').form.workflow);
    const typo: Selector = { ...k!.spec.selector, labelSelectors: { ...k!.spec.selector.labelSelectors, 'strimzi.io/pool-name': 'broker' } };
    expect(selectedPods(r.input, k!.spec.selector, podsOf(r))).toHaveLength(3);
    expect(selectedPods(r.input, typo, podsOf(r))).toHaveLength(0);
    expect(selectedPods(r.input, { ...k!.spec.selector, nodeSelectors: { 'topology.kubernetes.io/zon': 'zone-a' } }, podsOf(r))).toHaveLength(0);
  });

  test.each(MODES)('each Workflow waits for its runner, then checks the verdict at a Service that selects that runner Job (%s)', (c) => {
    const r = get(c);
    const pods = podsOf(r);
    for (const e of r.experiments) {
      const w = e.form.workflow as K8sObject & { spec: { entry: string } };
      const entry = templates(w).find((n) => n.name === w.spec.entry)!;
      const steps = entry.children!.map((n) => templates(w).find((x) => x.name === n)!);
      expect(steps.map((s) => s.templateType)).toEqual(['StatusCheck', expect.stringMatching(/^(Schedule|Serial)$/), 'StatusCheck']);
      const url = new URL(steps[2]!.statusCheck!.http.url);
      expect([url.pathname, Number(url.port)]).toEqual(['/verdict', RUNNER_PORT]);
      const svc = e.objects.find((x) => x.kind === 'Service' && x.metadata.name === url.hostname.split('.')[0])!;
      const selected = pods.filter((p) => Object.entries((svc.spec as { selector: Record<string, string> }).selector).every(([k, v]) => p.labels[k] === v));
      expect(selected.map((p) => p.owner)).toEqual([`Job/${svc.metadata.name}`]);
      // every child a node refers to exists
      for (const n of templates(w)) for (const child of n.children ?? []) expect(templates(w).map((x) => x.name)).toContain(child);
    }
  });
});
