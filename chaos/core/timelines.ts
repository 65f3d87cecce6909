// The run's timelines from Prometheus (query_range over the run's window):
// what the report draws under the fault bands. A query that fails becomes a
// note in the report, never a silent gap.
import { errorMessage, prometheusApi, type Topology } from '../../cluster/index.js';
import type { Series } from '../../reports/index.js';

/** `onlyIfPresent`: drawn only when Prometheus has the series (k6's, present in load tests alone); `$run` is the run's id (k6's `testid` tag). */
export const TIMELINES: { title: string; unit: string; query: string; label: string[]; onlyIfPresent?: boolean }[] = [
  { title: 'Events accepted by ingest', unit: 'events/s', query: 'sum by (zone) (rate(faultline_ingest_events_total{outcome="accepted"}[15s]))', label: ['zone'] },
  { title: 'Records written by the process and aggregate stages', unit: 'records/s', query: 'sum by (stage) (rate(faultline_stage_records_out_total[15s]))', label: ['stage'] },
  { title: 'Transactions aborted', unit: 'aborts/s', query: 'sum by (stage) (rate(faultline_stage_transactions_total{outcome="abort"}[15s]))', label: ['stage'] },
  {
    title: 'Ingest Kafka send latency p99',
    unit: 'seconds',
    query: 'histogram_quantile(0.99, sum by (le, zone) (rate(faultline_ingest_kafka_send_seconds_bucket[15s])))',
    label: ['zone'],
  },
  { title: 'Under-replicated partitions', unit: 'partitions', query: 'sum by (instance) (kafka_server_replicamanager_underreplicatedpartitions)', label: ['instance'] },
  { title: 'Partitions under min ISR', unit: 'partitions', query: 'sum by (instance) (kafka_server_replicamanager_underminisrpartitioncount)', label: ['instance'] },
  { title: 'Brokers up (scraped)', unit: 'up', query: 'up{job="kafka"}', label: ['instance'] },
  { title: 'Faults as Prometheus saw them', unit: 'active', query: 'max by (fault, targets) (faultline_chaos_fault_active)', label: ['fault', 'targets'] },
  { title: 'Alerts firing', unit: 'alerts', query: 'count by (alertname) (ALERTS{alertstate="firing"})', label: ['alertname'] },
  { title: 'Consumer time lag (lag exporter)', unit: 'seconds', query: 'max by (group) (faultline_consumer_lag_seconds{group=~"faultline-.*|chaos-.*"})', label: ['group'] },
  { title: 'Messages in per broker', unit: 'messages/s', query: 'sum by (instance) (rate(kafka_server_brokertopicmetrics_messagesinpersec_total[15s]))', label: ['instance'] },
  {
    title: 'End to end: ingest to commit in each stage, p50 and p99',
    unit: 'seconds',
    query: 'label_replace(histogram_quantile(0.5, sum by (le, stage) (rate(faultline_stage_end_to_end_seconds_bucket[15s]))), "q", "p50", "", "") or label_replace(histogram_quantile(0.99, sum by (le, stage) (rate(faultline_stage_end_to_end_seconds_bucket[15s]))), "q", "p99", "", "")',
    label: ['stage', 'q'],
  },
  { title: 'Consumer lag in records (lag exporter)', unit: 'records', query: 'sum by (group) (faultline_consumer_lag_offsets{group=~"faultline-process|faultline-aggregate|chaos-.*"})', label: ['group'] },
  {
    title: 'CPU per process',
    unit: 'cores',
    query: 'sum by (instance) (rate(process_cpu_seconds_total{job=~"kafka|zookeeper"}[15s])) or sum by (instance) (rate(faultline_process_cpu_seconds_total[15s]))',
    label: ['instance'],
  },
  {
    title: 'Resident memory per process',
    unit: 'MiB',
    query: 'sum by (instance) (process_resident_memory_bytes{job=~"kafka|zookeeper"}) / 1048576 or sum by (instance) (faultline_process_resident_memory_bytes) / 1048576',
    label: ['instance'],
  },
  {
    title: 'HTTP request latency at ingest, p50 and p99',
    unit: 'seconds',
    query:
      'label_replace(histogram_quantile(0.5, sum by (le) (rate(faultline_ingest_request_seconds_bucket[15s]))), "q", "p50", "", "") or label_replace(histogram_quantile(0.99, sum by (le) (rate(faultline_ingest_request_seconds_bucket[15s]))), "q", "p99", "", "")',
    label: ['q'],
  },
  {
    title: 'HTTP request latency seen by k6, p50 and p99 since the test began',
    unit: 'seconds',
    query: 'label_replace(max(k6_http_req_duration_p50{testid="$run"}), "q", "p50", "", "") or label_replace(max(k6_http_req_duration_p99{testid="$run"}), "q", "p99", "", "")',
    label: ['q'],
    onlyIfPresent: true,
  },
  {
    title: 'Requests k6 sent and dropped',
    unit: 'requests/s',
    query: 'label_replace(sum(rate(k6_http_reqs_total{testid="$run"}[15s])), "what", "sent", "", "") or label_replace(sum(rate(k6_dropped_iterations_total{testid="$run"}[15s])), "what", "dropped", "", "")',
    label: ['what'],
    onlyIfPresent: true,
  },
];

export async function timelines(t: Topology, fromMs: number, toMs: number, notes: string[], run = ''): Promise<Series[]> {
  const step = Math.max(1, Math.round((toMs - fromMs) / 1000 / 300));
  const out: Series[] = [];
  for (const tl of TIMELINES) {
    try {
      const data = await prometheusApi<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>(t, 'query_range', {
        query: tl.query.replaceAll('$run', run),
        start: String(fromMs / 1000),
        end: String(toMs / 1000),
        step: String(step),
      });
      const lines = data.result.map((r) => ({
        label: tl.label.map((l) => r.metric[l] ?? '').join(' ') || 'value',
        points: r.values.map(([ts, v]) => [ts * 1000, Number.isFinite(Number(v)) ? Number(v) : 0] as [number, number]),
      }));
      if (!lines.length && tl.onlyIfPresent) continue;
      if (!lines.length) notes.push(`Prometheus returned no series for "${tl.title}" (${tl.query})`);
      out.push({ title: tl.title, unit: tl.unit, query: tl.query.replaceAll('$run', run), lines });
    } catch (e) {
      notes.push(`Prometheus query for "${tl.title}" failed: ${errorMessage(e)}`);
    }
  }
  return out;
}
