// The containers provider, end to end on the engine this machine has (Podman here): the same topology in
// containers at their zones' addresses, a round trip with acks=all, a zone cut that really cuts, the broker-kill and
// zone-partition experiments judged VALID, the RF-1 zone-destroy control judged INVALID, both deployments at once
// with each stopping only its own, and nothing left behind:
// no container, no network, no rule, no Podman service the project started.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  activeRules,
  clusterHealth,
  CONTAINER_NETWORK_NAME,
  ContainersProvider,
  drain,
  endpoint,
  engineServicePid,
  podmanServicePids,
  ensureTopics,
  kafka,
  componentMarker,
  findProcesses,
  paths,
  ProcessesProvider,
  type Zone,
} from '../cluster/index.js';
import { EXPERIMENT_TIMEOUT_MS, HOLDING, HOLDING_UNDER_BROKER_KILL, holds, invalidBecause } from '../test/chaos-gates.js';
import { runExperiment } from './core/runner.js';
import { experimentByName } from './experiments/index.js';

const p = ContainersProvider.open(paths(), 'zookeeper');
const t = p.topology;
const out = mkdtempSync(join(tmpdir(), 'faultline-containers-'));
const quiet = (l: string) => void (process.env.FAULTLINE_VERBOSE && console.log(l));

async function run(name: string, durationS: number) {
  const r = await runExperiment({ experiment: experimentByName(name), durationS, seed: 7, provider: 'containers', outRoot: out, log: quiet });
  const lines = r.result.checks.map((c) => `${c.valid === true ? 'ok  ' : c.valid === false ? 'FAIL' : '??  '} ${c.name}: ${c.summary}`);
  console.log(`[containers] ${name}: verdict ${r.result.verdict}\n${lines.join('\n')}\n${r.report}`);
  return r.result;
}

/** A TCP connect from inside a container's network namespace (the host's bash through nsenter). */
async function connectsFrom(component: string, host: string, port: number): Promise<boolean> {
  const pid = (await p.status()).find((s) => s.name === component)?.pid;
  if (!pid) throw new Error(`${component} is not running`);
  const r = spawnSync('nsenter', ['-t', String(pid), '-n', 'timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], { stdio: 'ignore' });
  return r.status === 0;
}

const zone = (name: string): Zone => t.zones.find((z) => z.name === name)!;

beforeAll(async () => {
  const t0 = Date.now();
  await p.deploy(quiet);
  console.log(`[containers] deployed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}, 600_000);

afterAll(async () => {
  await p.down(quiet);
}, 300_000);

test("the processes deployment takes none of the containers deployment's processes for its own (its state directory is a prefix of theirs)", async () => {
  // with the containers deployment up, a plain `just down` once stopped 11 of its 20 containers: every stage, the
  // dashboard and the lag exporter, whose command lines held the processes deployment's marker as a prefix
  const processes = ProcessesProvider.open(paths(), 'zookeeper');
  const rows = await p.status();
  const nodes = rows.filter((r) => r.kind === 'pipeline' || r.kind === 'ops-node');
  expect(nodes.length).toBe(11);
  for (const r of nodes) expect([r.name, findProcesses(componentMarker(r.name, processes.paths.state)).filter((pid) => pid === r.pid)]).toEqual([r.name, []]);
});

test('every component runs in its own container at its zone address; brokers are rack-aware', async () => {
  const rows = await p.status();
  expect(rows.filter((r) => !r.up || !r.listening).map((r) => r.name)).toEqual([]);
  for (const b of t.brokers) expect(b.listener.host.startsWith(b.zone.cidr.replace(/0\/24$/, ''))).toBe(true);
  // distinct container pids: one container per component, not one host process
  expect(new Set(rows.map((r) => r.pid)).size).toBe(rows.length);
  const admin = kafka(t).admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    expect(brokers.map((b) => b.host).sort()).toEqual(t.brokers.map((b) => b.listener.host).sort());
  } finally {
    await admin.disconnect();
  }
  expect((await clusterHealth(t)).underReplicated).toEqual([]);
});

test("container traffic stays on the project's network: each container is on it alone, at its topology address, with no published port", async () => {
  const ours = await p.inventory();
  expect(ours.map((c) => c.name).sort()).toEqual(p.components().map((s) => s.name).sort());
  for (const c of ours) {
    const spec = p.components().find((s) => s.name === c.name)!;
    expect([c.name, c.networks, c.ip, c.publishedPorts]).toEqual([c.name, [CONTAINER_NETWORK_NAME], spec.listens[0]!.host, []]);
  }
});

test('round trip with acks=all: 1,000 records produced idempotently are all read back, once', async () => {
  const topic = `test.containers-roundtrip-${Date.now()}`;
  await ensureTopics(t, [{ name: topic, partitions: 3 }]);
  const producer = kafka(t, 'test-containers').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
  } finally {
    await producer.disconnect();
  }
  const records = await drain(endpoint(t, "test-containers-drain"), topic);
  expect(records.length).toBe(1000);
  expect(new Set(records.map((r) => r.value)).size).toBe(1000);
  const admin = kafka(t).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).finally(() => admin.disconnect());
});

test('a zone cut drops traffic between the zones, both ways, and its heal restores it (a negative control for the cut)', async () => {
  const broker = (z: string) => t.brokers.find((b) => b.zone.name === z)!.listener;
  expect(await connectsFrom('broker-a', broker('zone-c').host, 9092)).toBe(true);
  const cut = await p.isolateZone(zone('zone-c'), { symmetric: true });
  try {
    expect(await connectsFrom('broker-a', broker('zone-c').host, 9092)).toBe(false);
    expect(await connectsFrom('broker-c', broker('zone-b').host, 9092)).toBe(false);
    expect(await connectsFrom('broker-a', broker('zone-b').host, 9092)).toBe(true);
    expect((await p.activeCuts()).length).toBeGreaterThan(0);
  } finally {
    await cut.heal();
  }
  expect(await connectsFrom('broker-a', broker('zone-c').host, 9092)).toBe(true);
  expect(await p.activeCuts()).toEqual([]);
});

test('broker-kill on containers: judged VALID on the properties gated for the processes provider', async () => {
  const r = await run('broker-kill', 30);
  expect(r.faults.length).toBeGreaterThan(0);
  holds(r, HOLDING_UNDER_BROKER_KILL);
}, EXPERIMENT_TIMEOUT_MS);

test('zone-partition on containers: a zone cut off both ways, nothing acknowledged lost', async () => {
  const r = await run('zone-partition', 30);
  expect(r.faults.map((f) => f.fault)).toContain('zone-partition');
  holds(r, HOLDING);
}, EXPERIMENT_TIMEOUT_MS);

test('negative control on containers: RF 1 and a destroyed zone (container and data gone) is judged INVALID', async () => {
  invalidBecause(await run('control-rf1-zone-destroy', 20), 'no-lost-writes');
}, EXPERIMENT_TIMEOUT_MS);

test('both deployments at once: each stops only what it started, and leaves the other running', async () => {
  // the processes deployment as it is on this machine (up or not, either mode), brought up beside the containers
  const processes = ProcessesProvider.open(paths());
  const wasUp = await processes.running('broker-a');
  const up = async (x: { status(): Promise<{ name: string; up: boolean }[]> }) => (await x.status()).filter((r) => r.up).map((r) => r.name).sort();
  const all = (x: { components(): { name: string }[] }) => x.components().map((c) => c.name).sort();
  await processes.deploy(quiet);
  try {
    expect(await up(p)).toEqual(all(p));
    expect(await up(processes)).toEqual(all(processes));
    // the processes deployment goes: every container stays
    await processes.down(quiet);
    expect(await up(processes)).toEqual([]);
    expect(await up(p)).toEqual(all(p));
    // and the other way: the containers deployment goes (the next test checks it left nothing), every process stays
    await processes.deploy(quiet);
    await p.down(quiet);
    expect(await up(p)).toEqual([]);
    expect(await up(processes)).toEqual(all(processes));
  } finally {
    if (!wasUp) await processes.down(quiet);
  }
}, 900_000);

test('down leaves nothing behind: no container, no network, no rule, no Podman service of ours', async () => {
  await p.down(quiet);
  expect(await ContainersProvider.leftovers(p.paths)).toEqual([]);
  expect(engineServicePid(p.paths)).toBeUndefined();
  // nor one serving the project's socket that a pid file no longer names (a CI-like run ended with 18 of them)
  expect(podmanServicePids()).toEqual([]);
  expect(activeRules()).toEqual([]);
  // the project's host rules live only in its FAULTLINE chain: the containers provider added none outside it
  expect(execFileSync('iptables', ['-S']).toString()).not.toMatch(/10\.89\.[123]\.0\/24.*DROP/);
});
