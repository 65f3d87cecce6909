// One verdict for a run from all its checkers: any false is false (a proven
// violation), else any unknown is unknown (something was not proven), else true.
import type { CheckResult, Validity } from '../core/types.js';

export function compose(results: CheckResult[]): { valid: Validity; summary: string } {
  const failed = results.filter((r) => r.valid === false).map((r) => r.name);
  const unknown = results.filter((r) => r.valid === 'unknown').map((r) => r.name);
  if (results.length === 0) return { valid: 'unknown', summary: 'no checks ran' };
  if (failed.length) {
    return {
      valid: false,
      summary: `${failed.length} of ${results.length} checks failed: ${failed.join(', ')}` + (unknown.length ? `; unknown: ${unknown.join(', ')}` : ''),
    };
  }
  if (unknown.length) return { valid: 'unknown', summary: `${results.length - unknown.length} of ${results.length} checks passed; unknown: ${unknown.join(', ')}` };
  return { valid: true, summary: `all ${results.length} checks passed` };
}
