// Reading the processed topic leniently: only the fields the checkers use are
// required, so a checker judges the pipeline's results, not its schema evolution.
import type { ProcessedEvent } from '../../pipeline/contract/index.js';

export type ProcessedFields = Pick<ProcessedEvent, 'id' | 'service' | 'level' | 'timestamp' | 'latencyMs' | 'source'>;

export function parseProcessed(value: string): ProcessedFields | undefined {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  const source = e.source as Record<string, unknown> | undefined;
  if (typeof e.id !== 'string' || typeof e.service !== 'string' || typeof e.level !== 'string' || typeof e.timestamp !== 'string') return undefined;
  if (Number.isNaN(Date.parse(e.timestamp))) return undefined;
  if (typeof source !== 'object' || source === null || typeof source.partition !== 'number') return undefined;
  if (e.latencyMs !== undefined && typeof e.latencyMs !== 'number') return undefined;
  return e as unknown as ProcessedFields;
}
