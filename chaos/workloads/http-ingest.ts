// Drives the deployed pipeline through its front door: clients POST batches of
// unique events to the ingest of each zone at a fixed total rate and record
// what the server said. 200 = ok (minus refused ids); a reply that says nothing
// was written = fail; a timeout, a reset or "unknown" ids = info. Some
// batches carry an invalid event, which must be refused and never be read.
// Like a real client, it retries a batch whose outcome it did not learn (or a
// 503) with the same ids: the pipeline must then hold each id once.
import type { Topology } from '../../cluster/index.js';
import { LEVELS, newTraceparent, TOPICS, type LogEvent } from '../../pipeline/contract/index.js';
import { paced, type ChaosContext } from '../core/context.js';
import type { WriteValue } from '../core/types.js';
import type { ExternalLoad } from '../experiments/index.js';
import type { LoadTotals, PreparedWorkload, WorkloadEnv } from './workload.js';

export interface HttpWorkloadOptions {
  /** Events per second over all clients. */
  rate: number;
  durationMs: number;
  /** Events per POST. */
  batch: number;
  /** Clients per zone's ingest. */
  clientsPerZone: number;
  /** Run-unique service names: the aggregates of these services are this run's alone. */
  services: string[];
  /** A request's timeout: a client that waits no longer does not know the outcome. */
  timeoutMs: number;
  /** Retries of a batch with the same ids after an unknown outcome or a 503 (0: none), within `retryWithinMs` of the load's end. */
  retries: number;
  retryWithinMs?: number;
}

export const ingestUrls = (t: Topology) => t.stages.filter((s) => s.stage === 'ingest').map((s) => `http://${s.http.host}:${s.http.port}/v1/events`);

export async function runHttpWorkload(ctx: ChaosContext, o: HttpWorkloadOptions, signal: AbortSignal): Promise<LoadTotals> {
  const urls = ingestUrls(ctx.topology);
  const clients = urls.flatMap((url) => Array.from({ length: o.clientsPerZone }, () => url));
  const intervalMs = (o.batch * clients.length * 1000) / o.rate;
  const end = Date.now() + o.durationMs;
  const totals: LoadTotals = { events: 0 };
  await Promise.all(
    clients.map(async (url, process) => {
      await paced({ intervalMs, offsetMs: (intervalMs * process) / clients.length, endAt: end, signal }, async (seq) => {
        const events: LogEvent[] = Array.from({ length: o.batch }, (_, i) => {
          const n = seq * o.batch + i;
          return {
            id: `${ctx.runId}-${process}-${n}`,
            service: o.services[n % o.services.length]!,
            level: LEVELS[n % LEVELS.length]!,
            message: n % 11 ? 'request served' : 'upstream timeout',
            timestamp: new Date().toISOString(),
            latencyMs: Math.round(ctx.rng() * 300),
          };
        });
        // every 10th batch carries one invalid event: the server must refuse it and it must never be read
        const batch: unknown[] = seq % 10 === 9 ? [...events, { ...events[0]!, id: `${ctx.runId}-${process}-bad-${seq}`, level: 'loud' }] : events;
        totals.events += events.length;
        // a bounded retry loop: attempts, and time past the load's end
        for (let attempt = 0; attempt <= o.retries; attempt++) {
          if (attempt > 0 && (signal.aborted || Date.now() > end + (o.retryWithinMs ?? 20_000))) break;
          if (await postBatch(ctx, process, url, batch, o.timeoutMs, attempt)) break;
          await new Promise((r) => setTimeout(r, Math.min(2000, 250 * 2 ** attempt)));
        }
      });
    }),
  );
  return totals;
}

/** One attempt; resolves true when the outcome is settled (acknowledged, or refused for good), false when a retry may help. */
async function postBatch(ctx: ChaosContext, process: number, url: string, events: unknown[], timeoutMs: number, retry = 0): Promise<boolean> {
  const ids = events.map((e) => (e as LogEvent).id);
  const via = new URL(url).host;
  // every request is traced (a sampled traceparent, which ingest honours): the requests that wait through a fault
  // are in Tempo, and the history says which trace holds each event
  const { traceId, traceparent } = newTraceparent();
  const traces = Object.fromEntries(ids.map((id) => [id, traceId]));
  ctx.history.record({ process, type: 'invoke', f: 'write', value: { ids, via, traces, ...(retry ? { retry } : {}) } satisfies WriteValue });
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent },
      body: JSON.stringify(events),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { accepted?: string[]; refused?: { id?: string }[]; unknown?: string[]; error?: string; message?: string };
    const refused = (body.refused ?? []).map((r) => r.id).filter((x): x is string => Boolean(x));
    if (res.status === 200) {
      ctx.history.record({ process, type: 'ok', f: 'write', value: { ids: body.accepted ?? [], refused, via } satisfies WriteValue });
      return true;
    } else if (body.unknown?.length) {
      ctx.history.record({ process, type: 'info', f: 'write', value: { ids, via } satisfies WriteValue, error: `${res.status} ${body.error}: ${body.message}` });
      return false;
    }
    ctx.history.record({ process, type: 'fail', f: 'write', value: { ids, via } satisfies WriteValue, error: `${res.status} ${body.error ?? ''}: ${body.message ?? ''}` });
    // backpressure passes; any other refusal would be the same on a retry
    return res.status !== 503 && res.status !== 429;
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    // refused before any byte was sent: definitely not written. Anything else: we cannot know.
    const type = err.cause?.code === 'ECONNREFUSED' ? 'fail' : 'info';
    ctx.history.record({ process, type, f: 'write', value: { ids, via } satisfies WriteValue, error: `${err.cause?.code ?? err.name}: ${err.message}` });
    return false;
  }
}

/**
 * The pipeline workload's clients behave as real ones do: a request that gets no answer within a few seconds is an
 * unknown outcome, and its batch is retried with the same ids (a 503 too). The pipeline must hold each id once.
 */
const HTTP_TIMEOUT_MS = 3000;
const HTTP_RETRIES = 8;

/** The deployed pipeline's own topics and stage groups, whoever drives it. */
function deployedPipeline(ctx: ChaosContext): Pick<PreparedWorkload, 'topics' | 'stages' | 'mayAbort' | 'healed' | 'teardown'> {
  ctx.topics = [TOPICS.raw, TOPICS.processed];
  ctx.groups = ['faultline-process', 'faultline-aggregate'];
  return {
    topics: { input: TOPICS.raw, processed: TOPICS.processed, aggregates: TOPICS.aggregates },
    // the server refuses invalid events and answers failures: those ids must never be read
    mayAbort: true,
    stages: [
      ['faultline-process', TOPICS.raw],
      ['faultline-aggregate', TOPICS.processed],
    ],
    healed: async () => {},
    teardown: async () => {},
  };
}

/** Our clients through the deployed pipeline's HTTP ingest, in every zone. */
export function httpPipelineWorkload({ ctx, client }: WorkloadEnv): PreparedWorkload {
  return {
    ...deployedPipeline(ctx),
    label: 'http ingest -> logs.raw -> process -> aggregate',
    tail: true,
    run: (o, signal) => runHttpWorkload(ctx, { ...o, batch: 20, clientsPerZone: 2, timeoutMs: HTTP_TIMEOUT_MS, retries: HTTP_RETRIES }, signal),
    config: { clientTimeoutMs: HTTP_TIMEOUT_MS, clientRetries: HTTP_RETRIES, client },
  };
}

/** The deployed pipeline under a load brought from outside the harness (loadtests' k6 scenarios), which ends itself. */
export function externalPipelineWorkload(w: { label: string; run: ExternalLoad }, { ctx }: WorkloadEnv): PreparedWorkload {
  return { ...deployedPipeline(ctx), label: w.label, tail: false, run: (o, signal) => w.run(ctx, o, signal), config: {} };
}
