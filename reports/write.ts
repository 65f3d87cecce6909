// Writes one run's files under <outRoot>/<runId>/ and rebuilds <outRoot>/index.html from every
// results.json found there, so the index always reflects what is on disk.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from './model.js';
import { renderJunit } from './junit.js';
import { renderReport } from './report.js';
import { renderIndex } from './runs-index.js';

/** reports/out in the project, wherever the caller runs from; pass it as writeRun's outRoot. */
export const DEFAULT_OUT: string = fileURLToPath(new URL('./out', import.meta.url));

/** The run id becomes a directory name; anything that could climb out of outRoot is refused. */
function assertSafeRunId(id: string): void {
  if (!id || id === '.' || id === '..' || /[/\\\0]/.test(id)) throw new Error(`run id ${JSON.stringify(id)} cannot be a directory name`);
}

/** Write then rename, so a browser or CI never reads a half-written file. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function looksLikeRun(v: unknown): v is RunResult {
  const r = v as Partial<RunResult> | null;
  return !!r && typeof r.runId === 'string' && typeof r.startedAt === 'string' && Array.isArray(r.checks) && typeof r.workload === 'object';
}

/**
 * Every `<outRoot>/<entry>/<file>` that parses and that `accept` takes; a directory without one, or with one
 * mid-write or corrupt, is left out (runs and campaigns are read this way for their indexes).
 */
export function readEach<T>(outRoot: string, file: string, accept: (v: unknown) => v is T): T[] {
  let entries: string[];
  try {
    entries = readdirSync(outRoot);
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const e of entries) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(join(outRoot, e, file), 'utf8'));
      if (accept(parsed)) out.push(parsed);
    } catch {
      // not a directory of this kind, or its file mid-write or corrupt: the index simply omits it
    }
  }
  return out;
}

export const readRuns = (outRoot: string): RunResult[] => readEach(outRoot, 'results.json', looksLikeRun);

export function writeRun(outRoot: string, run: RunResult, historyJsonl?: string): { dir: string; report: string } {
  assertSafeRunId(run.runId);
  const dir = join(outRoot, run.runId);
  mkdirSync(dir, { recursive: true });
  if (historyJsonl !== undefined) writeAtomic(join(dir, 'history.jsonl'), historyJsonl);
  writeAtomic(join(dir, 'results.json'), JSON.stringify(run, null, 2) + '\n');
  writeAtomic(join(dir, 'junit.xml'), renderJunit(run));
  const report = join(dir, 'report.html');
  writeAtomic(report, renderReport(run));
  writeAtomic(join(outRoot, 'index.html'), renderIndex(readRuns(outRoot)));
  return { dir, report };
}
