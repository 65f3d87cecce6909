// The services' logs: one JSON object per line (time, level, component, zone, msg, and trace_id where the line is
// about a traced batch or request), so a stage's log can be read against a run's fault windows and joined to its
// traces; the same lines readable when printed to a terminal, and by `just logs` (prettyLogLine).
import { format } from 'node:util';
import pino, { type Logger } from 'pino';

export type { Logger };

let root: Logger | undefined;

const options = (component: string, zone: string): pino.LoggerOptions => ({
  base: { component, zone },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});

/**
 * The service's logger, made once at start: JSON lines on stdout (the deployment writes them to the component's log
 * file), readable lines when stdout is a terminal. Every console line, our own and a library's, becomes a log line
 * at its level.
 */
export function serviceLog(component: string, zone: string, out: { write(s: string): unknown; isTTY?: boolean } = process.stdout): Logger {
  const stream = out.isTTY
    ? { write: (line: string) => void out.write(`${prettyLogLine(line.trimEnd())}\n`) }
    : out === process.stdout
      ? pino.destination({ dest: 1, sync: true })
      : { write: (line: string) => void out.write(line) };
  const l = pino(options(component, zone), stream);
  root = l;
  console.log = console.info = (...a: unknown[]) => l.info(format(...a));
  console.warn = (...a: unknown[]) => l.warn(format(...a));
  console.error = (...a: unknown[]) => l.error(format(...a));
  return l;
}

/** The service's logger; before serviceLog (a stage class in a test), a plain one. */
export const logger = (): Logger => (root ??= pino(options('faultline', 'none'), pino.destination({ dest: 1, sync: true })));

const LEVEL_WIDTH = 5;
const SHOWN = new Set(['time', 'level', 'component', 'zone', 'msg', 'trace_id', 'pid', 'hostname']);

/** A JSON log line as a person reads it: `time LEVEL component@zone msg key=value ... trace=<id>`; other lines as they are. */
export function prettyLogLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (!o || typeof o !== 'object' || typeof o.msg !== 'string') return line;
  const extra = Object.entries(o)
    .filter(([k]) => !SHOWN.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const where = o.zone && o.zone !== 'ops' ? `${o.component}@${o.zone}` : String(o.component ?? '');
  return [o.time, String(o.level ?? '').toUpperCase().padEnd(LEVEL_WIDTH), where, o.msg, ...extra, ...(o.trace_id ? [`trace=${o.trace_id}`] : [])].filter((x) => x !== undefined && x !== '').join(' ');
}
