// The run's history: every client and nemesis operation, appended as one JSON
// line each to history.jsonl as it happens, and kept in memory for the checkers.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Op } from './types.js';

export class History {
  readonly ops: Op[] = [];
  readonly t0 = Date.now();

  constructor(private readonly file?: string) {
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '');
    }
  }

  /** Milliseconds since the run started. */
  now(): number {
    return Date.now() - this.t0;
  }

  record(op: Omit<Op, 'time'> & { time?: number }): Op {
    const full: Op = { ...op, time: op.time ?? this.now() } as Op;
    this.ops.push(full);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(full)}\n`);
    return full;
  }

  jsonl(): string {
    return this.ops.map((o) => JSON.stringify(o)).join('\n') + '\n';
  }
}
