// What the observability stack must have seen during an experiment, judged
// from what Prometheus and Tempo answered for the run's window: an alert
// fired within its bound after the first fault and resolved within its bound
// after the last one healed; consumer time lag came back under its bound;
// Tempo holds traces with spans open during the fault windows. Pure: the queries are made
// by chaos/core/observe.ts and handed in.
import type { CheckResult, FaultWindow } from '../core/types.js';

export type Observation =
  | { kind: 'alert'; alert: string; firesWithinMs: number; resolvesWithinMs: number }
  | { kind: 'lag'; groups: string[]; belowS: number }
  | { kind: 'traces'; service: string };

/** Fault windows in absolute milliseconds; an unended window ends at the final heal. */
export function absoluteWindows(windows: FaultWindow[], epochMs: number, healedAtMs: number): { start: number; end: number }[] {
  return windows.map((w) => ({ start: epochMs + w.start, end: w.end === undefined ? healedAtMs : epochMs + w.end }));
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * `firing`: the times (absolute ms) at which Prometheus had the alert firing over the run (query_range with
 * `stepMs`); `firingNow`: whether it still fires at `nowMs`; `queryError`: Prometheus could not say.
 */
export function alertFiredAndResolved(
  o: Extract<Observation, { kind: 'alert' }>,
  windows: { start: number; end: number }[],
  data: { firing: number[]; firingNow: boolean; nowMs: number; stepMs: number; queryError?: string },
): CheckResult {
  const name = `observed: ${o.alert} fired and resolved`;
  const property = `Prometheus fires ${o.alert} within ${secs(o.firesWithinMs)} of the first fault and resolves it within ${secs(o.resolvesWithinMs)} of the last fault's end.`;
  if (data.queryError || !windows.length)
    return { name, property, valid: 'unknown', summary: data.queryError ? `Prometheus could not say: ${data.queryError}` : 'no fault was injected', stats: {}, counterexamples: [] };
  const first = Math.min(...windows.map((w) => w.start));
  const last = Math.max(...windows.map((w) => w.end));
  const firedAt = data.firing.find((t) => t >= first - data.stepMs && t <= first + o.firesWithinMs);
  const firingAfter = data.firing.filter((t) => t >= last);
  // resolved: not firing now; it stopped at the step after its last firing sample (or before the heal)
  const resolvedAt = data.firingNow ? undefined : firingAfter.length ? Math.max(...firingAfter) + data.stepMs : last;
  const fired = firedAt !== undefined;
  const resolved = resolvedAt !== undefined && resolvedAt - last <= o.resolvesWithinMs;
  const summary = [
    fired ? `fired ${secs(firedAt - first)} after the first fault` : `did not fire within ${secs(o.firesWithinMs)} of the first fault${data.firing.length ? ` (firing samples: ${data.firing.length}, first ${secs(data.firing[0]! - first)} after it)` : ' (never firing in the run)'}`,
    resolvedAt === undefined ? `still firing ${secs(data.nowMs - last)} after the last fault ended` : `resolved ${secs(Math.max(0, resolvedAt - last))} after the last fault ended`,
  ].join(', ');
  const counterexamples = [
    ...(fired ? [] : [{ what: `${o.alert} not firing between ${new Date(first).toISOString()} and ${new Date(first + o.firesWithinMs).toISOString()}` }]),
    ...(resolved ? [] : [{ what: `${o.alert} ${resolvedAt === undefined ? 'still firing' : `resolved only ${secs(resolvedAt - last)}`} after the heal at ${new Date(last).toISOString()}` }]),
  ];
  return {
    name,
    property,
    valid: fired && resolved,
    summary,
    stats: { firingSamples: data.firing.length, ...(fired ? { firedAfterMs: firedAt - first } : {}), ...(resolvedAt !== undefined ? { resolvedAfterHealMs: Math.max(0, resolvedAt - last) } : {}) },
    counterexamples,
  };
}

/** `lagS`: per group, the largest time lag (s) over its partitions at the end of the run, from the lag exporter. */
export function lagBackUnder(o: Extract<Observation, { kind: 'lag' }>, data: { lagS: Map<string, number | null>; queryError?: string }): CheckResult {
  const name = `observed: time lag under ${o.belowS} s after healing`;
  const property = `After the faults healed, the lag exporter shows every one of ${o.groups.join(', ')} less than ${o.belowS} s behind.`;
  if (data.queryError) return { name, property, valid: 'unknown', summary: `Prometheus could not say: ${data.queryError}`, stats: {}, counterexamples: [] };
  const bad = o.groups.filter((g) => {
    const v = data.lagS.get(g);
    return v === undefined || v === null || v >= o.belowS;
  });
  return {
    name,
    property,
    valid: bad.length === 0,
    summary: o.groups.map((g) => `${g}: ${data.lagS.get(g) === undefined || data.lagS.get(g) === null ? 'no series' : `${data.lagS.get(g)!.toFixed(1)} s`}`).join(', '),
    stats: Object.fromEntries(o.groups.map((g) => [`${g}LagS`, data.lagS.get(g) ?? -1])),
    counterexamples: bad.map((g) => ({ what: `${g}: ${data.lagS.get(g) === undefined || data.lagS.get(g) === null ? 'no lag series in Prometheus' : `${data.lagS.get(g)!.toFixed(1)} s behind`} at the end of the run` })),
  };
}

/**
 * The traces with a span open at some moment of the window. A request that began just before a broker died and
 * waited through the outage is the trace that shows the fault: while the brokers are down the workload's requests
 * are all waiting, so none may *start* inside a short window. A hit without span times counts by its start.
 */
export function openDuring(hits: { traceID: string; startMs?: number; spans: { startMs: number; endMs: number }[] }[], w: { start: number; end: number }): string[] {
  return hits
    .filter((h) => {
      const spans = h.spans.length ? h.spans : h.startMs !== undefined ? [{ startMs: h.startMs, endMs: h.startMs }] : [];
      return spans.some((s) => s.startMs <= w.end && s.endMs >= w.start);
    })
    .map((h) => h.traceID);
}

/** `traceIds`: traces Tempo returned for the service with a span open during a fault window. */
export function tracesDuringFaults(o: Extract<Observation, { kind: 'traces' }>, data: { traceIds: string[]; queryError?: string; windows: number }): CheckResult {
  const name = `observed: ${o.service} traces during the faults`;
  const property = `Tempo holds traces of ${o.service} with a span open during a fault window (the trace pipeline kept working under the faults).`;
  // a run too short for its schedule injects nothing: no window to look in is no evidence either way
  if (!data.windows) return { name, property, valid: 'unknown', summary: 'no fault windows to look in (no fault was injected)', stats: {}, counterexamples: [] };
  if (data.queryError) return { name, property, valid: 'unknown', summary: `Tempo could not say: ${data.queryError}`, stats: {}, counterexamples: [] };
  return {
    name,
    property,
    valid: data.traceIds.length > 0,
    summary: data.traceIds.length ? `${data.traceIds.length} trace(s), e.g. ${data.traceIds.slice(0, 3).join(', ')}` : 'no span of it open during the fault windows',
    stats: { traces: data.traceIds.length },
    counterexamples: data.traceIds.length ? [] : [{ what: `Tempo search for ${o.service} inside the fault windows returned nothing` }],
  };
}
