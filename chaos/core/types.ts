// The chaos harness's data: operations in a history (Jepsen's shape), what the
// final phase read back, and what a checker returns. Plain JSON, so a history
// file is the source of truth and every verdict can be recomputed offline.

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/**
 * One line of history.jsonl. A client op is an `invoke` followed by exactly one
 * of `ok` (acknowledged), `fail` (definitely not done) or `info` (unknown
 * outcome: never counted as acknowledged, never counted as lost).
 * `process` is the logical client (a number) or `nemesis`.
 */
export interface Op {
  process: number | 'nemesis';
  type: OpType;
  /**
   * Client ops: `write` (values must become readable once ok),
   * `write-aborted` (written in a transaction that was then aborted on purpose: never readable).
   * Nemesis ops: `start` / `stop` with value `{ fault, targets, ... }`.
   */
  f: string;
  value: WriteValue | FaultValue | unknown;
  /** Milliseconds since the run started. */
  time: number;
  /** Why a `fail`/`info` happened, for people. */
  error?: string;
}

/** The value of a write op: the event ids it carries; on `ok`, what the system said it stored where. */
export interface WriteValue {
  ids: string[];
  /** On ok through Kafka directly: where each id landed (partition and offset as the producer was told). */
  acked?: { id: string; partition: number; offset: string }[];
  /** On ok through HTTP ingest: ids the server refused (not stored, by its word). */
  refused?: string[];
  /** Which entry point took the write (e.g. `127.0.1.40:8080` or `kafka`). */
  via?: string;
  /** Trace ids by event id, when the write carried trace context. */
  traces?: Record<string, string>;
  /** On an invoke: the attempt number of a retry of ids whose earlier attempt's outcome was unknown or failed. */
  retry?: number;
}

/** The value of a nemesis op. */
export interface FaultValue {
  /** e.g. `broker-kill`. */
  fault: string;
  /** What it hit, e.g. `["broker-b"]`, `["zone-a -> zone-b"]`. */
  targets: string[];
  detail?: string;
}

/** A record the final phase read back (read_committed, drained to the end). */
export type { DrainedRecord as ReadRecord } from '../../cluster/index.js';

// What a checker returns and a report shows: the report model's, so that reports/ imports nothing of chaos/.
export type { CheckResult, Counterexample, FaultWindow, Location, Validity } from '../../reports/index.js';
