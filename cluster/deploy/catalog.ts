// Every component of the topology as a spec: what runs (command, arguments, environment), as whom and in which
// zone, where it listens, and the marker that finds its process again. Both local providers run these same specs:
// the processes provider as processes, the containers provider each in its own container.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ComponentKind } from '../provider.js';
import { addr, bootstrapServers, NODE_SERVICE_ENV, type Endpoint, type Zone } from '../topology.js';
import { jvmArgs } from './configs.js';
import type { DeploymentParts } from './parts.js';

export interface ComponentSpec {
  /** Unique name, e.g. broker-a, zookeeper-b, prometheus. */
  name: string;
  kind: ComponentKind;
  /** Zone user the process runs as; undefined for ops processes (root). */
  user?: string;
  zone?: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Addresses it listens on once ready; `status` checks each. */
  listens: { host: string; port: number }[];
  /** A string unique to this component in its command line (config path), to tell it from a recycled pid. */
  marker: string;
}

export const letter = (zone: string) => zone.slice(-1);

/**
 * The marker of a Node component of the deployment in `state`, passed as its command line's last argument. It ends
 * with the space cmdline() puts after every argument, so it matches that argument whole: `...@/var/lib/faultline `
 * is not inside `...@/var/lib/faultline-containers `.
 */
export const componentMarker = (name: string, state: string) => `--faultline-component=${name}@${state} `;

/** The checkout: stage processes run its sources through tsx. */
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A Grafana found on this machine (none can be installed from the registries here): its binary and home. */
export function grafanaBinary(): { bin: string; home: string } | undefined {
  for (const name of ['grafana', 'grafana-server']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const bin = r.status === 0 ? r.stdout.trim() : '';
    if (!bin) continue;
    const home = ['/usr/share/grafana', join(bin, '..', '..', 'share', 'grafana')].find((h) => existsSync(join(h, 'conf', 'defaults.ini')));
    if (home) return { bin, home };
  }
  return undefined;
}

/** Every component of the topology, in the order `status` lists them. */
export function componentSpecs(parts: DeploymentParts): ComponentSpec[] {
  return [...kafkaSpecs(parts), ...opsSpecs(parts), ...stageSpecs(parts), ...grafanaSpecs(parts), ...opsNodeSpecs(parts)];
}

/** ZooKeeper or the KRaft controllers, and the brokers: JVMs in their zones, the Kafka ones with the JMX exporter. */
function kafkaSpecs(parts: DeploymentParts): ComponentSpec[] {
  const t = parts.topology;
  const { conf, logs } = parts.layout;
  const jvm = (kind: 'zookeeper' | 'controller' | 'broker', zone: Zone, heapMb: number, main: string, listens: Endpoint[], metrics?: Endpoint): ComponentSpec => {
    const name = `${kind}-${letter(zone.name)}`;
    const cfg = join(conf, `${name}.properties`);
    const agent = metrics ? { agentJar: parts.cache.jmxAgent, metrics } : {};
    return {
      name,
      kind,
      user: zone.user,
      zone: zone.name,
      command: 'java',
      args: [...jvmArgs({ component: name, heapMb, confDir: conf, logDir: logs, ...agent }), '-cp', join(parts.cache.kafkaLibs, '*'), main, cfg],
      listens,
      marker: cfg,
    };
  };
  return [
    ...t.zookeepers.map((z) => jvm('zookeeper', z.zone, 128, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', [z.client, z.metrics])),
    ...t.controllers.map((c) => jvm('controller', c.zone, 256, 'kafka.Kafka', [c.listener, c.metrics], c.metrics)),
    ...t.brokers.map((b) => jvm('broker', b.zone, 512, 'kafka.Kafka', [b.listener, b.metrics], b.metrics)),
  ];
}

/** Prometheus, Tempo and toxiproxy: outside every zone. */
function opsSpecs(parts: DeploymentParts): ComponentSpec[] {
  const t = parts.topology;
  const { conf, data } = parts.layout;
  const specs: ComponentSpec[] = [];
  const promCfg = join(conf, 'prometheus.yml');
  specs.push({
    name: 'prometheus',
    kind: 'prometheus',
    zone: 'ops',
    command: 'prometheus',
    args: [
      `--config.file=${promCfg}`,
      `--storage.tsdb.path=${join(data, 'prometheus')}`,
      `--storage.tsdb.retention.time=7d`,
      `--web.listen-address=${t.ops.prometheus.host}:${t.ops.prometheus.port}`,
      '--web.enable-remote-write-receiver',
      '--web.enable-lifecycle',
      '--enable-feature=exemplar-storage',
    ],
    listens: [t.ops.prometheus],
    marker: promCfg,
  });
  const tempoCfg = join(conf, 'tempo.yaml');
  specs.push({
    name: 'tempo',
    kind: 'tempo',
    zone: 'ops',
    command: parts.cache.tempo,
    args: [`-config.file=${tempoCfg}`],
    listens: [t.ops.tempo.http, t.ops.tempo.otlpGrpc, t.ops.tempo.otlpHttp],
    marker: tempoCfg,
  });
  specs.push({
    name: 'toxiproxy',
    kind: 'toxiproxy',
    zone: 'ops',
    command: parts.cache.toxiproxy,
    args: ['-host', t.ops.toxiproxy.host, '-port', String(t.ops.toxiproxy.port)],
    listens: [t.ops.toxiproxy],
    marker: `${parts.cache.toxiproxy} -host ${t.ops.toxiproxy.host} -port ${t.ops.toxiproxy.port}`,
  });
  return specs;
}

/** The pipeline: ingest, process and aggregate in each zone. */
function stageSpecs(parts: DeploymentParts): ComponentSpec[] {
  const t = parts.topology;
  const specs: ComponentSpec[] = [];
  for (const st of t.stages) {
    const http: Record<string, string> =
      st.stage === 'ingest'
        ? { INGEST_HOST: st.http.host, INGEST_PORT: String(st.http.port) }
        : { STAGE_HTTP_HOST: st.http.host, STAGE_HTTP_PORT: String(st.http.port) };
    const client: Record<string, string> = st.stage === 'ingest' ? { INGEST_KAFKA_CLIENT: parts.ingestClient } : {};
    specs.push(nodeSpec(parts, `${st.stage}-${letter(st.zone.name)}`, 'pipeline', st.stage, st.http, { FAULTLINE_ZONE: st.zone.name, ...http, ...client }, st.zone));
  }
  return specs;
}

/** Grafana, when one is installed on this machine. */
function grafanaSpecs(parts: DeploymentParts): ComponentSpec[] {
  const t = parts.topology;
  const specs: ComponentSpec[] = [];
  const grafana = grafanaBinary();
  if (grafana) {
    const g = join(parts.paths.state, 'conf', 'grafana');
    specs.push({
      name: 'grafana',
      kind: 'grafana',
      zone: 'ops',
      command: grafana.bin,
      // `cfg:` overrides on the command line (also our marker for finding the process again)
      args: [...(grafana.bin.endsWith('grafana') ? ['server'] : []), `--homepath=${grafana.home}`, `cfg:default.paths.provisioning=${join(g, 'provisioning')}`],
      env: {
        GF_PATHS_PROVISIONING: join(g, 'provisioning'),
        GF_PATHS_DATA: join(parts.paths.state, 'data', 'grafana'),
        GF_PATHS_LOGS: join(parts.paths.state, 'logs'),
        GF_SERVER_HTTP_ADDR: t.ops.grafana.host,
        GF_SERVER_HTTP_PORT: String(t.ops.grafana.port),
        GF_AUTH_ANONYMOUS_ENABLED: 'true',
        GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
      },
      listens: [t.ops.grafana],
      marker: `cfg:default.paths.provisioning=${join(g, 'provisioning')}`,
    });
  }
  return specs;
}

/** The lag exporter and the dashboard. */
function opsNodeSpecs(parts: DeploymentParts): ComponentSpec[] {
  const t = parts.topology;
  const specs: ComponentSpec[] = [];
  // outside every fault domain, as root: they watch the experiment, they are not part of it
  specs.push(nodeSpec(parts, 'lag-exporter', 'ops-node', 'lag', t.ops.lagExporter, { LAG_HTTP_HOST: t.ops.lagExporter.host, LAG_HTTP_PORT: String(t.ops.lagExporter.port) }));
  specs.push(
    nodeSpec(parts, 'dashboard', 'ops-node', 'dashboard', t.ops.dashboard, {
      DASHBOARD_HOST: t.ops.dashboard.host,
      DASHBOARD_PORT: String(t.ops.dashboard.port),
      PROMETHEUS_URL: `http://${addr(t.ops.prometheus)}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${addr(t.ops.tempo.otlpHttp)}`,
    }),
  );
  return specs;
}


/**
 * A Node process of ours (pipeline/<dir>/main.ts through tsx): a pipeline stage runs in its zone as the zone's
 * user; an ops process (lag exporter, dashboard) as root on the ops address.
 */
function nodeSpec(parts: DeploymentParts, name: string, kind: 'pipeline' | 'ops-node', dir: string, http: Endpoint, env: Record<string, string>, zone?: Zone): ComponentSpec {
  // the marker is the command line's last argument, matched whole (componentMarker): a deployment in
  // /var/lib/faultline must not take the one in /var/lib/faultline-containers (or -test-kraft) for its own
  const marker = componentMarker(name, parts.paths.state);
  return {
    name,
    kind,
    ...(zone ? { user: zone.user, zone: zone.name } : { zone: 'ops' }),
    command: process.execPath,
    // tsx as a loader in this very process (its CLI would fork a child): the
    // pid we record, signal and SIGKILL is the process itself
    args: ['--import', pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, join(REPO, 'pipeline', dir, 'main.ts'), marker.trimEnd()],
    env: { ...NODE_SERVICE_ENV, KAFKA_BROKERS: bootstrapServers(parts.topology).join(','), OTEL_EXPORTER_OTLP_ENDPOINT: `http://${addr(parts.topology.ops.tempo.otlpHttp)}`, ...env },
    listens: [http],
    marker,
  };
}

/** One component by name; an unknown name says which there are. */
export function componentNamed(specs: ComponentSpec[], name: string): ComponentSpec {
  const c = specs.find((s) => s.name === name);
  if (!c) throw new Error(`no component ${name}; components are ${specs.map((s) => s.name).join(', ')}`);
  return c;
}
