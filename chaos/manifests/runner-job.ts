// The in-cluster runner: a Job per experiment that drives the workload and runs
// the checkers (chaos/cli.ts, as locally), writes results.json / report.html to
// a reports volume, and serves /started and /verdict for the Workflow's status
// checks through a Service. Shared pieces (the reports volume, its RBAC) are
// one `runner` component of the base deployment.
import type { V1Job, V1PersistentVolumeClaim, V1Role, V1RoleBinding, V1Service, V1ServiceAccount } from '@kubernetes/client-node';
import { APP_UID, bootstrap, containerResources, core, metadata, ourLabels, podUser, restrictedContainer, serviceUrl, type Component, type K8sObject, type RenderInput } from '../../cluster/k8s/index.js';
import { RUNNER_LABELS } from './chaos-mesh-faults.js';

export const RUNNER_PORT = 8080;
export const REPORTS_CLAIM = 'faultline-reports';
const ACCOUNT = 'faultline-runner';

export const runnerName = (experiment: string) => `faultline-${experiment}`.slice(0, 63);
export const runnerUrl = (o: RenderInput, experiment: string) => serviceUrl(o, runnerName(experiment), RUNNER_PORT);

const runnerLabels = (experiment: string) => ({ ...ourLabels('faultline-runner', 'runner', 'ops'), ...RUNNER_LABELS, 'faultline.io/experiment': experiment });

/** The reports volume and the runner's permissions: find pods, and narrow role-based faults before they start. */
export function runnerBase(o: RenderInput): Component {
  const labels = ourLabels('faultline-runner', 'runner', 'ops');
  const claim: V1PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: metadata(o, REPORTS_CLAIM, labels),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
  };
  const sa: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(o, ACCOUNT, labels) };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: metadata(o, ACCOUNT, labels),
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['chaos-mesh.org'], resources: ['workflows', 'podchaos', 'networkchaos', 'schedules'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    ],
  };
  const binding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: metadata(o, ACCOUNT, labels),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ACCOUNT },
    subjects: [{ kind: 'ServiceAccount', name: ACCOUNT, namespace: o.options.namespace }],
  };
  return { name: 'runner', objects: [core(claim), core(sa), core(role), core(binding)] };
}

export function runnerJob(o: RenderInput, experiment: string, run: { durationS: number; rate: number; seed: number }): K8sObject[] {
  const name = runnerName(experiment);
  const labels = runnerLabels(experiment);
  const t = o.topology;
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(o, name, labels),
    spec: {
      // one attempt: a second run on top of the first's faults would judge a different history
      backoffLimit: 0,
      activeDeadlineSeconds: run.durationS + 1800,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: ACCOUNT,
          securityContext: podUser(APP_UID),
          containers: [
            {
              name: 'runner',
              image: o.options.image,
              imagePullPolicy: 'IfNotPresent',
              workingDir: '/app',
              command: ['node', '--import', 'tsx', 'chaos/cli.ts', experiment],
              args: ['--duration', String(run.durationS), '--rate', String(run.rate), '--seed', String(run.seed), '--coordination', t.coordination],
              env: [
                { name: 'FAULTLINE_TARGET', value: 'k8s' },
                { name: 'FAULTLINE_NAMESPACE', value: o.options.namespace },
                { name: 'FAULTLINE_RUNNER_PORT', value: String(RUNNER_PORT) },
                { name: 'KAFKA_BROKERS', value: bootstrap(o) },
                { name: 'INGEST_URL', value: serviceUrl(o, 'ingest', t.stages.find((s) => s.stage === 'ingest')!.http.port) },
                { name: 'PROMETHEUS_URL', value: serviceUrl(o, 'prometheus', t.ops.prometheus.port) },
                { name: 'TEMPO_URL', value: serviceUrl(o, 'tempo', t.ops.tempo.http.port) },
                { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: serviceUrl(o, 'tempo', 4318) },
              ],
              ports: [{ name: 'http', containerPort: RUNNER_PORT, protocol: 'TCP' }],
              resources: containerResources({ cpu: ['500m', '2'], memory: '2Gi', disk: ['256Mi', '2Gi'] }),
              securityContext: restrictedContainer,
              // results.json, junit.xml and report.html land where the local run writes them
              volumeMounts: [
                { name: 'reports', mountPath: '/app/reports/out' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'reports', persistentVolumeClaim: { claimName: REPORTS_CLAIM } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(o, name, labels),
    spec: { selector: { ...RUNNER_LABELS, 'faultline.io/experiment': experiment }, ports: [{ name: 'http', port: RUNNER_PORT, targetPort: 'http', protocol: 'TCP' }] },
  };
  return [core(job), core(service)];
}

