// What every recipe's command line shares: numbers and durations parsed one way, a bad value refused with the flag's
// name and the usage, any other failure said in one line, and `--help` everywhere. The CLIs (cluster, chaos,
// loadtests, dashboards, k8s) parse with node:util's parseArgs and validate their values here.

/** A command line that cannot be run as typed: the CLI prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/** node:util parseArgs refuses an unknown or malformed option with one of these codes: a usage error too. */
const isParseArgsError = (e: unknown): boolean => typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('ERR_PARSE_ARGS');
const isUsage = (e: unknown): e is Error => e instanceof UsageError || isParseArgsError(e);

/** The message of anything thrown. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * A duration in seconds, as a user of k6 or Go types it: `90`, `90s`, `1.5m`, `2m`, `1h`, `1m30s`, `500ms`
 * (a bare number is seconds). Undefined when the flag was not given; a UsageError naming the flag otherwise.
 */
export function parseDuration(flag: string, v: string | undefined, bounds: { minS?: number; maxS?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  let seconds: number | undefined;
  if (/^\d+(\.\d+)?$/.test(s)) seconds = Number(s);
  else if (/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(s)) seconds = [...s.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)].reduce((t, m) => t + Number(m[1]) * UNIT_S[m[2]!]!, 0);
  const { minS = Number.MIN_VALUE, maxS = Infinity } = bounds;
  if (seconds === undefined || !(seconds >= minS) || seconds > maxS) {
    const from = bounds.minS === undefined ? 'above 0' : `of at least ${bounds.minS} s`;
    const range = bounds.maxS === undefined ? ` ${from}` : bounds.minS === undefined ? ` above 0 and at most ${bounds.maxS} s` : ` from ${bounds.minS} s to ${bounds.maxS} s`;
    throw new UsageError(`--${flag} must be a duration${range} (90, 90s, 2m, 1m30s), not ${JSON.stringify(v)}`);
  }
  return seconds;
}

/** A number given on the command line: whole unless `integer: false`, within [min, max]; undefined when not given. */
export function parseNumber(flag: string, v: string | undefined, o: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  if (v === undefined) return undefined;
  const { min = 1, max = Number.MAX_SAFE_INTEGER, integer = true } = o;
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const what = integer ? 'a whole number' : 'a number';
    const range = max !== Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : min === 1 ? ' above 0' : ` of at least ${min}`;
    throw new UsageError(`--${flag} must be ${what}${range}, not ${JSON.stringify(v)}`);
  }
  return n;
}

/** A usage error said with the usage, exit 2. */
function usageExit(usage: string, e: Error): never {
  console.error(`${e.message}\n${usage}`);
  return process.exit(2);
}

/**
 * Run a CLI's body: a UsageError (or parseArgs refusing an option) prints its message and the usage and exits 2; any
 * other error prints `error: <message>` and exits 1.
 */
export function runCli(usage: string, body: () => Promise<void> | void): void {
  Promise.resolve()
    .then(body)
    .catch((e: unknown) => {
      if (isUsage(e)) usageExit(usage, e);
      console.error(`error: ${errorMessage(e)}`);
      process.exit(1);
    });
}

/** For a script's top level: the value of `f`, or (on a UsageError) its message and the usage printed and exit 2. */
export function orUsage<T>(usage: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!isUsage(e)) throw e;
    return usageExit(usage, e);
  }
}
