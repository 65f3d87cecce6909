// The containers provider's pure parts: its addressing (every container at its own address, each zone's in the
// zone's range, the ops services outside every zone), the Podman config it writes, and the image inputs.
import { DeploymentParts } from '../deploy/index.js';
import { tempoConfig } from '../deploy/ops-configs.js';
import { ContainersProvider } from './provider.js';
import { CONTAINER_NETWORK, topology, type Topology } from '../topology.js';
import { containersConf, ulimits } from './engine.js';
import { debianSuite, IMAGE_PACKAGES, imageTag } from './images.js';

const inCidr = (host: string, cidr: string) => host.startsWith(cidr.replace(/0\/24$/, ''));
const specs = (t: Topology) => new ContainersProvider(new DeploymentParts({ cache: '/c', state: '/s' }, t)).components();

describe('containers addressing', () => {
  for (const coordination of ['zookeeper', 'kraft'] as const) {
    test(`${coordination}: one address per container, zone components in their zone's range, ops in none`, () => {
      const t = topology(coordination, CONTAINER_NETWORK);
      expect(t.zones.map((z) => z.cidr)).toEqual(['10.89.1.0/24', '10.89.2.0/24', '10.89.3.0/24']);
      const all = specs(t);
      // every component listens on one host only: the container's own address
      for (const s of all) expect([s.name, new Set(s.listens.map((e) => e.host)).size]).toEqual([s.name, 1]);
      const hosts = all.map((s) => s.listens[0]!.host);
      expect(new Set(hosts).size).toBe(all.length);
      for (const s of all) {
        const host = s.listens[0]!.host;
        const zone = t.zones.find((z) => z.name === s.zone);
        if (zone) expect([s.name, inCidr(host, zone.cidr)]).toEqual([s.name, true]);
        else expect([s.name, t.zones.some((z) => inCidr(host, z.cidr))]).toEqual([s.name, false]);
      }
    });
  }

  test('the one toxiproxy container has a port per broker; the loopback topology is unchanged', () => {
    const t = topology('zookeeper', CONTAINER_NETWORK);
    expect(new Set(t.brokers.map((b) => b.proxy.host))).toEqual(new Set([t.ops.toxiproxy.host]));
    expect(new Set(t.brokers.map((b) => b.proxy.port)).size).toBe(3);
    expect(topology('zookeeper').brokers.map((b) => `${b.proxy.host}:${b.proxy.port}`)).toEqual(['127.0.1.13:9094', '127.0.2.13:9094', '127.0.3.13:9094']);
  });

  test("Tempo's gRPC answers on 127.0.0.1 inside its container (its ring advertises that) and on the ops address on loopback", () => {
    expect(tempoConfig(topology('zookeeper', CONTAINER_NETWORK), '/d')).toMatch(/grpc_listen_address: 0\.0\.0\.0/);
    expect(tempoConfig(topology('zookeeper'), '/d')).toMatch(/grpc_listen_address: 127\.0\.0\.1/);
  });
});

describe('Podman config and images', () => {
  const limits = (nofile: string, nproc: string) =>
    `Limit                     Soft Limit           Hard Limit           Units\nMax processes             ${nproc}                ${nproc}                processes\nMax open files            1024                 ${nofile}                files\n`;

  test('container ulimits stay within the host hard limits (the defaults fail without CAP_SYS_RESOURCE)', () => {
    expect(ulimits(limits('20000', '96365'))).toEqual({ nofile: 20000, nproc: 16384 });
    expect(ulimits(limits('unlimited', '1000'))).toEqual({ nofile: 65536, nproc: 1000 });
    expect(containersConf()).toMatch(/runtime = "runc"/);
    expect(containersConf()).toMatch(/default_ulimits = \["nofile=\d+:\d+", "nproc=\d+:\d+"\]/);
  });

  test('image tags change with their inputs; the suite is the host Debian one, else bookworm', () => {
    expect(imageTag('jre', 'bookworm')).not.toBe(imageTag('node', 'bookworm'));
    expect(imageTag('jre', 'bookworm')).not.toBe(imageTag('jre', 'trixie'));
    expect(imageTag('jre', 'bookworm')).toBe(imageTag('jre', 'bookworm'));
    expect(IMAGE_PACKAGES.jre).toContain('openjdk-17-jre-headless');
    expect(debianSuite('ID=debian\nVERSION_CODENAME=trixie\n')).toBe('trixie');
    expect(debianSuite('ID=ubuntu\nVERSION_CODENAME=noble\n')).toBe('bookworm');
  });
});
