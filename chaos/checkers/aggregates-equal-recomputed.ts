// The aggregates the stream committed equal the aggregates recomputed from
// scratch over the processed events: no window lost, invented or miscounted.
import { aggregateKey, recompute, type WindowAggregate } from '../../pipeline/contract/index.js';
import type { CheckResult, Counterexample, ReadRecord } from '../core/types.js';
import { locationOf, result } from './evidence.js';
import { parseProcessed } from './processed-record.js';

export interface AggregateCheckOptions {
  /** Only windows of these services are compared (experiments use run-unique service names). */
  services?: string[];
}

const NAME = 'aggregates-equal-recomputed';
const PROPERTY = 'For every (window, service, level, input partition), the latest committed aggregate has the count and latency buckets recomputed from the processed events.';

function parseAggregate(value: string): WindowAggregate | undefined {
  try {
    const a = JSON.parse(value) as WindowAggregate;
    if (typeof a?.windowStart !== 'string' || typeof a.service !== 'string' || typeof a.count !== 'number' || !Array.isArray(a.latency?.buckets)) return undefined;
    return a;
  } catch {
    return undefined;
  }
}

const sameBuckets = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const shown = (a: WindowAggregate) => `count ${a.count}, buckets [${a.latency.buckets.join(',')}]`;

export function aggregatesEqualRecomputed(processed: ReadRecord[], aggregates: ReadRecord[], opts: AggregateCheckOptions = {}): CheckResult {
  const services = opts.services ? new Set(opts.services) : undefined;
  const inScope = (service: string | undefined) => !services || (service !== undefined && services.has(service));
  const stats = { processedEvents: 0, unparseableProcessed: 0, expectedWindows: 0, actualWindows: 0, matching: 0, missing: 0, extra: 0, wrong: 0, unparseableAggregates: 0 };
  const bad: Counterexample[] = [];

  const events: Parameters<typeof recompute>[0] = [];
  for (const r of processed) {
    const e = parseProcessed(r.value);
    if (!e) {
      stats.unparseableProcessed++;
      continue;
    }
    if (!inScope(e.service)) continue;
    events.push({ event: e, inputPartition: e.source.partition });
  }
  stats.processedEvents = events.length;
  const expected = recompute(events);

  // latest value per key (keyed by aggregateKey of the value, which the stage also uses as record key):
  // records of a partition are in read order; a key lives in one partition
  const latest = new Map<string, { a: WindowAggregate; r: ReadRecord }>();
  const partitionsOf = new Map<string, Map<number, { a: WindowAggregate; r: ReadRecord }>>();
  for (const r of aggregates) {
    const a = parseAggregate(r.value);
    const keyService = r.key?.split('|')[1];
    if (!a) {
      if (inScope(keyService)) {
        stats.unparseableAggregates++;
        bad.push({ what: `aggregate record ${r.key ?? '(no key)'} does not parse as a window aggregate`, where: [locationOf(r)] });
      }
      continue;
    }
    if (!inScope(a.service)) continue;
    const key = aggregateKey(a);
    latest.set(key, { a, r });
    const byPartition = partitionsOf.get(key) ?? new Map();
    byPartition.set(r.partition, { a, r });
    partitionsOf.set(key, byPartition);
  }
  for (const [key, byPartition] of partitionsOf) {
    const finals = [...byPartition.values()];
    if (finals.length > 1 && finals.some(({ a }) => a.count !== finals[0]!.a.count || !sameBuckets(a.latency.buckets, finals[0]!.a.latency.buckets))) {
      stats.wrong++;
      bad.push({ what: `${key}: latest values disagree across partitions ${[...byPartition.keys()].join(', ')}`, where: finals.map(({ r }) => locationOf(r)) });
    }
  }
  stats.expectedWindows = expected.size;
  stats.actualWindows = latest.size;

  for (const [key, want] of expected) {
    const got = latest.get(key);
    if (!got) {
      stats.missing++;
      bad.push({ what: `${key}: missing window (expected ${shown(want)})` });
      continue;
    }
    if (got.a.count !== want.count || !sameBuckets(got.a.latency.buckets, want.latency.buckets)) {
      stats.wrong++;
      bad.push({ what: `${key}: expected ${shown(want)}, got ${shown(got.a)}`, where: [locationOf(got.r)] });
      continue;
    }
    stats.matching++;
  }
  for (const [key, got] of latest) {
    if (expected.has(key)) continue;
    stats.extra++;
    bad.push({ what: `${key}: window with ${shown(got.a)} but no processed event in it (extra)`, where: [locationOf(got.r)] });
  }

  const valid = bad.length > 0 ? false : stats.processedEvents === 0 ? 'unknown' : true;
  const summary =
    stats.processedEvents === 0 && bad.length === 0
      ? 'no processed events in scope: nothing is proven'
      : `${stats.processedEvents} processed events, ${stats.expectedWindows} windows expected, ${stats.actualWindows} committed: ${stats.matching} match, ${stats.missing} missing, ${stats.extra} extra, ${stats.wrong} wrong` +
        (stats.unparseableProcessed ? `; ${stats.unparseableProcessed} processed records did not parse and were left out` : '');
  return result(NAME, PROPERTY, valid, summary, stats, bad);
}
