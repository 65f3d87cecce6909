// The pipeline on Kubernetes: ingest, process and aggregate as Deployments of
// three replicas spread one per zone, the dashboard and the lag exporter as ops
// Deployments; each with its Service, /healthz probes and resources. Ports,
// paths and environment are those each stage's main.ts reads.
import type { V1Container, V1Deployment, V1EnvVar, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import { TOPICS } from '../../pipeline/contract/index.js';
import { APP_UID, containerResources, metadata, ourLabels, podUser, restrictedContainer, type Component, type K8sObject, type RenderInput, type Resources } from './model.js';
import { NODE_SERVICE_ENV } from '../topology.js';
import { zoneSpread } from './kafka.js';

/** A core object typed by the client's models, with the name every manifest needs. */
export const core = <T extends { apiVersion?: string; kind?: string; metadata?: { name?: string } }>(x: T): K8sObject => {
  if (!x.apiVersion || !x.kind || !x.metadata?.name) throw new Error(`a manifest lacks apiVersion, kind or metadata.name: ${JSON.stringify(x).slice(0, 200)}`);
  return x as unknown as K8sObject;
};

export const bootstrap = (o: RenderInput) => `${o.options.clusterName}-kafka-bootstrap.${o.options.namespace}.svc:9092`;
export const serviceUrl = (o: RenderInput, name: string, port: number) => `http://${name}.${o.options.namespace}.svc:${port}`;

export interface NodeApp {
  name: string;
  /** pipeline/<dir>/main.ts */
  dir: string;
  port: number;
  replicas: number;
  faultDomain: 'zone' | 'ops';
  env: Record<string, string>;
  resources: Resources;
  /** Readiness waits for this long at most before the first probe answers (Kafka connect, group join). */
  startupS: number;
}

export const OTLP_PORT = 4318;

/** The five Node processes of ours, as the processes provider starts them (ports from the topology). */
export function nodeApps(o: RenderInput): NodeApp[] {
  const t = o.topology;
  const stagePort = (stage: 'ingest' | 'process' | 'aggregate') => t.stages.find((s) => s.stage === stage)!.http.port;
  const small: Resources = { cpu: ['100m', '1'], memory: '512Mi', disk: ['64Mi', '1Gi'] };
  const stage = (name: 'ingest' | 'process' | 'aggregate'): NodeApp => ({
    name,
    dir: name,
    port: stagePort(name),
    replicas: t.zones.length,
    faultDomain: 'zone',
    env:
      name === 'ingest'
        ? { INGEST_HOST: '0.0.0.0', INGEST_PORT: String(stagePort(name)), INGEST_TOPIC: TOPICS.raw }
        : { STAGE_HTTP_HOST: '0.0.0.0', STAGE_HTTP_PORT: String(stagePort(name)) },
    resources: small,
    startupS: 120,
  });
  return [
    stage('ingest'),
    stage('process'),
    stage('aggregate'),
    {
      name: 'lag-exporter',
      dir: 'lag',
      port: t.ops.lagExporter.port,
      replicas: 1,
      faultDomain: 'ops',
      env: { LAG_HTTP_HOST: '0.0.0.0', LAG_HTTP_PORT: String(t.ops.lagExporter.port) },
      resources: { cpu: ['50m', '500m'], memory: '256Mi', disk: ['64Mi', '512Mi'] },
      startupS: 60,
    },
    {
      name: 'dashboard',
      dir: 'dashboard',
      port: t.ops.dashboard.port,
      replicas: 1,
      faultDomain: 'ops',
      env: {
        DASHBOARD_HOST: '0.0.0.0',
        DASHBOARD_PORT: String(t.ops.dashboard.port),
        PROMETHEUS_URL: serviceUrl(o, 'prometheus', t.ops.prometheus.port),
        FAULTLINE_BROKERS: String(t.brokers.length),
      },
      resources: { cpu: ['50m', '500m'], memory: '256Mi', disk: ['64Mi', '512Mi'] },
      startupS: 60,
    },
  ];
}

export const appLabels = (a: NodeApp) => ourLabels(`faultline-${a.name}`, a.name, a.faultDomain);
/** The labels a Service / spread constraint selects an app's pods by (a subset of appLabels). */
export const appSelector = (a: NodeApp) => ({ 'app.kubernetes.io/name': `faultline-${a.name}`, 'app.kubernetes.io/part-of': 'faultline' });

function env(o: RenderInput, a: NodeApp): V1EnvVar[] {
  const plain: Record<string, string> = {
    ...NODE_SERVICE_ENV,
    KAFKA_BROKERS: bootstrap(o),
    OTEL_EXPORTER_OTLP_ENDPOINT: serviceUrl(o, 'tempo', OTLP_PORT),
    ...a.env,
  };
  return [
    ...Object.entries(plain).map(([name, value]) => ({ name, value })),
    // The zone (client.rack, metric labels). Kubernetes copies the node's zone label onto the pod only where the
    // PodTopologyLabelsAdmission feature is on (1.33+); elsewhere the value is empty and the stage reports no zone.
    ...(a.faultDomain === 'zone' ? [{ name: 'FAULTLINE_ZONE', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${o.options.zoneKey}']` } } }] : []),
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
}

export function nodeContainer(o: RenderInput, a: NodeApp): V1Container {
  const probe = (periodSeconds: number, failureThreshold: number) => ({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds, failureThreshold, timeoutSeconds: 2 });
  return {
    name: a.name,
    image: o.options.image,
    imagePullPolicy: 'IfNotPresent',
    workingDir: '/app',
    // tsx as a loader, as the processes provider runs them: the pid Chaos Mesh's container kill hits is the stage
    command: ['node', '--import', 'tsx', `pipeline/${a.dir}/main.ts`],
    env: env(o, a),
    ports: [{ name: 'http', containerPort: a.port, protocol: 'TCP' }],
    // process and aggregate only listen once they have joined their group: a startup probe gives them time
    startupProbe: probe(2, Math.ceil(a.startupS / 2)),
    // ready: /healthz (Kafka reachable, group joined); alive: the process still listens. A stage cut off from Kafka
    // by a partition is taken out of its Service, not restarted: restarting it would be a second fault of our own
    readinessProbe: probe(5, 2),
    livenessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 2 },
    resources: containerResources(a.resources),
    securityContext: restrictedContainer,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

export function nodeDeployment(o: RenderInput, a: NodeApp): K8sObject {
  const d: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(o, `faultline-${a.name}`, appLabels(a)),
    spec: {
      replicas: a.replicas,
      selector: { matchLabels: appSelector(a) },
      // never two pods of a stage in one zone during a rollout either
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: {
        metadata: { labels: appLabels(a), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(a.port) } },
        spec: {
          terminationGracePeriodSeconds: 30,
          automountServiceAccountToken: false,
          securityContext: podUser(APP_UID),
          containers: [nodeContainer(o, a)],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  // pipeline stages: one replica per zone, as locally; ops apps go anywhere
  if (a.faultDomain === 'zone') {
    d.spec!.template.spec!.topologySpreadConstraints = zoneSpread(o, appSelector(a));
    // and, where a zone has several nodes, not two on one node
    d.spec!.template.spec!.affinity = {
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: appSelector(a) } } }] },
    };
  }
  return core(d);
}

/** A stage of several replicas loses at most one at a time to a drain or an upgrade: one zone's worth, as a zone fault. */
export function nodeDisruptionBudget(o: RenderInput, a: NodeApp): K8sObject[] {
  if (a.replicas < 2) return [];
  const pdb: V1PodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(o, `faultline-${a.name}`, appLabels(a)),
    spec: { maxUnavailable: 1, selector: { matchLabels: appSelector(a) } },
  };
  return [core(pdb)];
}

export function nodeService(o: RenderInput, a: NodeApp): K8sObject {
  const s: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(o, a.name, appLabels(a)),
    spec: { selector: appSelector(a), ports: [{ name: 'http', port: a.port, targetPort: 'http', protocol: 'TCP' }] },
  };
  return core(s);
}

export function appComponents(o: RenderInput): Component[] {
  return nodeApps(o).map((a) => ({ name: a.name, objects: [nodeDeployment(o, a), ...nodeDisruptionBudget(o, a), nodeService(o, a)] }));
}
