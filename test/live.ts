// Fixtures for live tests: the deployment under test and small helpers over it.
import { execFileSync, spawnSync } from 'node:child_process';
import { paths, ProcessesProvider, topology, Coordination, type Topology } from '../cluster/index.js';

export const coordination: Coordination = Coordination.parse(process.env.FAULTLINE_COORDINATION ?? 'zookeeper');
export const liveTopology = (): Topology => topology(coordination);
export const provider = () => ProcessesProvider.open(paths(), coordination);

/** Instant PromQL query against the live Prometheus. */
export async function promQuery(t: Topology, q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`http://${t.ops.prometheus.host}:${t.ops.prometheus.port}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`PromQL ${q} failed: ${body.error}`);
  return body.data.result;
}

/** Tries a TCP connect as a zone's user, as the zone's processes would; true when it connects within the timeout. */
export function connectAs(user: string, host: string, port: number, timeoutS = 3): boolean {
  const r = spawnSync(
    'setpriv',
    ['--reuid', user, '--regid', user, '--init-groups', 'timeout', String(timeoutS), 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`],
    { stdio: 'ignore' },
  );
  return r.status === 0;
}

export const iptablesRules = () => execFileSync('iptables', ['-S']).toString();
