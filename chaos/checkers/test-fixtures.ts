// Small history and read fixtures for the checkers' unit tests: a scenario in a
// few lines (`h.write(1, ['a'], 10, 'ok')`) instead of hand-written op records.
import { aggregateKey, recompute, type ProcessedEvent, type WindowAggregate } from '../../pipeline/contract/index.js';
import type { Op, ReadRecord, WriteValue } from '../core/types.js';

export type Completion = 'ok' | 'fail' | 'info' | 'none';

export interface WriteExtra {
  acked?: WriteValue['acked'];
  refused?: string[];
  traces?: Record<string, string>;
  /** ms from invoke to completion; default 1. */
  took?: number;
  /** The invoke is a retry (its attempt number). */
  retry?: number;
}

export function historyBuilder() {
  const ops: Op[] = [];
  const op = (o: Op) => {
    ops.push(o);
  };
  const client = (f: string, process: number, ids: string[], time: number, outcome: Completion, extra: WriteExtra = {}) => {
    const invoke: WriteValue = { ids };
    if (extra.traces) invoke.traces = extra.traces;
    if (extra.retry) invoke.retry = extra.retry;
    op({ process, type: 'invoke', f, value: invoke, time });
    if (outcome === 'none') return;
    const done: WriteValue = { ids };
    if (extra.acked) done.acked = extra.acked;
    if (extra.refused) done.refused = extra.refused;
    op({ process, type: outcome, f, value: done, time: time + (extra.took ?? 1) });
  };
  const h = {
    write: (process: number, ids: string[], time: number, outcome: Completion, extra?: WriteExtra) => (client('write', process, ids, time, outcome, extra), h),
    aborted: (process: number, ids: string[], time: number, outcome: Completion = 'ok') => (client('write-aborted', process, ids, time, outcome), h),
    /** A nemesis fault from `start` to `end` (none: healed only by the final phase). */
    fault: (fault: string, targets: string[], start: number, end?: number) => {
      op({ process: 'nemesis', type: 'info', f: 'start', value: { fault, targets }, time: start });
      if (end !== undefined) op({ process: 'nemesis', type: 'info', f: 'stop', value: { fault, targets }, time: end });
      return h;
    },
    raw: (o: Op) => (op(o), h),
    /** The history in time order (stable: an invoke stays before a completion at the same ms). */
    get ops(): Op[] {
      return [...ops].sort((a, b) => a.time - b.time);
    },
  };
  return h;
}

export const rec = (topic: string, partition: number, offset: number | string, key?: string, value = '{}'): ReadRecord => ({
  topic,
  partition,
  offset: String(offset),
  ...(key !== undefined ? { key } : {}),
  value,
  headers: {},
});

/** Records of one topic, one partition, consecutive offsets from 0, keyed by id. */
export const readsOf = (topic: string, partition: number, ids: string[]) => ids.map((id, i) => rec(topic, partition, i, id));

export interface EventShape {
  service?: string;
  level?: ProcessedEvent['level'];
  timestamp?: string;
  latencyMs?: number;
  partition?: number;
}

export function processedEvent(id: string, s: EventShape = {}): ProcessedEvent {
  const e: ProcessedEvent = {
    id,
    service: s.service ?? 'svc-run1',
    level: s.level ?? 'info',
    message: 'm',
    timestamp: s.timestamp ?? '2026-01-01T00:00:01.000Z',
    ingestedAt: '2026-01-01T00:00:01.100Z',
    processedAt: '2026-01-01T00:00:01.200Z',
    severity: 1,
    category: 'other',
    source: { partition: s.partition ?? 0, offset: '0' },
  };
  if (s.latencyMs !== undefined) e.latencyMs = s.latencyMs;
  return e;
}

/** Processed records, one partition, consecutive offsets, keyed by id. */
export const processedRecords = (events: ProcessedEvent[], partition = 0): ReadRecord[] =>
  events.map((e, i) => rec('logs.processed', partition, i, e.id, JSON.stringify(e)));

/** Aggregate records as the stage writes them (key = aggregateKey), consecutive offsets in one partition. */
export const aggregateRecords = (aggs: WindowAggregate[], partition = 0, firstOffset = 0): ReadRecord[] =>
  aggs.map((a, i) => rec('logs.aggregates', partition, firstOffset + i, aggregateKey(a), JSON.stringify(a)));

/** The correct aggregates of some events, as the stage should have committed them. */
export const correctAggregates = (events: ProcessedEvent[]): WindowAggregate[] => [...recompute(events.map((event) => ({ event, inputPartition: event.source.partition }))).values()];
