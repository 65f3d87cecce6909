// Renders Prometheus' and Tempo's configs from the topology: every broker,
// ZooKeeper node or KRaft controller is a scrape target labelled with its zone.
import { join } from 'node:path';
import { addr, type Endpoint, type Topology, type Zone } from '../topology.js';

interface Target {
  endpoint: Endpoint;
  instance: string;
  zone?: Zone;
}

const staticJob = (job: string, targets: Target[], extra = '') => `  - job_name: ${job}
${extra}    static_configs:
${targets
  .map(
    (t) => `      - targets: ['${addr(t.endpoint)}']
        labels:
          instance: ${t.instance}${t.zone ? `\n          zone: ${t.zone.name}` : ''}`,
  )
  .join('\n')}`;

export function prometheusConfig(t: Topology, opts: { targetsDir: string; rulesDir: string }): string {
  const jobs = [
    staticJob('prometheus', [{ endpoint: t.ops.prometheus, instance: 'prometheus' }]),
    staticJob('tempo', [{ endpoint: t.ops.tempo.http, instance: 'tempo' }]),
    staticJob(
      'kafka',
      t.brokers.map((b) => ({ endpoint: b.metrics, instance: `broker-${b.zone.name.slice(-1)}`, zone: b.zone })),
    ),
  ];
  if (t.zookeepers.length) {
    jobs.push(
      staticJob(
        'zookeeper',
        t.zookeepers.map((z) => ({ endpoint: z.metrics, instance: `zookeeper-${z.zone.name.slice(-1)}`, zone: z.zone })),
      ),
    );
  }
  if (t.controllers.length) {
    jobs.push(
      staticJob(
        'kraft-controller',
        t.controllers.map((c) => ({ endpoint: c.metrics, instance: `controller-${c.zone.name.slice(-1)}`, zone: c.zone })),
      ),
    );
  }
  return `# Rendered by Faultline from the cluster topology; edits are overwritten on deploy.
global:
  scrape_interval: 5s
  scrape_timeout: 4s
  evaluation_interval: 5s
  external_labels:
    faultline: ${t.coordination}

rule_files:
  - ${join(opts.rulesDir, '*.yml')}

scrape_configs:
${jobs.join('\n')}
  # Pipeline stages, lag exporter, k6: components write their own target files here.
  - job_name: pipeline
    file_sd_configs:
      - files: ['${join(opts.targetsDir, '*.json')}']
        refresh_interval: 5s
`;
}

export function tempoConfig(t: Topology, dataDir: string): string {
  const tempo = t.ops.tempo;
  const remoteWrite = `http://${addr(t.ops.prometheus)}/api/v1/write`;
  return `# Rendered by Faultline: single-binary Tempo on the ops address.
stream_over_http_enabled: true
server:
  http_listen_address: ${tempo.http.host}
  http_listen_port: ${tempo.http.port}
  # single-binary Tempo puts 127.0.0.1 in its ingester ring whatever the lifecycler's address says: its gRPC must
  # answer there. On loopback that is the ops address; in a container of its own, every interface of it.
  grpc_listen_address: ${tempo.grpc.host.startsWith('127.') ? tempo.grpc.host : '0.0.0.0'}
  grpc_listen_port: ${tempo.grpc.port}
  log_level: warn

memberlist:
  bind_addr: ['${tempo.grpc.host}']
  bind_port: 7946
  join_members: []

distributor:
  receivers:
    otlp:
      protocols:
        grpc:
          endpoint: ${addr(tempo.otlpGrpc)}
        http:
          endpoint: ${addr(tempo.otlpHttp)}

ingester:
  lifecycler:
    address: ${tempo.grpc.host}
    ring:
      kvstore:
        store: inmemory
      replication_factor: 1
  # short blocks: a trace is searchable in the backend soon after a run
  max_block_duration: 2m
  trace_idle_period: 5s

compactor:
  ring:
    kvstore:
      store: inmemory
  compaction:
    block_retention: 48h

metrics_generator:
  ring:
    kvstore:
      store: inmemory
  registry:
    external_labels:
      source: tempo
  storage:
    path: ${join(dataDir, 'generator', 'wal')}
    remote_write:
      - url: ${remoteWrite}
        send_exemplars: true
  traces_storage:
    path: ${join(dataDir, 'generator', 'traces')}
  processor:
    service_graphs:
      wait: 5s
    span_metrics:
      dimensions: ['messaging.destination.name']

query_frontend:
  search:
    duration_slo: 5s
  trace_by_id:
    duration_slo: 5s

querier:
  frontend_worker:
    frontend_address: ${addr(tempo.grpc)}

storage:
  trace:
    backend: local
    wal:
      path: ${join(dataDir, 'wal')}
    local:
      path: ${join(dataDir, 'blocks')}

overrides:
  defaults:
    metrics_generator:
      processors: [service-graphs, span-metrics]
      generate_native_histograms: classic
`;
}
