// The bench's events: one realistic log event shape (about 190 B of JSON, the pipeline's own schema) for every
// side of every pair, so Kafka's tools and ours write the same bytes. ProducerPerformance reads them from a
// payload file (one event per line); our clients make them with the same function.
import { writeFileSync } from 'node:fs';
import { LEVELS } from '../../pipeline/contract/index.js';

const SERVICES = ['checkout', 'search', 'auth', 'payments', 'catalog'] as const;
const ROUTES = ['/api/v1/orders', '/api/v1/items', '/api/v1/session', '/api/v1/cart', '/api/v1/users'] as const;
const STATUS = [200, 200, 200, 201, 204, 404, 500, 503] as const;

/** A valid log event (the pipeline accepts it): the i-th of a run, its id `<prefix>-<i>`, timestamped `at`. */
export function realisticEvent(prefix: string, i: number, at: Date): { id: string; service: string; level: (typeof LEVELS)[number]; message: string; timestamp: string; latencyMs: number } {
  const latencyMs = (i * 37) % 1200;
  const status = STATUS[i % STATUS.length]!;
  return {
    id: `${prefix}-${i}`,
    service: SERVICES[i % SERVICES.length]!,
    level: status >= 500 ? 'error' : status === 404 ? 'warn' : LEVELS[i % 2]!,
    message: `GET ${ROUTES[i % ROUTES.length]}/${(i * 7919) % 100_000} returned ${status} in ${latencyMs} ms for user u-${(i * 31) % 10_000}`,
    timestamp: at.toISOString(),
    latencyMs,
  };
}

/** Writes `n` distinct events, one JSON per line, for ProducerPerformance's `--payload-file`; returns the lines and their mean size in bytes. */
export function writePayloadFile(path: string, n: number): { lines: string[]; meanBytes: number } {
  const at = new Date();
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify(realisticEvent('payload', i, at)));
  writeFileSync(path, lines.join('\n') + '\n');
  return { lines, meanBytes: Math.round(lines.reduce((s, l) => s + Buffer.byteLength(l), 0) / n) };
}
