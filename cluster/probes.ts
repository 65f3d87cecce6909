// Real readiness and health probes: TCP listen, ZooKeeper's `srvr`, Kafka metadata.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { errorMessage } from './args.js';
import { Kafka, logLevel, type Admin, type KafkaClient } from './kafkajs.js';
import { addr, bootstrapServers, type Endpoint, type Topology } from './topology.js';

/** Does `url` answer 2xx within 2 s? (readiness endpoints: /healthz, /-/ready, /ready) */
export async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

export function tcpOpen(e: Endpoint, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: e.host, port: e.port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Sends a ZooKeeper four-letter word and returns the reply. */
export function fourLetterWord(e: Endpoint, word: 'srvr' | 'mntr' | 'ruok', timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: e.host, port: e.port });
    let out = '';
    s.setTimeout(timeoutMs, () => {
      s.destroy();
      reject(new Error(`${word} to ${addr(e)} timed out`));
    });
    s.once('connect', () => s.write(word));
    s.on('data', (d) => (out += d.toString()));
    s.once('end', () => resolve(out));
    s.once('error', reject);
  });
}

export type ZkMode = 'leader' | 'follower' | 'standalone' | 'down';

export async function zookeeperMode(e: Endpoint): Promise<ZkMode> {
  try {
    const reply = await fourLetterWord(e, 'srvr');
    const m = /Mode: (\w+)/.exec(reply);
    return (m?.[1] as ZkMode | undefined) ?? 'down';
  } catch {
    return 'down';
  }
}

/** Quorum = exactly one leader and every other node following it. */
export async function zookeeperQuorum(t: Topology): Promise<{ ok: boolean; modes: Record<string, ZkMode> }> {
  const modes = Object.fromEntries(
    await Promise.all(t.zookeepers.map(async (z) => [z.zone.name, await zookeeperMode(z.client)] as const)),
  );
  const values = Object.values(modes);
  const leaders = values.filter((m) => m === 'leader').length;
  const followers = values.filter((m) => m === 'follower').length;
  return { ok: leaders === 1 && leaders + followers >= Math.floor(t.zookeepers.length / 2) + 1, modes };
}

export function kafka(t: Topology, clientId = 'faultline-ops', brokers = bootstrapServers(t)): KafkaClient {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
  });
}

export interface ClusterHealth {
  brokersOnline: number[];
  controller: number | null;
  partitions: number;
  underReplicated: { topic: string; partition: number; isr: number[]; replicas: number[] }[];
  offline: { topic: string; partition: number }[];
}

/** The cluster's health for `status`, or what failed in asking for it. */
export async function healthOrError(t: Topology): Promise<ClusterHealth | { error: string }> {
  try {
    return await clusterHealth(t);
  } catch (e) {
    return { error: errorMessage(e) };
  }
}

/** Brokers online, controller, under-replicated and offline partitions, from cluster metadata. */
export async function clusterHealth(t: Topology, admin?: Admin): Promise<ClusterHealth> {
  const own = !admin;
  const a = admin ?? kafka(t).admin();
  if (own) await a.connect();
  try {
    const cluster = await a.describeCluster();
    const topics = await a.listTopics();
    // kafkajs refuses the whole metadata call when one partition has no leader: fall back to one topic at a
    // time, so an offline partition (a one-replica topic whose broker is down) is reported, not an error
    const meta = topics.length
      ? await a.fetchTopicMetadata({ topics }).catch(async () => ({
          topics: (
            await Promise.all(
              topics.map((topic) =>
                a
                  .fetchTopicMetadata({ topics: [topic] })
                  .then((m) => m.topics)
                  .catch(() => [{ name: topic, partitions: [{ partitionId: -1, leader: -1, isr: [] as number[], replicas: [] as number[], partitionErrorCode: 5 }] }]),
              ),
            )
          ).flat(),
        }))
      : { topics: [] };
    const health: ClusterHealth = {
      brokersOnline: cluster.brokers.map((b) => b.nodeId).sort(),
      controller: cluster.controller,
      partitions: 0,
      underReplicated: [],
      offline: [],
    };
    for (const topic of meta.topics) {
      for (const p of topic.partitions) {
        health.partitions++;
        if (p.leader < 0) health.offline.push({ topic: topic.name, partition: p.partitionId });
        if (p.isr.length < p.replicas.length)
          health.underReplicated.push({ topic: topic.name, partition: p.partitionId, isr: p.isr, replicas: p.replicas });
      }
    }
    return health;
  } finally {
    if (own) await a.disconnect();
  }
}

export interface KraftQuorum {
  leaderId: number;
  voters: number[];
  highWatermark: number;
}

/** The KRaft quorum as Kafka's own MetadataQuorumCommand describes it (via a broker). */
export function kraftQuorum(t: Topology, kafkaLibs: string): KraftQuorum {
  const out = execFileSync(
    'java',
    ['-Xmx128m', '-cp', join(kafkaLibs, '*'), 'org.apache.kafka.tools.MetadataQuorumCommand', '--bootstrap-server', bootstrapServers(t).join(','), 'describe', '--status'],
    { stdio: 'pipe', timeout: 60_000 },
  ).toString();
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(out)?.[1]?.trim() ?? '';
  // 3.9 prints voters as JSON objects ({"id": 11, ...}); older versions as a plain id list
  const raw = field('CurrentVoters');
  const ids = [...raw.matchAll(/"id":\s*(\d+)/g)].map((m) => Number(m[1]));
  const voters = ids.length ? ids : [...raw.matchAll(/\d+/g)].map((m) => Number(m[0]));
  return { leaderId: Number(field('LeaderId')), voters, highWatermark: Number(field('HighWatermark')) };
}

/** One call of the deployment's Prometheus HTTP API (`query`, `query_range`, `query_exemplars`): its `data`, or an error saying why. */
export async function prometheusApi<T>(t: Topology, path: 'query' | 'query_range' | 'query_exemplars', params: Record<string, string>, timeoutMs = 10_000): Promise<T> {
  const r = await fetch(`http://${addr(t.ops.prometheus)}/api/v1/${path}?${new URLSearchParams(params)}`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await r.json()) as { status: string; error?: string; data: T };
  if (body.status !== 'success') throw new Error(`Prometheus ${path} ${params.query ?? ''} failed: ${body.error ?? `HTTP ${r.status}`}`);
  return body.data;
}

/** An instant PromQL query against the deployment's Prometheus. */
export const promQuery = async (t: Topology, query: string, params: Record<string, string> = {}) =>
  (await prometheusApi<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(t, 'query', { query, ...params })).result;

/** A trace Tempo's search found: its start, and the [start, end] of each span that matched the query (ms). */
export interface TempoHit {
  traceID: string;
  startMs?: number;
  spans: { startMs: number; endMs: number }[];
}

/** A TraceQL search of the deployment's Tempo over [startMs, endMs]: the traces it found, oldest first. */

export async function tempoSearch(t: Topology, traceql: string, startMs: number, endMs: number, limit = 20): Promise<TempoHit[]> {
  const q = new URLSearchParams({ q: traceql, start: String(Math.floor(startMs / 1000)), end: String(Math.ceil(endMs / 1000)), limit: String(limit), spss: '10' });
  const r = await fetch(`http://${addr(t.ops.tempo.http)}/api/search?${q}`, { signal: AbortSignal.timeout(10_000) });
  if (!r.ok) throw new Error(`Tempo answered ${r.status} to ${traceql}: ${(await r.text()).slice(0, 200)}`);
  type Span = { startTimeUnixNano?: string; durationNanos?: string };
  const body = (await r.json()) as { traces?: { traceID: string; startTimeUnixNano?: string; spanSets?: { spans?: Span[] }[]; spanSet?: { spans?: Span[] } }[] };
  const ms = (ns: string) => Number(BigInt(ns) / 1_000_000n);
  return (body.traces ?? []).map((tr) => {
    const spans = (tr.spanSets ?? (tr.spanSet ? [tr.spanSet] : [])).flatMap((set) => set.spans ?? []);
    return {
      traceID: tr.traceID,
      ...(tr.startTimeUnixNano ? { startMs: ms(tr.startTimeUnixNano) } : {}),
      spans: spans.filter((s) => s.startTimeUnixNano).map((s) => ({ startMs: ms(s.startTimeUnixNano!), endMs: ms(s.startTimeUnixNano!) + Number(BigInt(s.durationNanos ?? '0') / 1_000_000n) })),
    };
  });
}
