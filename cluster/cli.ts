// `just setup|deploy|status|down|clean|logs`: thin commands over the processes provider.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseNumber, runCli, UsageError } from './args.js';
import { paths } from './paths.js';
import { grafanaBinary } from './deploy/index.js';
import type { ComponentStatus } from './provider.js';
import { openProvider } from './open-provider.js';
import { justCmd, kafkaClientName } from './provider.js';
import { kafka } from './probes.js';
import { removeChain } from './processes/partition.js';
import { setup } from './setup/setup.js';
import { Coordination, type Topology } from './topology.js';
import type { ClusterHealth } from './probes.js';

const say = (line: string) => console.log(line);

const usage = `usage: just setup
       just deploy [--coordination zookeeper|kraft] [--provider processes|containers] [--ingest-client librdkafka|kafkajs] [--skip-setup]
       just status [--provider containers]
       just down   [--provider containers]      (graceful stop; data is kept)
       just clean  [--provider containers]      (stop and wipe the deployment's data; the download cache stays)
       just logs <component> [-f] [-n LINES] [--provider containers]`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function renderStatus(rows: ComponentStatus[], health: ClusterHealth | { error: string }, t: Topology): string {
  const out: string[] = [];
  const header = ['zone', 'component', 'pid', 'up', 'listening', 'rss', 'addresses'];
  const zones = [...new Set(rows.map((r) => r.zone))];
  const body = zones.flatMap((z) =>
    rows
      .filter((r) => r.zone === z)
      .map((r) => [z, r.name, r.pid ? String(r.pid) : '-', r.up ? 'yes' : 'NO', r.listening ? 'yes' : 'NO', r.rssMiB ? `${r.rssMiB} MiB` : '-', r.addresses.join(' ')]),
  );
  out.push(table([header, ...body]));
  out.push('');
  if ('error' in health) {
    out.push(`cluster: unreachable (${health.error})`);
  } else {
    out.push(
      `cluster (${t.coordination}): brokers online ${health.brokersOnline.length}/${t.brokers.length} [${health.brokersOnline.join(',')}], ` +
        `controller ${health.controller ?? 'none'}, partitions ${health.partitions}, ` +
        `under-replicated ${health.underReplicated.length}, offline ${health.offline.length}`,
    );
  }
  const total = rows.reduce((s, r) => s + (r.rssMiB ?? 0), 0);
  out.push(`memory: ${total} MiB resident over ${rows.filter((r) => r.up).length} processes`);
  return out.join('\n');
}

function urls(t: Topology, state: string): string {
  return [
    `Dashboard    http://${t.ops.dashboard.host}:${t.ops.dashboard.port}  (live pipeline over WebSocket)`,
    `Ingest       ${t.stages.filter((s) => s.stage === 'ingest').map((s) => `http://${s.http.host}:${s.http.port}/v1/events`).join('  ')}`,
    `Lag          http://${t.ops.lagExporter.host}:${t.ops.lagExporter.port}/metrics`,
    `Prometheus   http://${t.ops.prometheus.host}:${t.ops.prometheus.port}`,
    `Tempo        http://${t.ops.tempo.http.host}:${t.ops.tempo.http.port}  (OTLP gRPC ${t.ops.tempo.otlpGrpc.port}, HTTP ${t.ops.tempo.otlpHttp.port})`,
    `Kafka        ${t.brokers.map((b) => `${b.listener.host}:${b.listener.port}`).join(',')}`,
    ...(t.zookeepers.length ? [`ZooKeeper    ${t.zookeepers.map((z) => `${z.client.host}:${z.client.port}`).join(',')}`] : []),
    grafanaBinary()
      ? `Grafana      http://${t.ops.grafana.host}:${t.ops.grafana.port}  (provisioned from ${join(state, 'conf', 'grafana')})`
      : `Grafana      not installed here (no package in the reachable registries); its dashboards and provisioning are in ${join(state, 'conf', 'grafana')}`,
  ].join('\n');
}

async function main(argv: string[]) {
  const [cmd, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      coordination: { type: 'string' },
      provider: { type: 'string', default: 'processes' },
      lines: { type: 'string', short: 'n', default: '100' },
      follow: { type: 'boolean', short: 'f', default: false },
      'skip-setup': { type: 'boolean', default: false },
      'ingest-client': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !cmd || cmd === '--help' || cmd === '-h') {
    console.log(usage);
    if (!cmd) process.exitCode = 2;
    return;
  }
  const p = paths();
  const coordination = values.coordination ? Coordination.parse(values.coordination) : undefined;
  switch (cmd) {
    case 'setup':
      await setup(p, say);
      return;
    case 'deploy': {
      const ingestClient = kafkaClientName(values['ingest-client'], '--ingest-client');
      const provider = openProvider(values.provider, p, coordination);
      // the container engine and images only when they are needed
      if (!values['skip-setup']) await setup(p, say, { containers: provider.name === 'containers' });
      const t0 = Date.now();
      say(`deploy: ${provider.topology.coordination} cluster (${provider.name}), state in ${provider.paths.state}`);
      const { started } = await provider.deploy((l) => say(`deploy: ${l}`), { ingestClient });
      say(`deploy: ${started.length ? `started ${started.length} ${provider.name === 'containers' ? 'container(s)' : 'process(es)'}` : 'everything was already running'} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      say(renderStatus(await provider.status(), await provider.health(), provider.topology));
      say(`\n${urls(provider.topology, provider.paths.state)}\n${provider.name === 'containers' ? 'logs: just logs <component> --provider containers' : `logs: ${p.state}/logs  (just logs <component>)`}`);
      return;
    }
    case 'status': {
      const provider = openProvider(values.provider, p);
      if (!provider.deployment) say(`nothing deployed in ${provider.paths.state}; run \`${justCmd('deploy', provider.name)}\`.`);
      const rows = await provider.status();
      say(renderStatus(rows, rows.some((r) => r.kind === 'broker' && r.up) ? await provider.health() : { error: 'no broker running' }, provider.topology));
      return;
    }
    case 'down': {
      const provider = openProvider(values.provider, p);
      await provider.down((l) => say(`down: ${l}`));
      say(`down: stopped; data kept in ${provider.paths.state} (\`${justCmd('deploy', provider.name)}\` brings it back, \`${justCmd('clean', provider.name)}\` wipes it)`);
      return;
    }
    case 'clean': {
      const provider = openProvider(values.provider, p);
      await provider.clean((l) => say(`clean: ${l}`));
      // the host's partition chain is the processes provider's: a containers clean leaves it alone
      if (provider.name === 'processes') removeChain();
      say('clean: done; the download cache is kept');
      return;
    }
    case 'delete-topics': {
      // used by the live tests to remove what they created (`test.` prefix) so a long-lived deployment does not grow
      const prefixes = positionals;
      if (!prefixes.length) throw new Error('delete-topics needs name prefixes, e.g. `delete-topics test. chaos.`');
      const provider = openProvider(values.provider, p);
      const admin = kafka(provider.topology).admin();
      await admin.connect();
      try {
        const names = (await admin.listTopics()).filter((n) => prefixes.some((x) => n.startsWith(x)));
        if (names.length) await admin.deleteTopics({ topics: names, timeout: 30_000 });
        say(`deleted ${names.length} topic(s) starting with ${prefixes.join(' or ')}`);
      } finally {
        await admin.disconnect();
      }
      return;
    }
    case 'logs': {
      const lines = parseNumber('lines', values.lines, { max: 100_000 })!;
      const provider = openProvider(values.provider, p);
      const name = positionals[0];
      if (!name) throw new Error(`which component? one of: ${provider.components().map((c) => c.name).join(', ')}`);
      const file = provider.logLocation(name);
      // the services log JSON lines: shown as a person reads them (the file keeps the JSON)
      const { prettyLogLine } = await import('../pipeline/telemetry/index.js');
      const pretty = (text: string) => text.split('\n').map(prettyLogLine).join('\n');
      if (provider.name === 'containers') {
        if (values.follow) throw new Error(`follow a container's log with \`${file} -f\``);
        say(pretty(await provider.logTail(name, lines)));
        return;
      }
      if (!existsSync(file)) throw new Error(`${name} has no log yet (${file}); has it been deployed?`);
      if (!values.follow) {
        // tail(1) reads from the end: a log of hundreds of MiB is not read whole
        say(pretty(spawnSync('tail', ['-n', String(lines), file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).stdout.trimEnd()));
        return;
      }
      const t = spawn('tail', ['-n', String(lines), '-F', file], { stdio: ['ignore', 'pipe', 'inherit'] });
      createInterface({ input: t.stdout }).on('line', (l) => say(prettyLogLine(l)));
      await new Promise((r) => t.on('exit', r));
      return;
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

runCli(usage, () => main(process.argv.slice(2)));
