// Fixtures for live tests: the deployment under test and small helpers over it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { paths, ProcessesProvider, topology, Coordination, type Topology } from '../cluster/index.js';

export const coordination: Coordination = Coordination.parse(process.env.FAULTLINE_COORDINATION ?? 'zookeeper');
export const liveTopology = (): Topology => topology(coordination);
export const provider = () => ProcessesProvider.open(paths(), coordination);

/** Instant PromQL query against the live Prometheus (the cluster module's). */
export { promQuery } from '../cluster/index.js';

/** `setpriv`'s arguments to run a command as a zone's user, as the zone's processes run (the owner match sees it). */
const asUser = (user: string) => ['--reuid', user, '--regid', user, '--init-groups'];

/** Tries a TCP connect as a zone's user, as the zone's processes would; true when it connects within the timeout. */
export function connectAs(user: string, host: string, port: number, timeoutS = 3): boolean {
  const r = spawnSync('setpriv', [...asUser(user), 'timeout', String(timeoutS), 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], { stdio: 'ignore' });
  return r.status === 0;
}

/** `node -e script` run as a zone's user; `out` collects what it prints. */
export function spawnAs(user: string, script: string): { child: ChildProcess; out: string } {
  const child = spawn('setpriv', [...asUser(user), process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const r = { child, out: '' };
  child.stdout!.on('data', (d: Buffer) => (r.out += d.toString()));
  return r;
}

export const iptablesRules = () => execFileSync('iptables', ['-S']).toString();

/** The spans of one trace in the live Tempo, as `service: span name` pairs (empty until Tempo has it). */
export async function traceSpans(t: Topology, traceId: string): Promise<{ service: string; name: string; parentSpanId?: string; spanId: string }[]> {
  const r = await fetch(`http://${t.ops.tempo.http.host}:${t.ops.tempo.http.port}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (r.status === 404) return [];
  if (!r.ok) throw new Error(`Tempo answered ${r.status} for trace ${traceId}: ${await r.text()}`);
  type Attr = { key: string; value: { stringValue?: string } };
  const body = (await r.json()) as { batches?: { resource: { attributes: Attr[] }; scopeSpans?: { spans: { name: string; spanId: string; parentSpanId?: string }[] }[] }[] };
  return (body.batches ?? []).flatMap((b) => {
    const service = b.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
    return (b.scopeSpans ?? []).flatMap((s) => s.spans.map((sp) => ({ service, name: sp.name, spanId: sp.spanId, parentSpanId: sp.parentSpanId })));
  });
}

/** A sampled W3C traceparent with a fresh trace id, as a client that wants its request traced sends it. */
export { newTraceparent as sampledTraceparent } from '../pipeline/contract/index.js';
