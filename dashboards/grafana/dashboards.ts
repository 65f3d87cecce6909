// Faultline's Grafana dashboards, as code: cluster, coordination (ZooKeeper or
// KRaft), pipeline, consumer lag, traces, and a chaos view whose annotations
// are the harness's faults. `just dashboards` writes them as Grafana JSON with
// provisioning files; a live test runs every query.
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as dash from '@grafana/grafana-foundation-sdk/dashboard';
import { board, PROMETHEUS, promTable, serviceGraph, series, single, traceSearch } from './panels.js';

const R = '$__rate_interval';

const cluster = () =>
  board('faultline-cluster', 'Faultline / Kafka cluster', 'Brokers, controller, replication and request latency of the three-zone cluster.', [
    [
      'Health',
      [
        single('Brokers up', 'none', { expr: 'count(up{job="kafka"} == 1)' }, { thresholds: { red: 0, green: 3 } }),
        single('Active controllers', 'none', { expr: 'faultline:kafka_active_controllers:sum' }, { description: 'Exactly 1 is healthy (recording rule over every broker and controller).' }),
        single('Under-replicated partitions', 'none', { expr: 'sum(kafka_server_replicamanager_underreplicatedpartitions{job="kafka"})' }, { thresholds: { red: 1 } }),
        single('Under min ISR', 'none', { expr: 'sum(kafka_server_replicamanager_underminisrpartitioncount{job="kafka"})' }, { thresholds: { red: 1 } }),
        single('Offline partitions', 'none', { expr: 'max(kafka_controller_kafkacontroller_offlinepartitionscount)' }, { thresholds: { red: 1 } }),
        single('Firing alerts', 'none', { expr: 'count(ALERTS{alertstate="firing"}) or vector(0)' }, { thresholds: { red: 1 } }),
      ],
    ],
    [
      'Replication',
      [
        series('ISR shrinks / expands', 'ops', [
          { expr: `sum by (instance) (rate(kafka_server_replicamanager_isrshrinkspersec_total{job="kafka"}[${R}]))`, legend: 'shrinks {{instance}}' },
          { expr: `sum by (instance) (rate(kafka_server_replicamanager_isrexpandspersec_total{job="kafka"}[${R}]))`, legend: 'expands {{instance}}' },
        ]),
        series('Leaders and partitions per broker', 'none', [
          { expr: 'kafka_server_replicamanager_leadercount{job="kafka"}', legend: 'leaders {{instance}}' },
          { expr: 'kafka_server_replicamanager_partitioncount{job="kafka"}', legend: 'replicas {{instance}}' },
        ]),
      ],
    ],
    [
      'Traffic and latency',
      [
        series('Bytes in / out', 'Bps', [
          { expr: `sum by (instance) (rate(kafka_server_brokertopicmetrics_bytesinpersec_total{job="kafka",topic=""}[${R}]))`, legend: 'in {{instance}}' },
          { expr: `sum by (instance) (rate(kafka_server_brokertopicmetrics_bytesoutpersec_total{job="kafka",topic=""}[${R}]))`, legend: 'out {{instance}}' },
        ]),
        series('Produce / Fetch total time (p99)', 'ms', [
          { expr: 'max by (request) (kafka_network_requestmetrics_totaltimems{job="kafka",request=~"Produce|FetchConsumer|FetchFollower",quantile="0.99"})', legend: '{{request}} p99' },
          { expr: 'max by (request) (kafka_network_requestmetrics_totaltimems{job="kafka",request=~"Produce|FetchConsumer",quantile="0.50"})', legend: '{{request}} p50' },
        ]),
        series('Request handler and network idle', 'percentunit', [
          { expr: 'kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{job="kafka"}', legend: 'handlers {{instance}}' },
          { expr: 'kafka_network_socketserver_networkprocessoravgidlepercent{job="kafka"}', legend: 'network {{instance}}' },
        ]),
        series('Messages in per topic', 'ops', [{ expr: `sum by (topic) (rate(kafka_server_brokertopicmetrics_messagesinpersec_total{job="kafka",topic=~"logs.*"}[${R}]))`, legend: '{{topic}}' }]),
      ],
    ],
  ]);

const zookeeper = () =>
  board('faultline-zookeeper', 'Faultline / ZooKeeper', 'The three-node ensemble: who is up, the quorum, latency.', [
    [
      'Ensemble',
      [
        single('Nodes up', 'none', { expr: 'count(up{job="zookeeper"} == 1)' }, { thresholds: { red: 0, green: 3 } }),
        single('Synced followers', 'none', { expr: 'max(synced_followers{job="zookeeper"})' }, { description: 'Reported by the leader; 2 is a full ensemble.' }),
        single('Quorum size', 'none', { expr: 'max(quorum_size{job="zookeeper"})' }),
        series('Request latency (avg)', 'ms', [{ expr: 'avg_latency{job="zookeeper"}', legend: '{{instance}}' }], { w: 12 }),
        series('Outstanding requests and connections', 'none', [
          { expr: 'outstanding_requests{job="zookeeper"}', legend: 'outstanding {{instance}}' },
          { expr: 'num_alive_connections{job="zookeeper"}', legend: 'connections {{instance}}' },
        ]),
      ],
    ],
  ]);

const kraft = () =>
  board('faultline-kraft', 'Faultline / KRaft controllers', 'The three KRaft controllers: who is up and which one is active.', [
    [
      'Quorum',
      [
        single('Controllers up', 'none', { expr: 'count(up{job="kraft-controller"} == 1)' }, { thresholds: { red: 0, green: 3 } }),
        single('Active controllers', 'none', { expr: 'faultline:kafka_active_controllers:sum' }),
        series('Active controller per node', 'none', [{ expr: 'kafka_controller_kafkacontroller_activecontrollercount{job="kraft-controller"}', legend: '{{instance}}' }]),
        series('Controller JVM heap used', 'bytes', [{ expr: 'jvm_memory_used_bytes{job="kraft-controller",area="heap"}', legend: '{{instance}}' }]),
      ],
    ],
  ]);

const pipeline = () =>
  board('faultline-pipeline', 'Faultline / Pipeline', 'Rate, errors and duration of every stage; transactions; the DLQ. Latency panels show exemplars: click one to open its trace.', [
    [
      'Ingest',
      [
        series('Events accepted / refused / failed', 'ops', [{ expr: `sum by (outcome) (rate(faultline_ingest_events_total[${R}]))`, legend: '{{outcome}}' }], { stack: true }),
        series('Requests by status', 'reqps', [{ expr: `sum by (code) (rate(faultline_ingest_requests_total[${R}]))`, legend: '{{code}}' }]),
        series('Request latency', 's', [
          { expr: `histogram_quantile(0.99, sum by (le) (rate(faultline_ingest_request_seconds_bucket[${R}])))`, legend: 'p99', exemplars: true },
          { expr: `histogram_quantile(0.5, sum by (le) (rate(faultline_ingest_request_seconds_bucket[${R}])))`, legend: 'p50' },
        ]),
        series('Kafka send latency (acks=all) and batch size', 's', [
          { expr: `histogram_quantile(0.99, sum by (le) (rate(faultline_ingest_kafka_send_seconds_bucket[${R}])))`, legend: 'send p99' },
          { expr: 'sum(faultline_ingest_pending_events)', legend: 'pending events' },
        ]),
      ],
    ],
    [
      'Exactly-once stages',
      [
        series('Records in (consumed exactly once) per stage', 'ops', [{ expr: `sum by (stage) (rate(faultline_stage_records_in_total{job="pipeline"}[${R}]))`, legend: '{{stage}}' }]),
        series('Transactions by outcome', 'ops', [{ expr: `sum by (stage, outcome) (rate(faultline_stage_transactions_total[${R}]))`, legend: '{{stage}} {{outcome}}' }]),
        series('Transaction latency', 's', [
          { expr: `histogram_quantile(0.99, sum by (stage, le) (rate(faultline_stage_transaction_seconds_bucket[${R}])))`, legend: '{{stage}} p99', exemplars: true },
          { expr: `histogram_quantile(0.5, sum by (stage, le) (rate(faultline_stage_transaction_seconds_bucket[${R}])))`, legend: '{{stage}} p50' },
        ]),
        series('Records per transaction (mean)', 'none', [
          { expr: `sum by (stage) (rate(faultline_stage_batch_records_sum[${R}])) / sum by (stage) (rate(faultline_stage_batch_records_count[${R}]))`, legend: '{{stage}}' },
        ]),
        series('Dead-lettered records', 'ops', [{ expr: `sum(rate(kafka_server_brokertopicmetrics_messagesinpersec_total{job="kafka",topic="logs.dlq"}[${R}])) or vector(0)`, legend: 'logs.dlq' }]),
        series('Stage memory (RSS)', 'bytes', [{ expr: 'faultline_process_resident_memory_bytes{job="pipeline"}', legend: '{{instance}}' }]),
      ],
    ],
  ]);

const lag = () =>
  board('faultline-lag', 'Faultline / Consumer lag', 'From our lag exporter: offset lag and exact time lag (age of the oldest unconsumed record) per group and partition.', [
    [
      'Lag',
      [
        series('Time lag per group (max over partitions)', 's', [{ expr: 'max by (group) (faultline_consumer_lag_seconds)', legend: '{{group}}' }], { description: 'ConsumerTimeLagHigh fires above 30 s.' }),
        series('Offset lag per group (sum over partitions)', 'none', [{ expr: 'sum by (group) (faultline_consumer_lag_offsets)', legend: '{{group}}' }]),
        promTable('Per partition', { expr: 'faultline_consumer_lag_seconds' }, 'One row per group, topic and partition.'),
        series('Group members and stability', 'none', [
          { expr: 'faultline_consumer_group_members', legend: 'members {{group}}' },
          { expr: 'faultline_consumer_group_state{state="Stable"}', legend: 'stable {{group}}' },
        ]),
      ],
    ],
  ]);

const traces = () =>
  board('faultline-traces', 'Faultline / Traces', 'One sampled event is one trace: ingest -> process -> aggregate -> dashboard push -> browser render.', [
    [
      'Service graph',
      [
        serviceGraph('Service graph (Tempo metrics-generator)'),
        series('Calls between services', 'ops', [{ expr: `sum by (client, server) (rate(traces_service_graph_request_total[${R}]))`, legend: '{{client}} -> {{server}}' }]),
        series('Span latency p99 by service', 's', [{ expr: `histogram_quantile(0.99, sum by (service, le) (rate(traces_spanmetrics_latency_bucket[${R}])))`, legend: '{{service}}' }]),
      ],
    ],
    [
      'Search',
      [
        traceSearch('Ingest requests', '{ resource.service.name = "faultline-ingest" && name = "POST /v1/events" }'),
        traceSearch('Exactly-once stage spans', '{ resource.service.name =~ "faultline-process|faultline-aggregate" }'),
        traceSearch('Aborted transactions (errors)', '{ status = error }', 'Stage spans of batches whose transaction aborted (failover, fencing); empty when nothing failed.', 'only batches that failed have error spans'),
      ],
    ],
  ]);

const chaos = () => {
  const d = board('faultline-chaos', 'Faultline / Chaos', 'Faults injected by the harness (annotations and bands) over what the cluster and the pipeline did.', [
    [
      'Faults and their effects',
      [
        series('Faults active', 'none', [{ expr: 'sum by (fault) (faultline_chaos_fault_active)', legend: '{{fault}}', emptyOk: 'exists only while a chaos experiment runs' }], { w: 24 }),
        series('Accepted events/s and stage throughput', 'ops', [
          { expr: `sum(rate(faultline_ingest_events_total{outcome="accepted"}[${R}]))`, legend: 'ingest accepted' },
          { expr: `sum by (stage) (rate(faultline_stage_records_in_total{job="pipeline"}[${R}]))`, legend: '{{stage}}' },
        ]),
        series('Brokers up and under-replicated partitions', 'none', [
          { expr: 'count(up{job="kafka"} == 1)', legend: 'brokers up' },
          { expr: 'sum(kafka_server_replicamanager_underreplicatedpartitions{job="kafka"})', legend: 'under-replicated' },
        ]),
        series('Alerts firing', 'none', [{ expr: 'count by (alertname) (ALERTS{alertstate="firing"})', legend: '{{alertname}}', emptyOk: 'no alert fires in a healthy cluster' }]),
        series('Time lag per group', 's', [{ expr: 'max by (group) (faultline_consumer_lag_seconds)', legend: '{{group}}' }]),
      ],
    ],
  ]);
  d.annotation(
    new dash.AnnotationQueryBuilder()
      .name('Chaos faults')
      .datasource(PROMETHEUS)
      .enable(true)
      .iconColor('red')
      .expr('faultline_chaos_fault_active == 1'),
  );
  return d;
};

export interface GeneratedDashboard {
  uid: string;
  file: string;
  json: dashboard.Dashboard;
  /** Only meaningful with this coordination mode (the others always). */
  coordination?: 'zookeeper' | 'kraft';
}

export function dashboards(): GeneratedDashboard[] {
  const out: GeneratedDashboard[] = [];
  for (const [file, b, coordination] of [
    ['cluster.json', cluster(), undefined],
    ['zookeeper.json', zookeeper(), 'zookeeper'],
    ['kraft.json', kraft(), 'kraft'],
    ['pipeline.json', pipeline(), undefined],
    ['lag.json', lag(), undefined],
    ['traces.json', traces(), undefined],
    ['chaos.json', chaos(), undefined],
  ] as const) {
    const json = b.build();
    out.push({ uid: json.uid!, file, json, ...(coordination ? { coordination } : {}) });
  }
  return out;
}
