// The deployed pipeline end to end: events posted to every zone's ingest come
// out of logs.processed exactly once, and the aggregates for them equal the
// recomputation from what was accepted. Also: Prometheus scrapes every stage
// and the lag exporter; a sampled event is one trace in Tempo across stages.
import { randomUUID } from 'node:crypto';
import { addr, prometheusApi, waitFor } from '../cluster/index.js';
import { liveTopology, promQuery, provider, sampledTraceparent, traceSpans } from '../test/live.js';
import { endsNow, readTopicToEnd } from '../test/read-topic.js';
import { recompute, type WindowAggregate } from './aggregate/index.js';
import { TOPICS, type ProcessedEvent } from './contract/index.js';

const t = liveTopology();
const run = randomUUID().slice(0, 8);

test('events posted to the three zones are processed exactly once and aggregated as recomputed', async () => {
  const service = `e2e-${run}`;
  const accepted: string[] = [];
  const ingests = t.stages.filter((s) => s.stage === 'ingest');
  // read from here on: after a soak or a bench the topics hold hundreds of thousands of records, and reading them
  // all on every poll ate the whole wait
  const fromProcessed = await endsNow(t, TOPICS.processed);
  const fromAggregates = await endsNow(t, TOPICS.aggregates);
  for (let b = 0; b < 9; b++) {
    const batch = Array.from({ length: 200 }, (_, i) => ({
      id: `e2e-${run}-${b}-${i}`,
      service,
      level: (['info', 'warn', 'error'] as const)[i % 3],
      message: i % 4 ? 'ok' : 'upstream timed out',
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, b)).toISOString(),
      latencyMs: (i * 13) % 900,
    }));
    const r = await fetch(`http://${addr(ingests[b % 3]!.http)}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    expect(r.status).toBe(200);
    accepted.push(...((await r.json()) as { accepted: string[] }).accepted);
  }
  expect(accepted).toHaveLength(1800);

  // the final phase: wait until the processed output holds every accepted id, then drain and count
  let processed: { event: ProcessedEvent; inputPartition: number }[] = [];
  await waitFor(
    'every accepted event in logs.processed',
    async () => {
      // the aggregate stage's state is partitioned like its input, logs.processed
      processed = (await readTopicToEnd(t, TOPICS.processed, { from: fromProcessed }))
        .map((r) => ({ event: JSON.parse(r.value) as ProcessedEvent, inputPartition: r.partition }))
        .filter((e) => e.event.service === service);
      return new Set(processed.map((e) => e.event.id)).size === accepted.length;
    },
    { timeoutMs: 120_000, intervalMs: 2000 },
  );
  expect(processed).toHaveLength(accepted.length);

  const expected = recompute(processed);
  let latest = new Map<string, WindowAggregate>();
  await waitFor(
    'aggregates equal to the recomputation',
    async () => {
      latest = new Map();
      for (const r of await readTopicToEnd(t, TOPICS.aggregates, { from: fromAggregates })) {
        const a = JSON.parse(r.value) as WindowAggregate;
        if (a.service === service) latest.set(r.key!, a);
      }
      return [...expected].every(([k, want]) => latest.get(k)?.count === want.count);
    },
    { timeoutMs: 120_000, intervalMs: 2000 },
  );
  for (const [k, want] of expected) expect(JSON.stringify(latest.get(k)!.latency)).toBe(JSON.stringify(want.latency));
  expect(latest.size).toBe(expected.size);
});

test('Prometheus scrapes every pipeline stage in every zone', async () => {
  const up = await waitFor(
    'every stage target up',
    async () => {
      const r = await promQuery(t, 'up{job="pipeline", stage=~"ingest|process|aggregate"} == 1');
      return r.length === t.stages.length ? r : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 2000 },
  );
  expect(new Set(up!.map((s) => s.metric.instance)).size).toBe(9);
  const committed = await waitFor(
    'committed transactions counted by the stages',
    async () => {
      // above 0: every outcome's series is exported from a stage's start, at 0
      const r = await promQuery(t, 'sum by (stage) (faultline_stage_transactions_total{outcome="commit"}) > 0');
      return r.length === 2 ? r : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 2000 },
  );
  expect(committed!.map((s) => s.metric.stage).sort()).toEqual(['aggregate', 'process']);
});

test('the lag exporter is scraped: offset and time lag per partition of both stage groups, group state and members', async () => {
  const series = await waitFor(
    'lag series for faultline-process and faultline-aggregate',
    async () => {
      const [offsets, seconds, members] = await Promise.all([
        promQuery(t, 'faultline_consumer_lag_offsets{group=~"faultline-process|faultline-aggregate"}'),
        promQuery(t, 'faultline_consumer_lag_seconds{group=~"faultline-process|faultline-aggregate"}'),
        promQuery(t, 'faultline_consumer_group_members{group=~"faultline-process|faultline-aggregate"}'),
      ]);
      return offsets.length === 12 && seconds.length === 12 && members.length === 2 ? { offsets, seconds, members } : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 2000 },
  );
  // one processor and one aggregator per zone
  for (const m of series!.members) expect(Number(m.value[1])).toBe(3);
  expect(new Set(series!.offsets.filter((s) => s.metric.group === 'faultline-process').map((s) => `${s.metric.topic}/${s.metric.partition}`))).toEqual(
    new Set([0, 1, 2, 3, 4, 5].map((p) => `${TOPICS.raw}/${p}`)),
  );
  // the state is a snapshot: a rebalance (a stage re-fencing after the earlier tests) may be under way at one scrape;
  // the exporter must show the group Stable within the wait, and a group that never settles fails here
  const stable = await waitFor(
    'faultline-process reported Stable',
    async () => {
      const s = await promQuery(t, 'faultline_consumer_group_state{group="faultline-process", state="Stable"}');
      return s[0]?.value[1] === '1' ? s : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 2000 },
  );
  expect(stable![0]!.value[1]).toBe('1');
});

test('a sampled event is one trace in Tempo: HTTP request, Kafka send, process, aggregate, dashboard push; its latency exemplar links to it', async () => {
  const { traceId, traceparent } = sampledTraceparent();
  const ingest = t.stages.find((s) => s.stage === 'ingest')!;
  const r = await fetch(`http://${addr(ingest.http)}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent },
    body: JSON.stringify([{ id: `trace-${run}`, service: `trace-${run}`, level: 'error', message: 'traced', timestamp: new Date().toISOString(), latencyMs: 42 }]),
  });
  expect(r.status).toBe(200);
  expect(r.headers.get('traceresponse')).toContain(traceId);
  const want = ['faultline-ingest: POST /v1/events', 'faultline-ingest: send logs.raw', 'faultline-process: process logs.raw', 'faultline-aggregate: aggregate logs.processed', 'faultline-dashboard: websocket push'];
  const spans = await waitFor(
    `trace ${traceId} with every stage's span in Tempo`,
    async () => {
      const s = await traceSpans(t, traceId);
      const names = new Set(s.map((x) => `${x.service}: ${x.name}`));
      return want.every((w) => names.has(w)) ? s : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 3000 },
  );
  // one trace, one tree: every span but the request's has its parent in the trace
  const ids = new Set(spans!.map((s) => s.spanId));
  const roots = spans!.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  expect(roots.map((s) => s.name)).toEqual(['POST /v1/events']);

  // the request's latency bucket links to the trace: an exemplar in Prometheus
  const exemplar = await waitFor(
    `an exemplar with trace_id ${traceId}`,
    async () => {
      const data = await prometheusApi<{ exemplars: { labels: Record<string, string> }[] }[]>(t, 'query_exemplars', {
        query: 'faultline_ingest_request_seconds_bucket',
        start: String(Date.now() / 1000 - 600),
        end: String(Date.now() / 1000 + 5),
      });
      return data.flatMap((s) => s.exemplars).find((e) => e.labels.trace_id === traceId);
    },
    { timeoutMs: 60_000, intervalMs: 2000 },
  );
  expect(exemplar).toBeDefined();
});

test('the deployed ingest switches to kafkajs (the client under test) and back by configuration: each serves and stores events', async () => {
  const p = provider();
  const ingestA = t.stages.find((s) => s.stage === 'ingest' && s.zone.name === 'zone-a')!;
  const postOne = async (client: string) => {
    const id = `switch-${run}-${client}`;
    const body = JSON.stringify([{ id, service: `switch-${run}`, level: 'info', message: 'ok', timestamp: new Date().toISOString(), latencyMs: 1 }]);
    const r = await fetch(`http://${addr(ingestA.http)}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect([client, r.status]).toEqual([client, 200]);
    return id;
  };
  const from = await endsNow(t, TOPICS.raw);
  try {
    await p.deploy(() => {}, { ingestClient: 'kafkajs' });
    expect(p.deployment?.ingestClient).toBe('kafkajs');
    expect(await p.logTail('ingest-a', 5)).toMatch(/writing to logs\.raw with kafkajs/);
    const viaKafkajs = await postOne('kafkajs');
    await p.deploy(() => {}, { ingestClient: 'librdkafka' });
    expect(await p.logTail('ingest-a', 5)).toMatch(/writing to logs\.raw with librdkafka/);
    const viaLibrdkafka = await postOne('librdkafka');
    const keys = (await readTopicToEnd(t, TOPICS.raw, { from })).map((r) => r.key);
    expect(keys.filter((k) => k === viaKafkajs || k === viaLibrdkafka).sort()).toEqual([viaKafkajs, viaLibrdkafka].sort());
  } finally {
    // the deployment is shared: whatever happened, the ingest goes back to the pipeline's client
    if (p.deployment?.ingestClient !== 'librdkafka') await p.deploy(() => {}, { ingestClient: 'librdkafka' });
  }
});
