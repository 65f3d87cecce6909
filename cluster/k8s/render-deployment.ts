// The k8s provider's render: every component of the deployment as plain YAML,
// one file per component, and a kustomization.yaml listing them, so
// `kubectl apply -k DIR` (or our `just k8s apply`) takes the whole directory.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { V1Namespace } from '@kubernetes/client-node';
import type { Topology } from '../topology.js';
import { appComponents, core } from './apps.js';
import { kafkaComponents } from './kafka.js';
import { input, LABELS, PART_OF, type Component, type K8sObject, type K8sOptions, type RenderInput } from './model.js';
import { observabilityComponents } from './observability.js';

export function namespaceComponent(o: RenderInput): Component {
  const ns: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: o.options.namespace,
      labels: { 'app.kubernetes.io/part-of': 'faultline' },
      // Chaos Mesh installed with enableFilterNamespace only injects into namespaces annotated so
      annotations: { 'chaos-mesh.org/inject': 'enabled' },
    },
  };
  return { name: 'namespace', objects: [core(ns)] };
}

/** The pods a user reaches from outside the namespace: the ingest (load), the dashboard and Grafana (people). */
export const USER_FACING = ['faultline-ingest', 'faultline-dashboard', 'grafana'];

/**
 * Who may talk to our pods: anything in the namespace (stages, Kafka, Prometheus scraping, the runner) and Chaos
 * Mesh's controller (the Workflow's status checks call the runner); the user-facing pods also from anywhere on their
 * HTTP port. Egress stays open: the stages need Kafka, DNS and Tempo, and a rule per peer would only restate the
 * topology. Strimzi writes the policies of its own pods; these add to them.
 */
export function networkComponent(o: RenderInput): Component {
  const ours = { matchLabels: { [LABELS.partOf]: PART_OF } };
  // plain objects: the client's model spells `from` as `_from`
  const within: K8sObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'faultline-within-namespace', namespace: o.options.namespace, labels: { [LABELS.partOf]: PART_OF } },
    spec: {
      podSelector: ours,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o.options.chaosMeshNamespace } } }] }],
      egress: [{}],
    },
  };
  const userFacing: K8sObject = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'faultline-user-facing', namespace: o.options.namespace, labels: { [LABELS.partOf]: PART_OF } },
    spec: {
      podSelector: { matchLabels: { [LABELS.partOf]: PART_OF }, matchExpressions: [{ key: LABELS.name, operator: 'In', values: USER_FACING }] },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: 'http' }] }],
    },
  };
  return { name: 'network', objects: [within, userFacing] };
}

/** Every component of the deployment (Chaos Mesh forms and the runner Job live in chaos/manifests). */
export function renderCluster(topology: Topology, options: Partial<K8sOptions> = {}): { input: RenderInput; components: Component[] } {
  const o = input(topology, options);
  const components = [namespaceComponent(o), ...kafkaComponents(o), ...appComponents(o), ...observabilityComponents(o), networkComponent(o)];
  const names = components.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`two components are both called ${dup}: each renders to its own file`);
  return { input: o, components };
}

const HEADER = '# Rendered by Faultline';

export const toYaml = (objects: K8sObject[]): string =>
  objects.map((x) => stringify(x, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');

export function kustomization(o: RenderInput, files: string[]): string {
  return `${HEADER}: \`kubectl apply -k <this directory>\`.\n${stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: o.options.namespace,
    resources: files,
  }, { aliasDuplicateObjects: false })}`;
}

/**
 * Writes `<component>.yaml` per component and kustomization.yaml into `dir`. Earlier renders' YAML files are removed
 * first (a component that no longer exists must not linger in the kustomization's directory); only files that start
 * with our header are, so a directory of someone else's YAML is never emptied.
 */
export function writeManifests(dir: string, o: RenderInput, components: Component[]): string[] {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.yaml') && readFileSync(join(dir, f), 'utf8').startsWith(HEADER)) rmSync(join(dir, f));
  const files = components.filter((c) => c.objects.length).map((c) => {
    const file = `${c.name}.yaml`;
    writeFileSync(join(dir, file), `${HEADER} from the shared topology (${o.topology.coordination}); edits are overwritten.\n${toYaml(c.objects)}`);
    return file;
  });
  writeFileSync(join(dir, 'kustomization.yaml'), kustomization(o, files));
  return [...files, 'kustomization.yaml'];
}
