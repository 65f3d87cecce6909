// A small HTTP server for stages without an API of their own: /metrics for
// Prometheus and /healthz for readiness probes.
import { createServer, type Server } from 'node:http';
import type { Registry, RegistryContentType } from 'prom-client';

export function serveTelemetry(registry: Registry<RegistryContentType>, host: string, port: number, healthy: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    } else if (req.url === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok }));
    } else res.writeHead(404).end('try /metrics or /healthz\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
