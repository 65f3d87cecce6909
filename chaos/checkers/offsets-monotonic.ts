// Offsets mean what they say: per partition the read offsets strictly increase,
// and an offset the producer was told holds an id holds that id and no other
// (Jepsen's inconsistent-offsets).
import type { CheckResult, Counterexample, Op, ReadRecord } from '../core/types.js';
import { compareOffsets, contextOf, keyIdOf, locationOf, result } from './evidence.js';
import { faultWindows } from './fault-windows.js';
import type { ReadCheckOptions } from './no-lost-writes.js';
import { writeOutcomes, writeValueOf } from './write-outcomes.js';

const NAME = 'offsets-monotonic';
const PROPERTY =
  'Per partition, read offsets strictly increase in read order; every acknowledged (partition, offset) holds exactly the id it was acknowledged for, and that id is read nowhere else.';

const at = (p: number, o: string) => `${p}/${o}`;

export function offsetsMonotonic(history: Op[], reads: ReadRecord[], opts: ReadCheckOptions): CheckResult {
  const idOf = opts.idOf ?? keyIdOf;
  const outcomes = writeOutcomes(history);
  const windows = faultWindows(history);
  const bad: Counterexample[] = [];
  const stats = { records: 0, partitions: 0, nonMonotonic: 0, ackedOffsets: 0, ackedOffsetsRead: 0, inconsistentOffsets: 0 };

  // 1. monotonic per partition, in read order
  const last = new Map<number, ReadRecord>();
  const atOffset = new Map<string, ReadRecord[]>();
  const locationsOfId = new Map<string, ReadRecord[]>();
  for (const r of reads) {
    if (r.topic !== opts.topic) continue;
    stats.records++;
    const prev = last.get(r.partition);
    const id = idOf(r);
    if (prev && compareOffsets(r.offset, prev.offset) <= 0) {
      stats.nonMonotonic++;
      bad.push({
        ...(id !== undefined ? { id } : {}),
        what: `partition ${r.partition}: offset ${r.offset} read after offset ${prev.offset}`,
        where: [locationOf(prev), locationOf(r)],
        ...contextOf(id !== undefined ? outcomes.get(id) : undefined, windows),
      });
    }
    last.set(r.partition, r);
    const k = at(r.partition, r.offset);
    atOffset.set(k, [...(atOffset.get(k) ?? []), r]);
    if (id !== undefined) locationsOfId.set(id, [...(locationsOfId.get(id) ?? []), r]);
  }
  stats.partitions = last.size;

  // 2. acknowledged offsets: from every ok write's `acked`, whatever its final outcome per id
  const claimed = new Map<string, string>();
  for (const op of history) {
    if (op.process === 'nemesis' || op.type !== 'ok' || op.f !== 'write') continue;
    for (const a of writeValueOf(op.value)?.acked ?? []) {
      stats.ackedOffsets++;
      const k = at(a.partition, a.offset);
      const where = { topic: opts.topic, partition: a.partition, offset: a.offset };
      const ctx = contextOf(outcomes.get(a.id), windows);
      const other = claimed.get(k);
      if (other !== undefined && other !== a.id) {
        stats.inconsistentOffsets++;
        bad.push({ id: a.id, what: `offset ${k} acknowledged for two ids: ${other} and ${a.id}`, where: [where], ...ctx });
      }
      claimed.set(k, a.id);
      const there = atOffset.get(k) ?? [];
      if (there.length) stats.ackedOffsetsRead++;
      for (const r of there) {
        const found = idOf(r);
        if (found === a.id) continue;
        stats.inconsistentOffsets++;
        bad.push({ id: a.id, what: `offset ${k} was acknowledged for ${a.id} but holds ${found ?? 'a record without id'}`, where: [where], ...ctx });
      }
      for (const r of locationsOfId.get(a.id) ?? []) {
        if (r.partition === a.partition && compareOffsets(r.offset, a.offset) === 0) continue;
        stats.inconsistentOffsets++;
        bad.push({ id: a.id, what: `acknowledged at offset ${k} but read at ${at(r.partition, r.offset)}`, where: [where, locationOf(r)], ...ctx });
      }
    }
  }

  const valid = bad.length > 0 ? false : stats.records === 0 ? 'unknown' : true;
  const checked =
    stats.ackedOffsets === 0
      ? 'no acknowledged offsets in the history, so only read order was checked'
      : `${stats.ackedOffsets} acknowledged offsets checked (${stats.ackedOffsetsRead} read), ${stats.inconsistentOffsets} inconsistent`;
  const summary =
    stats.records === 0
      ? `nothing read from ${opts.topic}: nothing is proven`
      : `${stats.records} records in ${stats.partitions} partitions, ${stats.nonMonotonic} out of order; ${checked}`;
  return result(NAME, PROPERTY, valid, summary, stats, bad);
}
