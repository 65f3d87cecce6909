// The k8s provider's manifests, offline: every object valid against the
// Kubernetes models and the Strimzi CRD schemas (strictly: a misspelt field
// fails), and the properties that matter asserted on the objects themselves.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { dashboards } from '../../dashboards/index.js';
import { topology, ZONE_NAMES, type Coordination } from '../topology.js';
import { allPods, judge, kubeScore, LINT_EXCEPTIONS, describeFinding, nodeApps, renderCluster, strimziPods, templatePods, USER_FACING, writeManifests, type K8sObject, type PodModel } from './index.js';
import { schemasDir, unknownFields, validate, validateAll } from './validate.js';

const MODES: Coordination[] = ['zookeeper', 'kraft'];
const render = (c: Coordination) => {
  const { input, components } = renderCluster(topology(c));
  return { o: input, objects: components.flatMap((x) => x.objects) };
};
const byKind = (objects: K8sObject[], kind: string) => objects.filter((x) => x.kind === kind);
const matches = (selector: Record<string, string>, pod: PodModel) => Object.entries(selector).every(([k, v]) => pod.labels[k] === v);
type Spread = { maxSkew: number; topologyKey: string; whenUnsatisfiable: string; labelSelector: { matchLabels: Record<string, string> } };

describe('k8s manifests are valid', () => {
  test('the CRD schemas are found (a missing directory fails here, it is never skipped)', () => {
    expect(() => schemasDir()).not.toThrow();
    expect(() => schemasDir({ FAULTLINE_K8S_SCHEMAS: '/nonexistent/k8s-schemas' })).toThrow(/no CRD schemas for Strimzi \/ Chaos Mesh found \(looked in \/nonexistent\/k8s-schemas\)/);
  });

  test.each(MODES)('every rendered object validates (%s)', async (c) => {
    const { objects } = render(c);
    expect(objects.length).toBeGreaterThan(20);
    expect(await validateAll(objects)).toEqual([]);
  });

  test('a misspelt field is refused, in a core kind and in a Strimzi kind', async () => {
    const { objects } = render('zookeeper');
    const deployment = structuredClone(byKind(objects, 'Deployment')[0]!) as K8sObject & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    deployment.spec.template.spec.containers[0]!.imagePullPolcy = 'Always';
    expect((await validate(deployment)).join('\n')).toMatch(/imagePullPolcy \(unknown field of V1Container\)/);

    const kafka = structuredClone(byKind(objects, 'Kafka')[0]!) as K8sObject & { spec: { zookeeper: Record<string, unknown> } };
    kafka.spec.zookeeper.replicsa = 3;
    expect((await validate(kafka)).join('\n')).toMatch(/additional properties: replicsa/);

    const topic = structuredClone(byKind(objects, 'KafkaTopic')[0]!);
    topic.metadata = { ...topic.metadata, ...({ lables: { a: 'b' } } as object) };
    expect((await validate(topic)).join('\n')).toMatch(/metadata\.lables/);

    const service = structuredClone(byKind(objects, 'Service')[0]!) as K8sObject & { spec: Record<string, unknown> };
    service.spec.ports = 'http';
    expect(await validate(service)).not.toEqual([]);
  });

  test('the strict walk knows every field it is given and refuses one it does not', () => {
    expect(unknownFields({ name: 'c', image: 'i', ports: [{ containerPort: 1, nmae: 'x' }] }, 'V1Container')).toEqual(['.ports[0].nmae (unknown field of V1ContainerPort)']);
  });
});

describe('Kafka on Strimzi', () => {
  test.each(MODES)('three brokers spread over three zones, rack-aware on the zone label (%s)', (c) => {
    const { o, objects } = render(c);
    const kafka = byKind(objects, 'Kafka')[0] as K8sObject & { spec: { kafka: { rack: { topologyKey: string }; template: { pod?: { topologySpreadConstraints: Spread[] } } } } };
    expect(kafka.spec.kafka.rack.topologyKey).toBe('topology.kubernetes.io/zone');
    const brokers = strimziPods(o, objects).filter((p) => p.labels['strimzi.io/broker-role'] === 'true');
    expect(brokers).toHaveLength(3);
    // the spread constraint sits in the template that makes the broker pods, and selects exactly those pods
    const spreads: Spread[] =
      c === 'zookeeper'
        ? kafka.spec.kafka.template.pod!.topologySpreadConstraints
        : ((byKind(objects, 'KafkaNodePool').find((p) => (p.spec as { roles: string[] }).roles.includes('broker'))!.spec as { template: { pod: { topologySpreadConstraints: Spread[] } } }).template.pod.topologySpreadConstraints);
    expect(spreads).toHaveLength(1);
    const s = spreads[0]!;
    expect([s.maxSkew, s.topologyKey, s.whenUnsatisfiable]).toEqual([1, 'topology.kubernetes.io/zone', 'DoNotSchedule']);
    const spreadOver = strimziPods(o, objects).filter((p) => matches(s.labelSelector.matchLabels, p));
    expect(spreadOver.map((p) => p.name).sort()).toEqual(brokers.map((p) => p.name).sort());
    // three pods, maxSkew 1 over three zones: one per zone
    expect(o.topology.zones.map((z) => z.name)).toEqual([...ZONE_NAMES]);
  });

  test.each(MODES)('RF 3, min ISR 2 and no unclean election everywhere: brokers, internal topics, every KafkaTopic (%s)', (c) => {
    const { objects } = render(c);
    const config = (byKind(objects, 'Kafka')[0]!.spec as { kafka: { config: Record<string, unknown> } }).kafka.config;
    expect(config['default.replication.factor']).toBe(3);
    expect(config['min.insync.replicas']).toBe(2);
    expect(config['unclean.leader.election.enable']).toBe(false);
    expect(config['offsets.topic.replication.factor']).toBe(3);
    expect(config['transaction.state.log.replication.factor']).toBe(3);
    expect(config['transaction.state.log.min.isr']).toBe(2);
    expect(config['auto.create.topics.enable']).toBe(false);
    const topics = byKind(objects, 'KafkaTopic');
    expect(topics.map((t) => (t.spec as { topicName: string }).topicName).sort()).toEqual(['logs.aggregates', 'logs.dlq', 'logs.processed', 'logs.raw']);
    for (const t of topics) {
      const spec = t.spec as { replicas: number; config: Record<string, unknown> };
      expect(t.metadata.labels?.['strimzi.io/cluster']).toBe('faultline');
      expect(spec.replicas).toBe(3);
      expect(spec.config['min.insync.replicas']).toBe(2);
      expect(spec.config['unclean.leader.election.enable']).toBe(false);
    }
  });

  test.each(MODES)('a PodDisruptionBudget lets one broker (and one ZooKeeper node) go at a time (%s)', (c) => {
    const { objects } = render(c);
    const spec = byKind(objects, 'Kafka')[0]!.spec as { kafka: { template: { podDisruptionBudget: { maxUnavailable: number } } }; zookeeper?: { template: { podDisruptionBudget: { maxUnavailable: number } } } };
    expect(spec.kafka.template.podDisruptionBudget.maxUnavailable).toBe(1);
    if (c === 'zookeeper') expect(spec.zookeeper!.template.podDisruptionBudget.maxUnavailable).toBe(1);
  });

  test('ZooKeeper mode: 3 ZooKeeper nodes, no node pools; KRaft: 3 controllers and 3 brokers in pools, ids as the topology', () => {
    const zk = render('zookeeper');
    expect((byKind(zk.objects, 'Kafka')[0]!.spec as { zookeeper: { replicas: number } }).zookeeper.replicas).toBe(3);
    expect(byKind(zk.objects, 'KafkaNodePool')).toHaveLength(0);
    expect(strimziPods(zk.o, zk.objects).filter((p) => p.labels['strimzi.io/name'] === 'faultline-zookeeper')).toHaveLength(3);

    const kr = render('kraft');
    const kafka = byKind(kr.objects, 'Kafka')[0]!;
    expect(kafka.metadata.annotations).toMatchObject({ 'strimzi.io/kraft': 'enabled', 'strimzi.io/node-pools': 'enabled' });
    expect((kafka.spec as Record<string, unknown>).zookeeper).toBeUndefined();
    const pools = Object.fromEntries(byKind(kr.objects, 'KafkaNodePool').map((p) => [p.metadata.name, p]));
    expect((pools.controllers!.spec as { roles: string[]; replicas: number }).roles).toEqual(['controller']);
    expect((pools.brokers!.spec as { roles: string[] }).roles).toEqual(['broker']);
    expect(pools.controllers!.metadata.annotations!['strimzi.io/next-node-ids']).toBe('[11-13]');
    expect(pools.brokers!.metadata.annotations!['strimzi.io/next-node-ids']).toBe('[1-3]');
    expect(strimziPods(kr.o, kr.objects).map((p) => p.name).sort()).toEqual(['faultline-brokers-1', 'faultline-brokers-2', 'faultline-brokers-3', 'faultline-controllers-11', 'faultline-controllers-12', 'faultline-controllers-13']);
  });

  test('the JMX exporter rules are a ConfigMap of our own, and the Kafka resource points at it', () => {
    const { objects } = render('zookeeper');
    const ref = (byKind(objects, 'Kafka')[0]!.spec as { kafka: { metricsConfig: { valueFrom: { configMapKeyRef: { name: string; key: string } } } } }).kafka.metricsConfig.valueFrom.configMapKeyRef;
    const cm = byKind(objects, 'ConfigMap').find((x) => x.metadata.name === ref.name)!;
    const rules = parse((cm.data as Record<string, string>)[ref.key]!) as { rules: unknown[] };
    expect(rules.rules.length).toBeGreaterThan(5);
  });
});

describe('pipeline, dashboard and lag exporter', () => {
  test.each(MODES)('stages: 3 replicas, one per zone, readiness on /healthz and liveness on the port the stage listens on, requests and limits (%s)', (c) => {
    const { o, objects } = render(c);
    for (const app of nodeApps(o)) {
      const d = byKind(objects, 'Deployment').find((x) => x.metadata.name === `faultline-${app.name}`)!;
      const spec = d.spec as { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { topologySpreadConstraints?: Spread[]; containers: { env: { name: string; value?: string }[]; ports: { name: string; containerPort: number }[]; readinessProbe: { httpGet: { path: string; port: string } }; livenessProbe: { tcpSocket: { port: string } }; resources: { requests: object; limits: object } }[] } } };
      const ctr = spec.template.spec.containers[0]!;
      // the port the stage's main.ts reads from its environment is the container port the probes hit
      const env = Object.fromEntries(ctr.env.map((e) => [e.name, e.value]));
      const listens = Number(env.INGEST_PORT ?? env.STAGE_HTTP_PORT ?? env.LAG_HTTP_PORT ?? env.DASHBOARD_PORT);
      const port = ctr.ports.find((p) => p.name === ctr.readinessProbe.httpGet.port)!;
      expect(port.containerPort).toBe(listens);
      expect(env.INGEST_HOST ?? env.STAGE_HTTP_HOST ?? env.LAG_HTTP_HOST ?? env.DASHBOARD_HOST).toBe('0.0.0.0');
      // a stage cut off from Kafka leaves its Service (readiness) and is not restarted (liveness is the port)
      expect([ctr.readinessProbe.httpGet.path, ctr.livenessProbe.tcpSocket.port]).toEqual(['/healthz', port.name]);
      expect(Object.keys(ctr.resources.requests).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
      expect(Object.keys(ctr.resources.limits).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
      expect(matches(spec.selector.matchLabels, { owner: '', namespace: 'faultline', labels: spec.template.metadata.labels, zones: [] })).toBe(true);
      if (app.faultDomain === 'zone') {
        expect(spec.replicas).toBe(3);
        const s = spec.template.spec.topologySpreadConstraints![0]!;
        expect([s.maxSkew, s.topologyKey, s.whenUnsatisfiable]).toEqual([1, 'topology.kubernetes.io/zone', 'DoNotSchedule']);
        expect(matches(s.labelSelector.matchLabels, { owner: '', namespace: 'faultline', labels: spec.template.metadata.labels, zones: [] })).toBe(true);
      }
    }
    expect(nodeApps(o).map((a) => a.name)).toEqual(['ingest', 'process', 'aggregate', 'lag-exporter', 'dashboard']);
  });

  test.each(MODES)('every Service selects pods that exist and targets a port they name; every referenced ConfigMap and account exists (%s)', (c) => {
    const { o, objects } = render(c);
    const pods = allPods(o, objects);
    for (const s of byKind(objects, 'Service')) {
      const spec = s.spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
      const selected = pods.filter((p) => matches(spec.selector, p));
      expect({ service: s.metadata.name, selected: selected.length > 0 }).toEqual({ service: s.metadata.name, selected: true });
      const owner = objects.find((x) => `${x.kind}/${x.metadata.name}` === selected[0]!.owner)!;
      const names = JSON.stringify(owner.spec).match(/"name":"[^"]+","containerPort"/g) ?? [];
      for (const p of spec.ports) expect(names.join()).toContain(`"name":"${p.targetPort}"`);
    }
    const configMaps = new Set(byKind(objects, 'ConfigMap').map((x) => x.metadata.name));
    const accounts = new Set(byKind(objects, 'ServiceAccount').map((x) => x.metadata.name));
    const text = JSON.stringify(objects);
    for (const [, name] of text.matchAll(/"configMap":\{"name":"([^"]+)"\}/g)) expect(configMaps).toContain(name);
    for (const [, name] of text.matchAll(/"configMapKeyRef":\{"name":"([^"]+)"/g)) expect(configMaps).toContain(name);
    for (const [, name] of text.matchAll(/"serviceAccountName":"([^"]+)"/g)) expect(accounts).toContain(name);
    // the API server refuses ConfigMaps over 1 MiB
    for (const cm of byKind(objects, 'ConfigMap')) expect(JSON.stringify(cm.data).length).toBeLessThan(1024 * 1024);
  });
});

describe('observability', () => {
  test.each(MODES)('Prometheus scrapes every component under the job names the dashboards and alerts query (%s)', (c) => {
    const { objects } = render(c);
    const cm = byKind(objects, 'ConfigMap').find((x) => x.metadata.name === 'prometheus-config')!;
    const config = parse((cm.data as Record<string, string>)['prometheus.yml']!) as { scrape_configs: { job_name: string }[]; rule_files: string[] };
    expect(config.scrape_configs.map((j) => j.job_name).sort()).toEqual(['kafka', c === 'zookeeper' ? 'zookeeper' : 'kraft-controller', 'pipeline', 'prometheus', 'tempo'].sort());
    // every pod of ours is annotated for the pipeline job at the port it serves /metrics on
    for (const d of byKind(objects, 'Deployment').filter((x) => x.metadata.labels?.['app.kubernetes.io/name']?.startsWith('faultline-'))) {
      const t = (d.spec as { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { ports: { containerPort: number }[] }[] } } }).template;
      expect(t.metadata.annotations['prometheus.io/scrape']).toBe('true');
      expect(Number(t.metadata.annotations['prometheus.io/port'])).toBe(t.spec.containers[0]!.ports[0]!.containerPort);
    }
    // every pod-discovery job's keep rules on pod labels select the pods they are meant to (joined to the pod model)
    const pods = allPods(render(c).o, objects);
    const keeps = (job: string) => {
      const rules = (config.scrape_configs.find((j) => j.job_name === job) as unknown as { relabel_configs: { source_labels: string[]; regex: string; action?: string }[] }).relabel_configs;
      const labelRules = rules.filter((r) => r.action === 'keep' && /^__meta_kubernetes_pod_(label|annotation)_/.test(r.source_labels[0]!));
      const promName = (kind: string, k: string) => `__meta_kubernetes_pod_${kind}_${k.replace(/[^a-zA-Z0-9]/g, '_')}`;
      const meta = (p: PodModel) => [...Object.entries(p.labels).map(([k, v]) => [promName('label', k), v]), ...Object.entries(p.annotations ?? {}).map(([k, v]) => [promName('annotation', k), v])];
      return pods.filter((p) => labelRules.every((r) => meta(p).some(([k, v]) => k === r.source_labels[0] && new RegExp(`^(?:${r.regex})$`).test(v!))));
    };
    expect(keeps('kafka').map((p) => p.name).sort()).toEqual(strimziPods(render(c).o, objects).filter((p) => p.labels['strimzi.io/broker-role'] === 'true').map((p) => p.name).sort());
    expect(keeps(c === 'zookeeper' ? 'zookeeper' : 'kraft-controller')).toHaveLength(3);
    expect(new Set(keeps('pipeline').map((p) => p.owner))).toEqual(new Set(nodeApps(render(c).o).map((a) => `Deployment/faultline-${a.name}`)));
    const rules = byKind(objects, 'ConfigMap').find((x) => x.metadata.name === 'prometheus-rules')!;
    expect((rules.data as Record<string, string>)['faultline.yml']).toContain('KafkaBrokerDown');
  });

  test.each(MODES)('Grafana is provisioned with the generated dashboards and datasources pointing at our Services (%s)', (c) => {
    const { objects } = render(c);
    const cm = (name: string) => byKind(objects, 'ConfigMap').find((x) => x.metadata.name === name)!.data as Record<string, string>;
    const expected = dashboards().filter((d) => !d.coordination || d.coordination === c).map((d) => d.file);
    expect(Object.keys(cm('grafana-dashboards')).sort()).toEqual(expected.sort());
    for (const json of Object.values(cm('grafana-dashboards'))) expect(JSON.parse(json)).toHaveProperty('uid');
    const ds = parse(cm('grafana-datasources')['faultline.yaml']!) as { datasources: { type: string; url: string }[] };
    const services = new Set(byKind(objects, 'Service').map((s) => s.metadata.name));
    for (const d of ds.datasources) expect(services).toContain(new URL(d.url).hostname.split('.')[0]);
  });
});

test('dependency direction: cluster/k8s imports nothing of chaos (chaos/manifests imports it, never the reverse)', () => {
  const dir = new URL('.', import.meta.url).pathname;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const imports = [...readFileSync(join(dir, f), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
    expect({ file: f, chaos: imports.filter((i) => /(^|\/)chaos\//.test(i)) }).toEqual({ file: f, chaos: [] });
  }
});

test('render writes one YAML file per component and a kustomization listing them all', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-k8s-'));
  const { input, components } = renderCluster(topology('kraft'));
  const files = writeManifests(dir, input, components);
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { namespace: string; resources: string[] };
  expect(kustomization.namespace).toBe('faultline');
  expect(kustomization.resources.sort()).toEqual(readdirSync(dir).filter((f) => f !== 'kustomization.yaml').sort());
  expect(files).toContain('kafka.yaml');
  const docs = parseAllDocuments(readFileSync(join(dir, 'kafka.yaml'), 'utf8')).map((d) => d.toJS() as K8sObject);
  expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Kafka', 'KafkaNodePool', 'KafkaNodePool']);
});

describe('kube-score (built by setup) passes; every exception is justified and still needed', () => {
  test('every warning and critical finding on both modes is a listed exception, and every exception is used', () => {
    const findings = MODES.flatMap((c) => kubeScore(render(c).objects));
    const r = judge(findings);
    expect(r.failures.map(describeFinding)).toEqual([]);
    expect(r.unused.map((e) => e.check)).toEqual([]);
    for (const e of LINT_EXCEPTIONS) expect(e.why.length).toBeGreaterThan(40);
  });

  test('it fails a Deployment without limits whose two probes are the same, and a policy that selects nothing', () => {
    const { objects } = render('zookeeper');
    const d = structuredClone(byKind(objects, 'Deployment').find((x) => x.metadata.name === 'faultline-ingest')!) as K8sObject & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    const ctr = d.spec.template.spec.containers[0]!;
    delete ctr.resources;
    ctr.livenessProbe = ctr.readinessProbe;
    const policy = structuredClone(byKind(objects, 'NetworkPolicy').find((x) => x.metadata.name === 'faultline-within-namespace')!) as K8sObject & { spec: { podSelector: object } };
    policy.spec.podSelector = { matchLabels: { 'app.kubernetes.io/part-of': 'faultlien' } };
    const failed = judge(kubeScore([d, policy])).failures.map((f) => `${f.name} ${f.check}`);
    expect(failed).toEqual(expect.arrayContaining(['faultline-ingest container-resources', 'faultline-ingest pod-probes-identical', 'faultline-within-namespace networkpolicy-targets-pod']));
  });

  test.each(MODES)('network policies: every pod of ours is covered; only the user-facing ones admit traffic from outside (%s)', (c) => {
    const { o, objects } = render(c);
    const policies = byKind(objects, 'NetworkPolicy') as (K8sObject & { spec: { podSelector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; values: string[] }[] }; ingress: { from?: object[] }[] } })[];
    const selects = (p: (typeof policies)[number], pod: PodModel) =>
      matches(p.spec.podSelector.matchLabels ?? {}, pod) && (p.spec.podSelector.matchExpressions ?? []).every((e) => e.values.includes(pod.labels[e.key]!));
    const ours = templatePods(o, objects);
    expect(ours.length).toBeGreaterThan(5);
    for (const pod of ours) {
      const covering = policies.filter((p) => selects(p, pod));
      expect([pod.owner, covering.length > 0]).toEqual([pod.owner, true]);
      const open = covering.some((p) => p.spec.ingress.some((rule) => !rule.from));
      expect([pod.owner, open]).toEqual([pod.owner, USER_FACING.includes(pod.labels['app.kubernetes.io/name']!)]);
    }
    // the ZooKeeper metrics policy selects pods Strimzi will create (kube-score cannot see them)
    if (c === 'zookeeper') {
      const zk = policies.find((p) => p.metadata.name.endsWith('-zookeeper-metrics'))!;
      expect(strimziPods(o, objects).filter((pod) => selects(zk, pod)).length).toBe(3);
    }
  });
});
