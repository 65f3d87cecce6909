// Asks Prometheus and Tempo what they saw during a run and judges it with the
// `observed:` checkers. Waits (bounded) for what takes its time to show: an
// alert resolving after the heal, the lag exporter's next sample, Tempo's
// ingester making the last traces searchable.
import { errorMessage, prometheusApi as prom, tempoSearch, type Topology } from '../../cluster/index.js';
import { absoluteWindows, alertFiredAndResolved, lagBackUnder, openDuring, tracesDuringFaults, type Observation } from '../checkers/observed.js';
import type { CheckResult, FaultWindow } from './types.js';

const STEP_MS = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const msg = (e: unknown) => (errorMessage(e));

export async function observe(
  t: Topology,
  observations: Observation[],
  run: { epochMs: number; windows: FaultWindow[]; healedAtMs: number },
  log: (line: string) => void,
): Promise<CheckResult[]> {
  const windows = absoluteWindows(run.windows, run.epochMs, run.healedAtMs);
  const out: CheckResult[] = [];
  if (!observations.length) return out;
  log(`  asking Prometheus and Tempo what they saw (${observations.length} observation(s))`);
  const lastEnd = windows.length ? Math.max(...windows.map((w) => w.end)) : run.healedAtMs;
  for (const o of observations) {
    if (o.kind === 'alert') {
      const firingQ = `max(ALERTS{alertname="${o.alert}",alertstate="firing"})`;
      let queryError: string | undefined;
      let firingNow = false;
      // wait for the resolution, up to its bound after the last fault ended
      for (let i = 0; i < 200; i++) {
        try {
          firingNow = (await prom<{ result: unknown[] }>(t, 'query', { query: firingQ })).result.length > 0;
          queryError = undefined;
        } catch (e) {
          queryError = msg(e);
        }
        if ((!firingNow && !queryError) || Date.now() > lastEnd + o.resolvesWithinMs) break;
        await sleep(2000);
      }
      let firing: number[] = [];
      try {
        const r = await prom<{ result: { values: [number, string][] }[] }>(t, 'query_range', {
          query: firingQ,
          start: String((run.epochMs - 10_000) / 1000),
          end: String(Date.now() / 1000),
          step: String(STEP_MS / 1000),
        });
        firing = (r.result[0]?.values ?? []).map(([ts]) => ts * 1000);
      } catch (e) {
        queryError = msg(e);
      }
      out.push(alertFiredAndResolved(o, windows, { firing, firingNow, nowMs: Date.now(), stepMs: STEP_MS, queryError }));
    } else if (o.kind === 'lag') {
      const q = `max by (group) (faultline_consumer_lag_seconds{group=~"${o.groups.join('|')}"})`;
      let lagS = new Map<string, number | null>();
      let queryError: string | undefined;
      // the exporter samples every 5 s and Prometheus scrapes every 5 s: give it a few rounds
      for (let i = 0; i < 8; i++) {
        try {
          const r = await prom<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(t, 'query', { query: q });
          lagS = new Map(r.result.map((s) => [s.metric.group!, Number(s.value[1])]));
          queryError = undefined;
        } catch (e) {
          queryError = msg(e);
        }
        if (!queryError && o.groups.every((g) => (lagS.get(g) ?? Infinity) < o.belowS)) break;
        await sleep(5000);
      }
      out.push(lagBackUnder(o, { lagS, queryError }));
    } else {
      const traceIds = new Set<string>();
      let queryError: string | undefined;
      // no window (no fault was injected): nothing to look for, the check says unknown
      for (let i = 0; i < 6 && traceIds.size === 0 && windows.length > 0; i++) {
        if (i) await sleep(5000);
        queryError = undefined;
        for (const w of windows) {
          try {
            // from 30 s before the window (a request that waited through it began up to its timeout earlier), and a
            // limit above the traces there are: Tempo answers the oldest first, so 50 were all from before the fault
            const hits = await tempoSearch(t, `{ resource.service.name = "${o.service}" }`, w.start - 30_000, w.end, 2000);
            for (const id of openDuring(hits, w)) traceIds.add(id);
          } catch (e) {
            queryError = msg(e);
          }
        }
      }
      out.push(tracesDuringFaults(o, { traceIds: [...traceIds], queryError: traceIds.size ? undefined : queryError, windows: windows.length }));
    }
  }
  return out;
}
