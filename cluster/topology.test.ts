import { bootstrapServers, topology } from './topology.js';
import { brokerConfig, controllerConfig, zookeeperConfig } from './deploy/configs.js';
import { prometheusConfig } from './deploy/ops-configs.js';

const parse = (props: string) => Object.fromEntries(props.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));

describe('topology', () => {
  test('three zones, one broker and one ZooKeeper node per zone, on the zone range', () => {
    const t = topology('zookeeper');
    expect(t.zones.map((z) => [z.name, z.cidr, z.user])).toEqual([
      ['zone-a', '127.0.1.0/24', 'faultline-a'],
      ['zone-b', '127.0.2.0/24', 'faultline-b'],
      ['zone-c', '127.0.3.0/24', 'faultline-c'],
    ]);
    expect(bootstrapServers(t)).toEqual(['127.0.1.10:9092', '127.0.2.10:9092', '127.0.3.10:9092']);
    expect(t.zookeepers.map((z) => `${z.client.host}:${z.client.port}`)).toEqual(['127.0.1.20:2181', '127.0.2.20:2181', '127.0.3.20:2181']);
    expect(t.controllers).toHaveLength(0);
  });

  test('kraft replaces ZooKeeper with three controllers, one per zone, ids distinct from brokers', () => {
    const t = topology('kraft');
    expect(t.zookeepers).toHaveLength(0);
    expect(t.controllers.map((c) => c.zone.name)).toEqual(['zone-a', 'zone-b', 'zone-c']);
    const ids = [...t.controllers.map((c) => c.id), ...t.brokers.map((b) => b.id)];
    expect(new Set(ids).size).toBe(6);
  });

  test('broker configs carry the safety defaults and the rack of their zone', () => {
    for (const coordination of ['zookeeper', 'kraft'] as const) {
      const t = topology(coordination);
      for (const b of t.brokers) {
        const c = parse(brokerConfig(t, b, '/data'));
        expect(c['broker.rack']).toBe(b.zone.name);
        expect(c['default.replication.factor']).toBe('3');
        expect(c['min.insync.replicas']).toBe('2');
        expect(c['unclean.leader.election.enable']).toBe('false');
        expect(c['offsets.topic.replication.factor']).toBe('3');
        expect(c['transaction.state.log.replication.factor']).toBe('3');
        expect(c['transaction.state.log.min.isr']).toBe('2');
        expect(c['auto.create.topics.enable']).toBe('false');
        if (coordination === 'zookeeper') expect(Number(c['zookeeper.session.timeout.ms'])).toBeLessThanOrEqual(6000);
        else expect(c['controller.quorum.voters']).toBe('11@127.0.1.30:9093,12@127.0.2.30:9093,13@127.0.3.30:9093');
      }
    }
  });

  test('ZooKeeper ensemble lists all three servers and can grant the brokers sessions', () => {
    const t = topology('zookeeper');
    const c = parse(zookeeperConfig(t, t.zookeepers[0]!, '/d'));
    expect([c['server.1'], c['server.2'], c['server.3']]).toEqual(['127.0.1.20:2888:3888', '127.0.2.20:2888:3888', '127.0.3.20:2888:3888']);
    // ZooKeeper's minimum session timeout is 2 ticks, its maximum 20
    expect(2 * Number(c.tickTime)).toBeLessThanOrEqual(t.defaults.zookeeperSessionTimeoutMs);
    expect(20 * Number(c.tickTime)).toBeGreaterThanOrEqual(t.defaults.zookeeperSessionTimeoutMs);
  });

  test('controllers render a controller-only role', () => {
    const t = topology('kraft');
    const c = parse(controllerConfig(t, t.controllers[1]!, '/d'));
    expect(c['process.roles']).toBe('controller');
    expect(c.listeners).toBe('CONTROLLER://127.0.2.30:9093');
  });

  test('Prometheus scrapes each broker and coordination node with its zone label', () => {
    const zk = prometheusConfig(topology('zookeeper'), { targetsDir: '/t', rulesDir: '/r' });
    for (const target of ['127.0.1.10:9404', '127.0.2.10:9404', '127.0.3.10:9404', '127.0.1.20:7000', '127.0.0.1:3200']) expect(zk).toContain(`'${target}'`);
    expect(zk).toContain('zone: zone-c');
    const kraft = prometheusConfig(topology('kraft'), { targetsDir: '/t', rulesDir: '/r' });
    expect(kraft).toContain('job_name: kraft-controller');
    expect(kraft).not.toContain('job_name: zookeeper');
  });
});
