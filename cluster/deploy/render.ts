// Every config file a deployment needs, rendered from the topology into its conf directory (the same files for
// both local providers: the containers mount them at the same paths), and KRaft's storage formatting.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeGrafana } from '../../dashboards/index.js';
import type { Deployment } from '../provider.js';
import { addr } from '../topology.js';
import { letter, type ComponentSpec } from './catalog.js';
import { brokerConfig, controllerConfig, jmxExporterConfig, log4jConfig, zookeeperConfig } from './configs.js';
import { prometheusConfig, tempoConfig } from './ops-configs.js';
import type { DeploymentParts } from './parts.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Renders every config file; `owners`: each zone process owns its data directory (the processes provider's zone users). */
export function renderConfigs(parts: DeploymentParts, d: Deployment, opts: { owners: boolean; components: ComponentSpec[] }): void {
  const t = parts.topology;
  const { conf, data, logs } = parts.layout;
  for (const dir of [conf, data, logs, parts.layout.run, join(conf, 'targets'), join(conf, 'rules')]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(conf, 'log4j.properties'), log4jConfig());
  writeFileSync(join(conf, 'jmx-exporter.yaml'), jmxExporterConfig());
  for (const z of t.zookeepers) {
    const name = `zookeeper-${letter(z.zone.name)}`;
    const dir = join(data, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'myid'), `${z.id}\n`);
    writeFileSync(join(conf, `${name}.properties`), zookeeperConfig(t, z, dir));
  }
  const kraftFormat: [string, string][] = [];
  for (const c of t.controllers) {
    const name = `controller-${letter(c.zone.name)}`;
    const dir = join(data, name);
    writeFileSync(join(conf, `${name}.properties`), controllerConfig(t, c, dir));
    kraftFormat.push([dir, join(conf, `${name}.properties`)]);
  }
  for (const b of t.brokers) {
    const name = `broker-${letter(b.zone.name)}`;
    const dir = join(data, name);
    writeFileSync(join(conf, `${name}.properties`), brokerConfig(t, b, dir));
    if (t.coordination === 'kraft') kraftFormat.push([dir, join(conf, `${name}.properties`)]);
  }
  for (const [dir, cfg] of kraftFormat) formatKraft(parts, dir, cfg, d.clusterId);
  // Java checks writability with access(2), which ignores capabilities for a
  // non-root real uid: each zone process must own its data directory.
  for (const s of opts.components) {
    if (!s.user || !opts.owners) continue;
    const dir = join(data, s.name);
    mkdirSync(dir, { recursive: true });
    execFileSync('chown', ['-R', `${s.user}:${s.user}`, dir]);
  }
  writeFileSync(
    join(conf, 'targets', 'pipeline.json'),
    JSON.stringify(
      [
        ...t.stages.map((st) => ({ targets: [addr(st.http)], labels: { instance: `${st.stage}-${letter(st.zone.name)}`, stage: st.stage, zone: st.zone.name } })),
        { targets: [addr(t.ops.lagExporter)], labels: { instance: 'lag-exporter', stage: 'lag', zone: 'ops' } },
        { targets: [addr(t.ops.dashboard)], labels: { instance: 'dashboard', stage: 'dashboard', zone: 'ops' } },
      ],
      null,
      2,
    ),
  );
  writeFileSync(join(conf, 'prometheus.yml'), prometheusConfig(t, { targetsDir: join(conf, 'targets'), rulesDir: join(conf, 'rules') }));
  // the alert rules are code (dashboards/alerts, tested with promtool); Prometheus loads them from its rules dir
  copyFileSync(join(REPO, 'dashboards', 'alerts', 'rules.yml'), join(conf, 'rules', 'faultline.yml'));
  writeFileSync(join(conf, 'tempo.yaml'), tempoConfig(t, join(data, 'tempo')));
  // the dashboards are code too: Grafana JSON and provisioning for any Grafana, and for ours when one is installed
  writeGrafana(join(conf, 'grafana'), { prometheus: `http://${addr(t.ops.prometheus)}`, tempo: `http://${addr(t.ops.tempo.http)}` });
}

/**
 * A new cluster id as Kafka makes one (Uuid.randomUuid): 16 random bytes in URL-safe base64, never all zero and never
 * starting with '-'. A CI deploy under KRaft failed on an id that did (1 in 64 of plain random ones): StorageTool read
 * `-t -X…` as a missing value and an unknown option, and the deployment never started.
 */
export function newClusterId(random: (n: number) => Buffer = randomBytes): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const bytes = random(16);
    const id = bytes.toString('base64url');
    if (!id.startsWith('-') && bytes.some((b) => b !== 0)) return id;
  }
  throw new Error('no usable cluster id in 1000 random draws: the random source is broken');
}

/** A KRaft node starts only from a directory formatted with the cluster's id (StorageTool), as an operator provisions it. */
export function formatKraft(parts: DeploymentParts, dir: string, cfg: string, clusterId: string): void {
  if (existsSync(join(dir, 'meta.properties'))) return;
  try {
    execFileSync('java', ['-cp', join(parts.cache.kafkaLibs, '*'), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', cfg, '--ignore-formatted'], { stdio: 'pipe' });
  } catch (e) {
    const out = String((e as { stderr?: Buffer }).stderr ?? '').trim().split('\n').slice(-5).join('\n');
    throw new Error(`formatting ${dir} for KRaft (cluster id ${clusterId}, config ${cfg}) failed; nothing was started. Kafka's StorageTool said:\n${out}\nFix the cause and deploy again.`);
  }
}

/**
 * A component's data directory as a lost disk leaves it: everything goes but ZooKeeper's myid, the identity a
 * replacement node is configured with. Under KRaft the new, empty machine is formatted with the cluster's id before
 * it starts, as an operator who replaces a node does (a wiped KRaft broker refuses to start without
 * meta.properties: a KRaft zone-destroy left broker-b down, the cluster at 2 of 3 brokers for the rest of the run).
 * Returns the directory.
 */
export function emptyDataDir(parts: DeploymentParts, spec: ComponentSpec): string {
  const dir = join(parts.layout.data, spec.name);
  for (const entry of existsSync(dir) ? readdirSync(dir) : []) if (entry !== 'myid') rmSync(join(dir, entry), { recursive: true, force: true });
  if (parts.topology.coordination === 'kraft' && (spec.kind === 'broker' || spec.kind === 'controller'))
    formatKraft(parts, dir, join(parts.layout.conf, `${spec.name}.properties`), parts.deployment!.clusterId);
  return dir;
}
