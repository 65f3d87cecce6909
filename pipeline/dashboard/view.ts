// What the dashboard shows, as plain data: the merged window aggregates (the
// stage writes one per input partition; the page wants one per window,
// service and level), and the snapshot pushed over the WebSocket. Pure, so
// the page, the server and the tests agree on one shape.
import { LATENCY_BUCKETS, quantile, type WindowAggregate } from '../contract/index.js';

export interface WindowRow {
  windowStart: string;
  service: string;
  level: string;
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Trace context of the push that last changed this row (sampled events only). */
  traceparent?: string;
}

export interface LagRow {
  group: string;
  topic: string;
  partition: string;
  offsets: number | null;
  seconds: number | null;
}

export interface DlqRow {
  offset: string;
  partition: number;
  reason: string;
  source: string;
  at: string;
  value: string;
}

export interface Snapshot {
  type: 'snapshot';
  at: string;
  /** Events/s per stage over the last 30 s (ingest: accepted; process, aggregate: input records consumed exactly once). */
  rates: Record<string, number>;
  brokers: { online: number | null; expected: number; underReplicated: number | null; offline: number | null };
  lag: LagRow[];
  dlq: DlqRow[];
  /** DLQ records read since the dashboard's group started. */
  totals: { dlq: number };
  prometheus: 'ok' | string;
}

export interface AggregatesPush {
  type: 'aggregates';
  rows: WindowRow[];
}

export type Push = Snapshot | AggregatesPush;

/** Latest aggregate per (window, service, level, input partition), merged per (window, service, level) on demand. */
export class WindowTable {
  private readonly parts = new Map<string, WindowAggregate & { traceparent?: string }>();

  constructor(private readonly keepWindows = 30) {}

  /** Takes the newest value of one partial aggregate; returns the merged row it changed. */
  put(a: WindowAggregate, traceparent?: string): WindowRow {
    this.parts.set(`${a.windowStart}|${a.service}|${a.level}|${a.inputPartition}`, { ...a, traceparent });
    this.prune();
    return { ...this.merged(a.windowStart, a.service, a.level), ...(traceparent ? { traceparent } : {}) };
  }

  private merged(windowStart: string, service: string, level: string): WindowRow {
    const buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
    let count = 0;
    for (const p of this.parts.values()) {
      if (p.windowStart !== windowStart || p.service !== service || p.level !== level) continue;
      count += p.count;
      p.latency.buckets.forEach((b, i) => (buckets[i]! += b));
    }
    return { windowStart, service, level, count, p50Ms: quantile(buckets, 0.5), p99Ms: quantile(buckets, 0.99) };
  }

  /** Every merged row, newest window first. */
  rows(): WindowRow[] {
    const keys = new Set([...this.parts.values()].map((p) => `${p.windowStart}|${p.service}|${p.level}`));
    return [...keys]
      .map((k) => {
        const [w, s, l] = k.split('|') as [string, string, string];
        return this.merged(w, s, l);
      })
      .sort((a, b) => b.windowStart.localeCompare(a.windowStart) || a.service.localeCompare(b.service) || a.level.localeCompare(b.level));
  }

  private prune(): void {
    const windows = [...new Set([...this.parts.values()].map((p) => p.windowStart))].sort();
    if (windows.length <= this.keepWindows) return;
    const oldest = new Set(windows.slice(0, windows.length - this.keepWindows));
    for (const [k, p] of this.parts) if (oldest.has(p.windowStart)) this.parts.delete(k);
  }
}
