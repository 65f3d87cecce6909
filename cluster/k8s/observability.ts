// Prometheus, Tempo and Grafana on Kubernetes (upstream images), outside every
// fault domain. Prometheus finds every component by pod discovery in our
// namespace, with the job names the dashboards and alert rules query (kafka,
// zookeeper, kraft-controller, pipeline). Grafana is provisioned with the
// dashboards and datasources the dashboards module generates, as the
// processes provider writes them at deploy.
import { readFileSync } from 'node:fs';
import type { V1ConfigMap, V1Deployment, V1Role, V1RoleBinding, V1Service, V1ServiceAccount } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { dashboards, datasourcesYaml, providersYaml, RULES_FILE } from '../../dashboards/index.js';
import { core, OTLP_PORT, serviceUrl } from './apps.js';
import { ZOOKEEPER_METRICS_PORT } from './kafka.js';
import { containerResources, metadata, ourLabels, podUser, POOLS, restrictedContainer, VERSIONS, type Component, type K8sObject, type RenderInput, type Resources } from './model.js';

const KAFKA_METRICS_PORT = 9404; // Strimzi's JMX exporter port on Kafka pods

const opsLabels = (name: string) => ourLabels(name, 'observability', 'ops');
const selector = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'faultline' });

/** A keep rule on one pod label (Prometheus turns `strimzi.io/name` into `__meta_kubernetes_pod_label_strimzi_io_name`). */
const keepLabel = (label: string, regex: string) => ({ source_labels: [`__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9]/g, '_')}`], regex, action: 'keep' });
const podName = { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'instance' };
const podJob = (o: RenderInput, job: string, relabel: object[]) => ({
  job_name: job,
  kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [o.options.namespace] } }],
  relabel_configs: [...relabel, podName],
});
const portIs = (port: number) => ({ source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(port), action: 'keep' });

export function prometheusConfig(o: RenderInput): string {
  const t = o.topology;
  const cluster = o.options.clusterName;
  const jobs: object[] = [
    { job_name: 'prometheus', static_configs: [{ targets: [`localhost:${t.ops.prometheus.port}`], labels: { instance: 'prometheus' } }] },
    { job_name: 'tempo', static_configs: [{ targets: [`tempo.${o.options.namespace}.svc:${t.ops.tempo.http.port}`], labels: { instance: 'tempo' } }] },
    podJob(o, 'kafka', [
      ...(t.coordination === 'kraft'
        ? [keepLabel('strimzi.io/cluster', cluster), keepLabel('strimzi.io/pool-name', POOLS.brokers)]
        : [keepLabel('strimzi.io/name', `${cluster}-kafka`)]),
      portIs(KAFKA_METRICS_PORT),
    ]),
  ];
  if (t.coordination === 'zookeeper') {
    jobs.push(
      podJob(o, 'zookeeper', [
        keepLabel('strimzi.io/name', `${cluster}-zookeeper`),
        // ZooKeeper's own provider port is not a declared container port: one target per pod (its client port), readdressed
        portIs(2181),
        { source_labels: ['__meta_kubernetes_pod_ip'], regex: '(.+)', target_label: '__address__', replacement: `$1:${ZOOKEEPER_METRICS_PORT}` },
      ]),
    );
  } else {
    jobs.push(podJob(o, 'kraft-controller', [keepLabel('strimzi.io/cluster', cluster), keepLabel('strimzi.io/pool-name', POOLS.controllers), portIs(KAFKA_METRICS_PORT)]));
  }
  // our Node processes: pods annotated prometheus.io/scrape, at the annotated port; `stage` as locally
  jobs.push(
    podJob(o, 'pipeline', [
      keepLabel('app.kubernetes.io/part-of', 'faultline'),
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
      {
        source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
        regex: '(.+);(\\d+)',
        target_label: '__address__',
        replacement: '$1:$2',
      },
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], regex: 'lag-exporter', target_label: '__tmp_stage', replacement: 'lag' },
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], regex: '(ingest|process|aggregate|dashboard)', target_label: '__tmp_stage', replacement: '$1' },
      { source_labels: ['__tmp_stage'], target_label: 'stage' },
    ]),
  );
  return `# Rendered by Faultline (cluster/k8s) from the topology.\n${stringify({
    global: { scrape_interval: '5s', scrape_timeout: '4s', evaluation_interval: '5s', external_labels: { faultline: t.coordination } },
    rule_files: ['/etc/prometheus/rules/*.yml'],
    scrape_configs: jobs,
  }, { aliasDuplicateObjects: false })}`;
}

export function tempoConfig(o: RenderInput): string {
  const t = o.topology;
  return `# Rendered by Faultline (cluster/k8s): single-binary Tempo, local storage on an emptyDir.\n${stringify({
    stream_over_http_enabled: true,
    server: { http_listen_port: t.ops.tempo.http.port, grpc_listen_port: t.ops.tempo.grpc.port, log_level: 'warn' },
    distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${t.ops.tempo.otlpGrpc.port}` }, http: { endpoint: `0.0.0.0:${OTLP_PORT}` } } } } },
    ingester: { max_block_duration: '2m', trace_idle_period: '5s' },
    compactor: { compaction: { block_retention: '48h' } },
    metrics_generator: {
      registry: { external_labels: { source: 'tempo' } },
      storage: { path: '/var/tempo/generator/wal', remote_write: [{ url: `${serviceUrl(o, 'prometheus', t.ops.prometheus.port)}/api/v1/write`, send_exemplars: true }] },
      traces_storage: { path: '/var/tempo/generator/traces' },
      processor: { service_graphs: { wait: '5s' }, span_metrics: { dimensions: ['messaging.destination.name'] } },
    },
    storage: { trace: { backend: 'local', wal: { path: '/var/tempo/wal' }, local: { path: '/var/tempo/blocks' } } },
    overrides: { defaults: { metrics_generator: { processors: ['service-graphs', 'span-metrics'], generate_native_histograms: 'classic' } } },
  }, { aliasDuplicateObjects: false })}`;
}

const configMap = (o: RenderInput, name: string, data: Record<string, string>): K8sObject => {
  const c: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(o, name, opsLabels(name)), data };
  return core(c);
};

const service = (o: RenderInput, name: string, ports: { name: string; port: number }[]): K8sObject => {
  const s: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(o, name, opsLabels(name)),
    spec: { selector: selector(name), ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: 'TCP' })) },
  };
  return core(s);
};

interface OpsApp {
  name: string;
  image: string;
  args: string[];
  ports: { name: string; port: number }[];
  /** HTTP path answering 200 when ready. */
  ready: string;
  /** HTTP path answering 200 while the process is healthy; without one, liveness is the port accepting connections. */
  live?: string;
  /** The image's own user, moved above 10000 (its files are world-readable; its data is on our volumes). */
  uid: number;
  config: { configMap: string; mountPath: string }[];
  data: string;
  serviceAccount?: string;
  env?: Record<string, string>;
  resources: Resources;
}

function opsDeployment(o: RenderInput, a: OpsApp): K8sObject {
  const labels = opsLabels(a.name);
  const port = a.ports[0]!.name;
  const probe = { httpGet: { path: a.ready, port }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 2 };
  const live = { ...(a.live ? { httpGet: { path: a.live, port } } : { tcpSocket: { port } }), periodSeconds: 20, failureThreshold: 6, timeoutSeconds: 2 };
  const d: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(o, a.name, labels),
    spec: {
      replicas: 1,
      // one writer on its data volume at a time
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector(a.name) },
      template: {
        metadata: { labels },
        spec: {
          ...(a.serviceAccount ? { serviceAccountName: a.serviceAccount } : { automountServiceAccountToken: false }),
          securityContext: podUser(a.uid),
          containers: [
            {
              name: a.name,
              image: a.image,
              args: a.args,
              ...(a.env ? { env: Object.entries(a.env).map(([name, value]) => ({ name, value })) } : {}),
              ports: a.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
              readinessProbe: probe,
              livenessProbe: live,
              resources: containerResources(a.resources),
              securityContext: restrictedContainer,
              volumeMounts: [...a.config.map((c) => ({ name: c.configMap, mountPath: c.mountPath, readOnly: true })), { name: 'data', mountPath: a.data }, { name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [
            ...a.config.map((c) => ({ name: c.configMap, configMap: { name: c.configMap } })),
            // observability keeps a run's data while the pod lives; a PVC is a one-line change where history matters
            { name: 'data', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return core(d);
}

function prometheusRbac(o: RenderInput): K8sObject[] {
  const sa: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(o, 'prometheus', opsLabels('prometheus')) };
  // pod discovery in our namespace only: a Role, not a ClusterRole
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: metadata(o, 'prometheus', opsLabels('prometheus')),
    rules: [{ apiGroups: [''], resources: ['pods', 'services', 'endpoints'], verbs: ['get', 'list', 'watch'] }],
  };
  const binding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: metadata(o, 'prometheus', opsLabels('prometheus')),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'prometheus' },
    subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: o.options.namespace }],
  };
  return [core(sa), core(role), core(binding)];
}

/** The dashboards for this coordination mode, one ConfigMap key per file. */
export function grafanaDashboards(o: RenderInput): Record<string, string> {
  return Object.fromEntries(
    dashboards()
      .filter((d) => !d.coordination || d.coordination === o.topology.coordination)
      .map((d) => [d.file, JSON.stringify(d.json)]),
  );
}

export function observabilityComponents(o: RenderInput): Component[] {
  const t = o.topology;
  const prom = t.ops.prometheus.port;
  const tempoHttp = t.ops.tempo.http.port;
  const grafana = t.ops.grafana.port;
  return [
    {
      name: 'prometheus',
      objects: [
        ...prometheusRbac(o),
        configMap(o, 'prometheus-config', { 'prometheus.yml': prometheusConfig(o) }),
        configMap(o, 'prometheus-rules', { 'faultline.yml': readFileSync(RULES_FILE, 'utf8') }),
        opsDeployment(o, {
          name: 'prometheus',
          image: VERSIONS.prometheus,
          args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage', `--web.listen-address=:${prom}`],
          ports: [{ name: 'http', port: prom }],
          ready: '/-/ready',
          live: '/-/healthy',
          uid: 65534,
          config: [
            { configMap: 'prometheus-config', mountPath: '/etc/prometheus' },
            { configMap: 'prometheus-rules', mountPath: '/etc/prometheus/rules' },
          ],
          data: '/prometheus',
          serviceAccount: 'prometheus',
          resources: { cpu: ['200m', '1'], memory: '1Gi', disk: ['1Gi', '8Gi'] },
        }),
        service(o, 'prometheus', [{ name: 'http', port: prom }]),
      ],
    },
    {
      name: 'tempo',
      objects: [
        configMap(o, 'tempo-config', { 'tempo.yaml': tempoConfig(o) }),
        opsDeployment(o, {
          name: 'tempo',
          image: VERSIONS.tempo,
          args: ['-config.file=/etc/tempo/tempo.yaml'],
          ports: [
            { name: 'http', port: tempoHttp },
            { name: 'otlp-grpc', port: t.ops.tempo.otlpGrpc.port },
            { name: 'otlp-http', port: OTLP_PORT },
          ],
          ready: '/ready',
          uid: 10001,
          config: [{ configMap: 'tempo-config', mountPath: '/etc/tempo' }],
          data: '/var/tempo',
          resources: { cpu: ['100m', '1'], memory: '1Gi', disk: ['1Gi', '8Gi'] },
        }),
        service(o, 'tempo', [
          { name: 'http', port: tempoHttp },
          { name: 'otlp-grpc', port: t.ops.tempo.otlpGrpc.port },
          { name: 'otlp-http', port: OTLP_PORT },
        ]),
      ],
    },
    {
      name: 'grafana',
      objects: [
        configMap(o, 'grafana-datasources', { 'faultline.yaml': datasourcesYaml(serviceUrl(o, 'prometheus', prom), serviceUrl(o, 'tempo', tempoHttp)) }),
        configMap(o, 'grafana-providers', { 'faultline.yaml': providersYaml('/var/lib/grafana/dashboards/faultline') }),
        configMap(o, 'grafana-dashboards', grafanaDashboards(o)),
        opsDeployment(o, {
          name: 'grafana',
          image: VERSIONS.grafana,
          args: [],
          env: {
            GF_SERVER_HTTP_PORT: String(grafana),
            GF_AUTH_ANONYMOUS_ENABLED: 'true',
            GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
            GF_PATHS_DATA: '/var/lib/grafana/data',
            GF_PATHS_LOGS: '/tmp/grafana-logs',
          },
          ports: [{ name: 'http', port: grafana }],
          ready: '/api/health',
          uid: 10472,
          config: [
            { configMap: 'grafana-datasources', mountPath: '/etc/grafana/provisioning/datasources' },
            { configMap: 'grafana-providers', mountPath: '/etc/grafana/provisioning/dashboards' },
            { configMap: 'grafana-dashboards', mountPath: '/var/lib/grafana/dashboards/faultline' },
          ],
          data: '/var/lib/grafana/data',
          resources: { cpu: ['100m', '500m'], memory: '512Mi', disk: ['256Mi', '1Gi'] },
        }),
        service(o, 'grafana', [{ name: 'http', port: grafana }]),
      ],
    },
  ];
}
