// Tumbling-window aggregates per (window, service, level): counts, latency
// histogram with fixed buckets (so partial aggregates merge exactly), and the
// percentiles read from it. Pure functions: the stage and the checkers share them.
import type { ProcessedEvent } from './event.js';

export const WINDOW_MS = 10_000;
/** Upper bounds (ms) of the latency buckets; the last bucket is open. */
export const LATENCY_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] as const;

export interface WindowAggregate {
  windowStart: string;
  windowEnd: string;
  service: string;
  level: string;
  /** Input partition whose events this aggregate covers (the state is partitioned like the input). */
  inputPartition: number;
  count: number;
  latency: { count: number; sumMs: number; maxMs: number; buckets: number[] };
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** The last input offset applied to this aggregate (its lineage; absent in a recomputation). */
  lastInputOffset?: string;
}

export const windowStartOf = (timestamp: string, windowMs = WINDOW_MS) => Math.floor(Date.parse(timestamp) / windowMs) * windowMs;

export const aggregateKey = (a: Pick<WindowAggregate, 'windowStart' | 'service' | 'level' | 'inputPartition'>) =>
  `${a.windowStart}|${a.service}|${a.level}|${a.inputPartition}`;

export function emptyAggregate(windowStartMs: number, service: string, level: string, inputPartition: number, windowMs = WINDOW_MS): WindowAggregate {
  return {
    windowStart: new Date(windowStartMs).toISOString(),
    windowEnd: new Date(windowStartMs + windowMs).toISOString(),
    service,
    level,
    inputPartition,
    count: 0,
    latency: { count: 0, sumMs: 0, maxMs: 0, buckets: new Array(LATENCY_BUCKETS.length + 1).fill(0) },
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
  };
}

/** Upper bound of the bucket holding quantile q: an honest, bucket-resolution percentile. */
export function quantile(buckets: number[], q: number): number | null {
  const total = buckets.reduce((s, b) => s + b, 0);
  if (!total) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) return i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : Infinity;
  }
  return null;
}

/** Adds one event; the percentiles are read from the buckets after it unless `percentiles` is false (a stage that adds a batch reads them once, with `setPercentiles`, before it writes the aggregate). */
export function addEvent(a: WindowAggregate, e: Pick<ProcessedEvent, 'latencyMs'>, percentiles = true): void {
  a.count++;
  if (e.latencyMs !== undefined) {
    a.latency.count++;
    a.latency.sumMs += e.latencyMs;
    a.latency.maxMs = Math.max(a.latency.maxMs, e.latencyMs);
    const i = LATENCY_BUCKETS.findIndex((b) => e.latencyMs! <= b);
    a.latency.buckets[i === -1 ? LATENCY_BUCKETS.length : i]!++;
  }
  if (percentiles) setPercentiles(a);
}

export function setPercentiles(a: WindowAggregate): WindowAggregate {
  a.p50Ms = quantile(a.latency.buckets, 0.5);
  a.p95Ms = quantile(a.latency.buckets, 0.95);
  a.p99Ms = quantile(a.latency.buckets, 0.99);
  return a;
}

/** Aggregates of a set of events from scratch: what the stream's output must equal. */
export function recompute(events: { event: Pick<ProcessedEvent, 'timestamp' | 'service' | 'level' | 'latencyMs'>; inputPartition: number }[]): Map<string, WindowAggregate> {
  const out = new Map<string, WindowAggregate>();
  for (const { event, inputPartition } of events) {
    const start = windowStartOf(event.timestamp);
    const key = aggregateKey({ windowStart: new Date(start).toISOString(), service: event.service, level: event.level, inputPartition });
    let a = out.get(key);
    if (!a) out.set(key, (a = emptyAggregate(start, event.service, event.level, inputPartition)));
    addEvent(a, event);
  }
  return out;
}
