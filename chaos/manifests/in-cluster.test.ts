// The runner's in-cluster side, offline: the topology its Job's env gives (the
// env as runner.ts renders it), and its status endpoints over real HTTP.
import type { V1Job } from '@kubernetes/client-node';
import { addr, bootstrapServers, proxiedBootstrapServers, topology, type Coordination } from '../../cluster/index.js';
import type { CheckResult } from '../core/types.js';
import { ingestUrls } from '../workloads/http-ingest.js';
import { k8sTopology, statusServer, type StatusServer } from './in-cluster.js';
import { renderAll } from './render-experiments.js';

/** The env of the rendered runner Job of broker-kill. */
function jobEnv(c: Coordination): NodeJS.ProcessEnv {
  const r = renderAll({ coordination: c, seed: 3, namespace: 'chaos-ns' });
  const job = r.experiments.find((e) => e.form.experiment === 'broker-kill')!.objects.find((x) => x.kind === 'Job') as unknown as V1Job;
  return Object.fromEntries(job.spec!.template.spec!.containers[0]!.env!.map((e) => [e.name, e.value]));
}

describe('the topology from the runner Job\'s env', () => {
  test.each(['zookeeper', 'kraft'] as Coordination[])('every client the run builds reaches the Services the Job names (%s)', (c) => {
    const base = topology(c);
    const before = structuredClone(base);
    const t = k8sTopology(base, jobEnv(c));
    const boot = 'faultline-kafka-bootstrap.chaos-ns.svc:9092';
    expect(bootstrapServers(t)).toEqual([boot, boot, boot]);
    // the latency experiment's proxied clients: netem does the delay there, toxiproxy does not exist
    expect(proxiedBootstrapServers(t)).toEqual([boot, boot, boot]);
    expect(ingestUrls(t)).toEqual(Array(3).fill('http://ingest.chaos-ns.svc:8080/v1/events'));
    // what prometheusApi and tempoSearch put between http:// and the path
    expect(addr(t.ops.prometheus)).toBe('prometheus.chaos-ns.svc:9090');
    expect(addr(t.ops.tempo.http)).toBe('tempo.chaos-ns.svc:3200');
    expect(addr(t.ops.tempo.otlpHttp)).toBe('tempo.chaos-ns.svc:4318');
    // Strimzi's broker ids; zones, counts and durability defaults as the base has them
    expect(t.brokers.map((b) => b.id)).toEqual(c === 'zookeeper' ? [0, 1, 2] : [1, 2, 3]);
    expect(t.brokers.map((b) => b.zone.name)).toEqual(['zone-a', 'zone-b', 'zone-c']);
    expect({ ...t.defaults, coordination: t.coordination }).toEqual({ ...base.defaults, coordination: c });
    expect(base).toEqual(before);
  });

  test('several bootstrap entries are spread over the brokers', () => {
    const t = k8sTopology(topology('zookeeper'), { ...jobEnv('zookeeper'), KAFKA_BROKERS: 'b0.kafka:9092, b1.kafka:9093' });
    expect(bootstrapServers(t)).toEqual(['b0.kafka:9092', 'b1.kafka:9093', 'b0.kafka:9092']);
  });

  test('a missing variable, or a URL the probes could not rebuild from host and port, is refused by name', () => {
    const env = jobEnv('zookeeper');
    expect(() => k8sTopology(topology('zookeeper'), { ...env, KAFKA_BROKERS: undefined, TEMPO_URL: '' })).toThrow(/needs KAFKA_BROKERS, TEMPO_URL/);
    expect(() => k8sTopology(topology('zookeeper'), { ...env, PROMETHEUS_URL: 'http://prometheus.chaos-ns.svc:9090/prom' })).toThrow(/PROMETHEUS_URL must be http:\/\/host:port/);
    expect(() => k8sTopology(topology('zookeeper'), { ...env, INGEST_URL: 'https://ingest:8443' })).toThrow(/INGEST_URL must be http:\/\/host:port/);
    expect(() => k8sTopology(topology('zookeeper'), { ...env, KAFKA_BROKERS: 'kafka-bootstrap' })).toThrow(/KAFKA_BROKERS lists host:port entries/);
  });
});

describe('the status endpoints the Workflow checks', () => {
  const check = (name: string, valid: CheckResult['valid']): CheckResult => ({ name, property: name, valid, summary: `${name} summary`, stats: {}, counterexamples: [] });
  const servers: StatusServer[] = [];
  const start = async () => {
    const s = await statusServer(0, '127.0.0.1');
    servers.push(s);
    const get = async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${s.port}${path}`);
      return { status: r.status, body: await r.text() };
    };
    return { s, get };
  };
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  test('503 until the load starts, then /started 200 while /verdict stays 503; a failing run answers 500 with its verdict lines', async () => {
    const { s, get } = await start();
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/started')).status).toBe(503);
    expect((await get('/verdict')).status).toBe(503);
    s.started();
    expect((await get('/started')).status).toBe(200);
    const running = await get('/verdict');
    expect(running.status).toBe(503);
    expect(running.body).toMatch(/no verdict yet/);
    s.done({ experiment: 'broker-kill', verdict: false, checks: [check('no-lost-writes', false), check('no-duplicates', true)] });
    const verdict = await get('/verdict');
    expect(verdict.status).toBe(500);
    expect(verdict.body).toBe('broker-kill: INVALID\n  FAIL no-lost-writes: no-lost-writes summary\n  ok   no-duplicates: no-duplicates summary\n');
    expect((await get('/started')).status).toBe(200);
    expect((await get('/nope')).status).toBe(404);
  });

  test('a passing run answers 200, and so does a negative control judged invalid; the verdict first read ends the linger', async () => {
    const { s, get } = await start();
    s.started();
    s.done({ experiment: 'broker-kill', verdict: true, checks: [check('no-lost-writes', true)] });
    const lingering = s.linger({ graceMs: 10, maxMs: 10_000 });
    const ok = await get('/verdict');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^broker-kill: VALID\n/);
    expect(await lingering).toBe(true);

    const control = await start();
    control.s.started();
    control.s.done({ experiment: 'control-rf1-zone-destroy', verdict: false, expectInvalid: true, checks: [check('no-lost-writes', false)] });
    expect((await control.get('/verdict')).status).toBe(200);
    const missed = await start();
    missed.s.done({ experiment: 'control-rf1-zone-destroy', verdict: true, expectInvalid: true, checks: [check('no-lost-writes', true)] });
    expect(await missed.get('/verdict')).toEqual({ status: 500, body: expect.stringMatching(/NOT CAUGHT/) });
  });

  test('a run that could not be judged answers 500 on both, and a verdict nobody reads lingers only up to its bound', async () => {
    const { s, get } = await start();
    s.failed('no broker answered');
    expect(await get('/started')).toEqual({ status: 500, body: expect.stringMatching(/ended before its load started:\nERROR: no broker answered/) });
    const t0 = Date.now();
    expect(await s.linger({ graceMs: 10, maxMs: 100 })).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await get('/verdict')).toEqual({ status: 500, body: 'ERROR: no broker answered\n' });
  });
});
