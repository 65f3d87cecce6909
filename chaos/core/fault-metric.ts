// The harness's faults as a Prometheus metric while a run lasts:
// faultline_chaos_fault_active{experiment, fault, targets} is 1 while a fault
// is injected, 0 after. The run serves it on a loopback port and registers
// that port in Prometheus' file discovery for its duration, so the Grafana
// chaos dashboard draws fault annotations and the alerts line up with them.
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import client from 'prom-client';
import { faultWindows } from '../checkers/index.js';
import type { Op } from './types.js';

export interface FaultMetric {
  stop(): Promise<void>;
}

export async function exposeFaults(experiment: string, runId: string, targetsDir: string, ops: () => Op[]): Promise<FaultMetric> {
  const registry = new client.Registry();
  const active = new client.Gauge({ name: 'faultline_chaos_fault_active', help: '1 while the chaos harness holds this fault', labelNames: ['experiment', 'run', 'fault', 'targets'], registers: [registry] });
  const update = () => {
    for (const w of faultWindows(ops())) active.set({ experiment, run: runId, fault: w.fault, targets: w.targets.join(',') }, w.end === undefined ? 1 : 0);
  };
  const server: Server = createServer((req, res) => {
    update();
    if (req.url === '/metrics') void registry.metrics().then((b) => res.writeHead(200, { 'content-type': registry.contentType }).end(b));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const file = join(targetsDir, `chaos-${runId}.json`);
  writeFileSync(file, JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { instance: 'chaos-harness', stage: 'chaos', zone: 'ops' } }]));
  return {
    async stop() {
      rmSync(file, { force: true });
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
