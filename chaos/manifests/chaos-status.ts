// Chaos Mesh's own account of the faults it injected, as fault windows: the
// in-cluster runner reads the PodChaos and NetworkChaos objects of its
// Workflow and records these windows into the history as nemesis ops, the
// shape the local nemesis writes, so faultWindows(), recovery-bounds and the
// report work unchanged. Pure: the objects come from chaos/manifests/in-cluster.ts.
//
// What Chaos Mesh 2.8 writes (v2.8.3, controllers/common/records/controller.go): one
// record per selected pod in status.experiment.containerRecords, id
// `<namespace>/<pod>`, selectorKey `.` (the selector) or `.Target` (a
// NetworkChaos's far side), and per record an event per Apply or Recover,
// typed Succeeded or Failed. Timestamps are metav1.Time: whole seconds.
import type { FaultValue, Op } from '../core/types.js';

export interface ChaosRecordEvent {
  type: string;
  operation: string;
  timestamp: string;
  message?: string;
}

export interface ChaosRecord {
  id: string;
  selectorKey: string;
  phase: string;
  injectedCount: number;
  recoveredCount: number;
  events?: ChaosRecordEvent[];
}

/** A selector: only its node selectors are read here (a zone). */
interface ChaosSelector {
  nodeSelectors?: Record<string, string>;
}

/** A PodChaos or NetworkChaos as the API server returns it (the fields read here). */
export interface ChaosObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec: { action: string; selector: ChaosSelector; direction?: string; target?: { selector: ChaosSelector } };
  status?: { experiment?: { desiredPhase?: string; containerRecords?: ChaosRecord[] } };
}

/** An object as last seen by the runner, and when it was first found gone (deleted at its node's deadline, or by the Schedule's history limit). */
export interface Observed {
  object: ChaosObject;
  goneAtMs?: number;
}

export interface ChaosWindow {
  fault: string;
  targets: string[];
  detail: string;
  /** Epoch ms. */
  start: number;
  /** Epoch ms; undefined: the fault is still in place. */
  end?: number;
}

export interface ChaosWindowOptions {
  /** The experiment's faults: an object is the fault its name starts with (Workflow template `<fault>-...`, see forms.ts). */
  faults: string[];
  /** How long a kill counts as a fault: Chaos Mesh's kills are instants with no recovery of their own (the schedule's hold). */
  killHoldMs: number;
  /** The node label naming a zone: a side selected by zone is named by its zone, as the local nemeses name theirs. */
  zoneKey: string;
  /** Objects created before this (epoch ms) belong to an earlier run of the same Workflow and are left out. */
  notBeforeMs?: number;
}

/** Chaos Mesh's one-shot actions: the pod is deleted at Apply; its Recover is a no-op, recorded only when the object goes. */
const ONE_SHOT: Record<string, string[]> = { PodChaos: ['pod-kill', 'container-kill'] };
/** Timestamps are whole seconds: an end is widened by one, so a window never closes before its fault did. */
const SECOND = 1000;

const podName = (id: string) => id.slice(id.indexOf('/') + 1);

/** The experiment fault an object belongs to: the longest fault name its name starts with (zone-partition-one-way before zone-partition). */
export function faultOf(name: string, faults: string[]): string | undefined {
  return [...faults].sort((a, b) => b.length - a.length).find((f) => name.startsWith(`${f}-`));
}

interface Interval {
  start: number;
  end?: number;
  record: ChaosRecord;
}

/** A record's injections: a successful Apply opens one, a successful Recover (or the object going away) closes it. */
function intervals(record: ChaosRecord, oneShot: boolean, killHoldMs: number, goneAtMs?: number): Interval[] {
  const out: Interval[] = [];
  let open: Interval | undefined;
  for (const e of record.events ?? []) {
    if (e.type !== 'Succeeded') continue;
    const at = Date.parse(e.timestamp);
    if (e.operation === 'Apply') {
      if (oneShot) out.push({ start: at, end: at + killHoldMs, record });
      else if (!open) out.push((open = { start: at, record }));
    } else if (e.operation === 'Recover') {
      // a kill's no-op Recover comes when its Workflow node ends: it can only shorten the hold
      const kill = oneShot ? out.at(-1) : undefined;
      if (kill && at >= kill.start) kill.end = Math.min(kill.end!, at + SECOND);
      if (open) {
        open.end = at + SECOND;
        open = undefined;
      }
    }
  }
  // the object was deleted: its finalizer recovers first, at the latest when the runner found it gone
  if (open && goneAtMs !== undefined) open.end = Math.max(open.start, goneAtMs);
  return out;
}

/** One side of a fault: its zone if selected by zone, else the pods that were injected. */
function side(selector: ChaosSelector | undefined, records: ChaosRecord[], zoneKey: string): string {
  const zone = selector?.nodeSelectors?.[zoneKey];
  return zone ?? [...new Set(records.map((r) => podName(r.id)))].sort().join(',');
}

/**
 * Fault windows from the chaos objects of one Workflow: per object, the union of its records' injections, so a
 * `mode: all` fault over five pods is one window, as the local zone fault is. A record that never injected (its
 * Apply failed) counts for nothing: it is reported in `notes`, and an object none of whose records injected has
 * no window. Sorted by start.
 */
export function chaosWindows(observed: Observed[], o: ChaosWindowOptions): { windows: ChaosWindow[]; notes: string[] } {
  const windows: ChaosWindow[] = [];
  const notes: string[] = [];
  for (const { object, goneAtMs } of observed) {
    const ref = `${object.kind}/${object.metadata.name}`;
    const created = object.metadata.creationTimestamp ? Date.parse(object.metadata.creationTimestamp) : undefined;
    if (o.notBeforeMs !== undefined && created !== undefined && created + SECOND <= o.notBeforeMs) {
      notes.push(`${ref} was created before this run started (an earlier run of the Workflow): left out`);
      continue;
    }
    const records = object.status?.experiment?.containerRecords ?? [];
    for (const r of records) {
      const failed = (r.events ?? []).filter((e) => e.type === 'Failed');
      if (failed.length && !(r.events ?? []).some((e) => e.type === 'Succeeded' && e.operation === 'Apply'))
        notes.push(`${ref} could not be injected into ${r.id}: ${failed.at(-1)!.message ?? failed.at(-1)!.operation}`);
      else for (const e of failed.filter((x) => x.operation === 'Recover')) notes.push(`${ref} could not recover ${r.id}: ${e.message ?? 'no message'}`);
    }
    const oneShot = (ONE_SHOT[object.kind] ?? []).includes(object.spec.action);
    const all = records.flatMap((r) => intervals(r, oneShot, o.killHoldMs, goneAtMs)).sort((a, b) => a.start - b.start);
    // overlapping injections of one object are one fault
    const merged: Interval[][] = [];
    for (const i of all) {
      const last = merged.at(-1);
      const lastEnd = last && (last.some((x) => x.end === undefined) ? undefined : Math.max(...last.map((x) => x.end!)));
      if (last && (lastEnd === undefined || i.start <= lastEnd)) last.push(i);
      else merged.push([i]);
    }
    const fault = faultOf(object.metadata.name, o.faults) ?? `${object.kind.toLowerCase()}-${object.spec.action}`;
    for (const group of merged) {
      const hit = group.map((i) => i.record);
      const from = side(object.spec.selector, hit.filter((r) => r.selectorKey === '.'), o.zoneKey);
      const far = hit.filter((r) => r.selectorKey !== '.');
      const targets = object.spec.target ? [`${from} -> ${side(object.spec.target.selector, far, o.zoneKey)}`] : [from];
      const pods = [...new Set(hit.map((r) => podName(r.id)))].sort();
      const end = group.some((i) => i.end === undefined) ? undefined : Math.max(...group.map((i) => i.end!));
      windows.push({
        fault,
        targets,
        detail: `${ref}: ${object.spec.action}${object.spec.direction ? ` ${object.spec.direction}` : ''} on ${pods.join(', ')}`,
        start: Math.min(...group.map((i) => i.start)),
        ...(end === undefined ? {} : { end }),
      });
    }
  }
  return { windows: windows.sort((a, b) => a.start - b.start), notes };
}

/**
 * The nemesis ops of a window, as the local nemesis records a fault (invoke and ok of `start`, invoke and ok of
 * `stop`, one value throughout), at run times (ms since `epochMs`). A window still open has no stop.
 */
export function windowOps(w: ChaosWindow, epochMs: number): Op[] {
  const value: FaultValue = { fault: w.fault, targets: w.targets, detail: w.detail };
  const at = (f: 'start' | 'stop', type: 'invoke' | 'ok', time: number): Op => ({ process: 'nemesis', type, f, value, time: time - epochMs });
  const ops = [at('start', 'invoke', w.start), at('start', 'ok', w.start)];
  if (w.end !== undefined) ops.push(at('stop', 'invoke', w.end), at('stop', 'ok', w.end));
  return ops;
}

/** What the runner has seen of its Workflow's chaos objects across polls: the newest copy of each, and when it went. */
export class ChaosSeen {
  private readonly byKey = new Map<string, Observed>();

  /** One poll's objects at `nowMs`: newer copies replace older ones; an object no longer listed is gone from now. */
  update(objects: ChaosObject[], nowMs: number): void {
    const listed = new Set<string>();
    for (const object of objects) {
      const key = object.metadata.uid ?? `${object.kind}/${object.metadata.name}`;
      listed.add(key);
      this.byKey.set(key, { object });
    }
    for (const [key, seen] of this.byKey) if (!listed.has(key) && seen.goneAtMs === undefined) seen.goneAtMs = nowMs;
  }

  all(): Observed[] {
    return [...this.byKey.values()];
  }
}
