// Parse, validate, enrich and classify one raw record: a pure function, so the
// processor's output for a record is the same whichever instance processes it.
import { LogEvent, type ProcessedEvent } from '../contract/index.js';

const SEVERITY = { debug: 0, info: 1, warn: 2, error: 3 } as const;

export function classify(message: string): ProcessedEvent['category'] {
  const m = message.toLowerCase();
  if (/timeout|timed out|deadline/.test(m)) return 'timeout';
  if (/unauthori[sz]ed|forbidden|denied|token/.test(m)) return 'auth';
  if (/\b4\d\d\b|bad request|not found/.test(m)) return 'client';
  if (/\b5\d\d\b|exception|panic|internal/.test(m)) return 'server';
  return 'other';
}

export type TransformResult = { ok: true; event: ProcessedEvent } | { ok: false; reason: string };

export function transform(
  value: Buffer | null,
  source: { partition: number; offset: string },
  ingestedAt: string | undefined,
  processedAt: string,
): TransformResult {
  if (!value) return { ok: false, reason: 'empty record value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  const r = LogEvent.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return { ok: false, reason: `schema: ${i.path.join('.') || '(event)'}: ${i.message}` };
  }
  const e = r.data;
  return {
    ok: true,
    event: {
      ...e,
      ingestedAt: ingestedAt ?? processedAt,
      processedAt,
      severity: SEVERITY[e.level],
      category: classify(e.message),
      source,
    },
  };
}
