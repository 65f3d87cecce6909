// The foundation against the running cluster: real brokers, real ZooKeeper or
// KRaft, real Prometheus and Tempo. Runs for both coordination modes.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigResourceTypes, CompressionTypes } from './kafkajs.js';
import { PIPELINE_TOPICS } from '../pipeline/contract/index.js';
import { kafkaClient, produceAll, readToEnd } from '../pipeline/kafka/index.js';
import { activeRules, bootstrapServers, cacheLayout, clusterHealth, kraftQuorum, LOOPBACK, paths, ensureTopics, healAll, kafka, partition, waitFor, zoneOf, zookeeperQuorum } from './index.js';
import { connectAs, coordination, iptablesRules, liveTopology, promQuery, provider, spawnAs } from '../test/live.js';

const t = liveTopology();

describe(`cluster (${coordination})`, () => {
  test('acks=all produce and consume round-trip every record', async () => {
    const topic = `test.roundtrip.${randomUUID().slice(0, 8)}`;
    await ensureTopics(t, [{ name: topic, partitions: 3 }]);
    const k = kafka(t, 'test-roundtrip');
    const producer = k.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const values = Array.from({ length: 300 }, (_, i) => `v-${i}-${randomUUID()}`);
    await producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: values.map((value) => ({ key: value, value })) });
    await producer.disconnect();

    const consumer = k.consumer({ groupId: `g-${randomUUID()}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen = new Set<string>();
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    await waitFor('all records consumed', () => seen.size === values.length, { timeoutMs: 60_000 });
    await consumer.disconnect();
    expect([...seen].sort()).toEqual([...values].sort());
  });

  test('every pipeline topic has RF 3, min ISR 2, and replicas in three distinct racks', async () => {
    const admin = kafka(t).admin();
    await admin.connect();
    try {
      const brokers = t.brokers.map((b) => String(b.id));
      const cfg = await admin.describeConfigs({
        includeSynonyms: false,
        resources: brokers.map((name) => ({ type: ConfigResourceTypes.BROKER, name, configNames: ['broker.rack'] })),
      });
      const rackOf = new Map(cfg.resources.map((r) => [Number(r.resourceName), r.configEntries.find((e) => e.configName === 'broker.rack')?.configValue]));
      expect([...rackOf.values()].sort()).toEqual(['zone-a', 'zone-b', 'zone-c']);

      const names = PIPELINE_TOPICS.map((s) => s.name);
      const meta = await admin.fetchTopicMetadata({ topics: names });
      for (const topic of meta.topics) {
        expect(topic.partitions).toHaveLength(PIPELINE_TOPICS.find((s) => s.name === topic.name)!.partitions);
        for (const p of topic.partitions) {
          expect(p.replicas).toHaveLength(3);
          expect(new Set(p.replicas.map((r) => rackOf.get(r))).size).toBe(3);
        }
      }
      const topicCfg = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas', 'unclean.leader.election.enable'] })),
      });
      for (const r of topicCfg.resources) {
        const get = (n: string) => r.configEntries.find((e) => e.configName === n)?.configValue;
        expect([r.resourceName, get('min.insync.replicas'), get('unclean.leader.election.enable')]).toEqual([r.resourceName, '2', 'false']);
      }
    } finally {
      await admin.disconnect();
    }
  });

  test('coordination is healthy: one ZooKeeper leader, or a KRaft quorum with a leader', async () => {
    if (coordination === 'zookeeper') {
      const q = await zookeeperQuorum(t);
      expect(q.ok).toBe(true);
      expect(Object.values(q.modes).filter((m) => m === 'leader')).toHaveLength(1);
    } else {
      const q = await waitFor('a KRaft quorum leader', () => {
        const r = kraftQuorum(t, cacheLayout(paths().cache).kafkaLibs);
        return r.leaderId > 0 ? r : undefined;
      }, { timeoutMs: 60_000, intervalMs: 2000 });
      expect([...q!.voters].sort()).toEqual(t.controllers.map((c) => c.id).sort());
      expect(t.controllers.map((c) => c.id)).toContain(q!.leaderId);
    }
  });

  test('Prometheus scrapes every target and holds real broker metrics', async () => {
    const expectedJobs = ['prometheus', 'tempo', 'kafka', coordination === 'zookeeper' ? 'zookeeper' : 'kraft-controller'];
    const up = await waitFor(
      'every target up',
      async () => {
        const r = await promQuery(t, 'up');
        const jobs = new Set(r.map((s) => s.metric.job));
        return expectedJobs.every((j) => jobs.has(j)) && r.filter((s) => s.metric.job !== 'pipeline').every((s) => s.value[1] === '1') ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2000 },
    );
    expect(up!.filter((s) => s.metric.job === 'kafka')).toHaveLength(3);
    const urp = await promQuery(t, 'kafka_server_replicamanager_underreplicatedpartitions');
    expect(urp.map((s) => s.metric.zone).sort()).toEqual(['zone-a', 'zone-b', 'zone-c']);
    expect(await promQuery(t, 'kafka_server_replicamanager_isrshrinkspersec_total')).toHaveLength(3);
    expect(await promQuery(t, 'kafka_controller_kafkacontroller_activecontrollercount')).not.toHaveLength(0);
  });

  test('Tempo returns by id a trace sent to it over OTLP', async () => {
    const traceId = randomBytes(16).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'faultline-test' } }] },
          scopeSpans: [
            {
              scope: { name: 'faultline-test' },
              spans: [
                {
                  traceId,
                  spanId: randomBytes(8).toString('hex'),
                  name: 'foundation-probe',
                  kind: 1,
                  startTimeUnixNano: String(now - 5_000_000n),
                  endTimeUnixNano: String(now),
                },
              ],
            },
          ],
        },
      ],
    };
    const r = await fetch(`http://${t.ops.tempo.otlpHttp.host}:${t.ops.tempo.otlpHttp.port}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(200);
    const trace = await waitFor(
      `trace ${traceId} in Tempo`,
      async () => {
        const q = await fetch(`http://${t.ops.tempo.http.host}:${t.ops.tempo.http.port}/api/traces/${traceId}`, { headers: { accept: 'application/json' } });
        return q.ok ? ((await q.json()) as unknown) : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    expect(JSON.stringify(trace)).toContain('foundation-probe');
  });

  test('SIGKILL one broker: acks=all still succeeds, Prometheus sees under-replication, the ISR comes back to 3', async () => {
    const p = provider();
    const topic = `test.brokerkill.${randomUUID().slice(0, 8)}`;
    await ensureTopics(t, [{ name: topic, partitions: 3 }]);
    const victim = 'broker-c';
    const victimId = t.brokers.find((b) => b.zone.name === 'zone-c')!.id;
    // the property here is the cluster's: with one broker of three gone, acks=all writes are taken. The writer is the
    // product's own client (librdkafka, idempotent, acks=all), made after the loss. kafkajs, a client under test here,
    // failed this test twice in CI on KRaft (OUT_OF_ORDER_SEQUENCE_NUMBER, which it treats as fatal: the family in
    // README's Known limits); what a client does under a fault is the chaos experiments' to judge.
    const e = { brokers: bootstrapServers(t), clientId: 'test-brokerkill' };
    const producer = kafkaClient(e).producer({ kafkaJS: { idempotent: true, acks: -1 }, 'message.timeout.ms': 60_000 } as never);
    let connected = false;
    const values = Array.from({ length: 100 }, (_, i) => `after-kill-${i}-${randomUUID()}`);
    try {
      expect(await p.running(victim)).toBe(true);
      await p.kill(victim);
      // the controller notices the dead broker (session timeout), shrinks ISRs to 2 = min ISR
      await waitFor('the killed broker to leave the metadata', async () => !(await clusterHealth(t)).brokersOnline.includes(victimId), {
        timeoutMs: 60_000,
        intervalMs: 500,
      });
      await producer.connect();
      connected = true;
      // resolves once every message is acknowledged by min ISR (2) replicas, rejects on the first that is not
      await produceAll(producer, topic, values.map((value) => ({ key: value, value })));
      const urp = await waitFor(
        'under-replicated partitions in Prometheus',
        async () => {
          const r = await promQuery(t, 'sum(kafka_server_replicamanager_underreplicatedpartitions)');
          return r.length && Number(r[0]!.value[1]) > 0 ? Number(r[0]!.value[1]) : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 2000 },
      );
      expect(urp).toBeGreaterThan(0);
    } finally {
      await p.restart(victim);
      if (connected) await producer.disconnect();
      // back in full before the next test, whatever this one said: a failure here once failed the next test too, which
      // met broker-c still starting
      await waitFor(
        'ISR back to 3 on every partition',
        async () => {
          const h = await clusterHealth(t);
          return h.brokersOnline.includes(victimId) && h.underReplicated.length === 0;
        },
        { timeoutMs: 180_000, intervalMs: 2000 },
      );
    }
    const admin = kafka(t).admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.disconnect();
    for (const part of meta.topics[0]!.partitions) expect(part.isr).toHaveLength(3);
    // every acknowledged write is there, once
    const read = await readToEnd(e, topic, { timeoutMs: 30_000 });
    expect(read.map((r) => r.value).sort()).toEqual([...values].sort());
  });

  test('the zone-partition primitive cuts zone-a -> zone-c, leaves zone-a -> zone-b, and is removed afterwards', () => {
    const a = zoneOf(t, 'zone-a');
    const c = zoneOf(t, 'zone-c');
    const brokerB = t.brokers.find((b) => b.zone.name === 'zone-b')!.listener;
    const brokerC = t.brokers.find((b) => b.zone.name === 'zone-c')!.listener;
    expect(connectAs(a.user, brokerC.host, brokerC.port)).toBe(true);
    try {
      partition(a, c, { symmetric: false });
      // zone-a's packets to zone-c's addresses, and on connections zone-c opened
      expect(activeRules()).toHaveLength(2);
      expect(connectAs(a.user, brokerC.host, brokerC.port, 2)).toBe(false);
      expect(connectAs(a.user, brokerB.host, brokerB.port)).toBe(true);
      // the harness runs as root, outside every zone: it still reaches zone-c
      expect(connectAs('root', brokerC.host, brokerC.port)).toBe(true);
    } finally {
      healAll();
    }
    expect(activeRules()).toHaveLength(0);
    expect(dropRules()).toEqual([]);
    expect(connectAs(a.user, brokerC.host, brokerC.port)).toBe(true);
  });

  // On loopback a connection leaves from 127.0.0.1, so the server's packets back go to 127.0.0.1, not to the client's
  // zone. A cut on destinations alone let them through: in CI a zone-b ZooKeeper, cut off, still sent its election
  // vote on a connection zone-c had opened (idle, so nothing held it back), won the vote, and left the ensemble without
  // a leader it could reach for the whole cut.
  test('a symmetric cut also stops what a zone sends back on a connection the other zone opened, until healed', async () => {
    const a = zoneOf(t, 'zone-a');
    const c = zoneOf(t, 'zone-c');
    const [host, port] = [LOOPBACK.zoneHost(c.index, 99), 7999];
    // zone-c sends a numbered line every 500 ms to whoever connects; each is acknowledged long before the next, so
    // each leaves an idle connection, as that vote did. zone-a's client prints each line with its arrival time.
    const server = spawnAs(c.user, `require('net').createServer((s) => { let n = 0; const t = setInterval(() => s.write(n++ + '\\n'), 500); s.on('error', () => {}); s.on('close', () => clearInterval(t)); }).listen(${port}, '${host}', () => console.log('listening'));`);
    let client: ChildProcess | undefined;
    try {
      await waitFor('the zone-c test server', () => server.out.includes('listening'), { timeoutMs: 10_000 });
      client = spawnAs(a.user, `const s = require('net').connect(${port}, '${host}'); s.on('data', (d) => { for (const l of d.toString().split('\\n')) if (l) console.log(Date.now() + ' ' + l); }); s.on('error', (e) => { console.log('error ' + e.message); });`).child;
      const lines: number[] = [];
      let arrived = () => {};
      client.stdout!.on('data', (d: Buffer) => {
        for (const l of d.toString().split('\n')) if (/^\d+ \d+$/.test(l)) lines.push(Number(l.split(' ')[0]));
        arrived();
      });
      await waitFor("zone-a's client to receive from zone-c", () => lines.length >= 3, { timeoutMs: 10_000 });
      // cut right after a line arrives: the next is sent 500 ms into the cut, on a connection with nothing in flight
      await new Promise<void>((resolve) => (arrived = resolve));
      const cutAt = Date.now();
      let healedAt = 0;
      try {
        partition(a, c, { symmetric: true });
        await sleep(3000);
      } finally {
        healAll();
        healedAt = Date.now();
      }
      expect(lines.filter((at) => at > cutAt && at < healedAt)).toEqual([]);
      await waitFor('the connection to carry data again after healing', () => lines.some((at) => at > healedAt), { timeoutMs: 20_000 });
    } finally {
      client?.kill('SIGKILL');
      server.child.kill('SIGKILL');
      healAll();
    }
  });
});

/** The DROP rules on a zone user left in iptables (the connection marks stay while the deployment runs, by design). */
const dropRules = () => iptablesRules().split('\n').filter((l) => l.includes('--uid-owner') && l.includes('-j DROP'));
