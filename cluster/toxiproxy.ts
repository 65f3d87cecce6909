// toxiproxy between clients and brokers: one proxy per broker in front of its
// PROXIED listener; the latency nemesis adds toxics, healing removes them all.
import { addr, type Topology } from './topology.js';

const api = (t: Topology, path: string) => `http://${addr(t.ops.toxiproxy)}${path}`;

async function call(t: Topology, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(api(t, path), {
    method,
    headers: body ? { 'content-type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`toxiproxy ${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export const proxyName = (brokerId: number) => `broker-${brokerId}`;

/** Creates (or keeps) one proxy per broker: proxy address -> the broker's PROXIED listener. */
export async function ensureProxies(t: Topology): Promise<void> {
  const existing = (await call(t, 'GET', '/proxies')) as Record<string, unknown>;
  for (const b of t.brokers) {
    if (existing[proxyName(b.id)]) continue;
    await call(t, 'POST', '/proxies', { name: proxyName(b.id), listen: addr(b.proxy), upstream: addr(b.proxiedListener), enabled: true });
  }
}

/** Adds latency (ms, ± jitter) to both directions of the given brokers' proxies; returns the toxic names. */
export async function addLatency(t: Topology, brokerIds: number[], latencyMs: number, jitterMs: number): Promise<{ proxy: string; toxic: string }[]> {
  const added: { proxy: string; toxic: string }[] = [];
  for (const id of brokerIds) {
    for (const stream of ['downstream', 'upstream'] as const) {
      const toxic = `faultline-latency-${stream}`;
      await call(t, 'POST', `/proxies/${proxyName(id)}/toxics`, { name: toxic, type: 'latency', stream, toxicity: 1, attributes: { latency: latencyMs, jitter: jitterMs } });
      added.push({ proxy: proxyName(id), toxic });
    }
  }
  return added;
}

export async function removeToxics(t: Topology, toxics: { proxy: string; toxic: string }[]): Promise<void> {
  for (const x of toxics) await call(t, 'DELETE', `/proxies/${x.proxy}/toxics/${x.toxic}`).catch(() => undefined);
}

/** Every toxic removed and every proxy enabled (toxiproxy's reset); a no-op when toxiproxy is not running. */
export async function resetToxics(t: Topology): Promise<boolean> {
  try {
    await call(t, 'POST', '/reset');
    return true;
  } catch {
    return false;
  }
}

/** The toxics in place now, as `proxy/toxic` (empty when toxiproxy is not running). */
export async function activeToxics(t: Topology): Promise<string[]> {
  try {
    const proxies = (await call(t, 'GET', '/proxies')) as Record<string, { toxics?: { name: string }[] }>;
    return Object.entries(proxies).flatMap(([p, v]) => (v.toxics ?? []).map((x) => `${p}/${x.name}`));
  } catch {
    return [];
  }
}
