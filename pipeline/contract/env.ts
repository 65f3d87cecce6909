// How every pipeline service reads its configuration: once, at start, from named environment variables, each typed
// by zod with its default here; a bad value stops the service with a message that names the variable.
import { z } from 'zod';

/** The brokers a service talks to when KAFKA_BROKERS is not set: the processes provider's three zones. */
export const DEFAULT_BROKERS = '127.0.1.10:9092,127.0.2.10:9092,127.0.3.10:9092';

/** A comma-separated broker list (KAFKA_BROKERS). */
export const brokerList = z
  .string()
  .default(DEFAULT_BROKERS)
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
  .refine((l) => l.length > 0, 'names no broker');
export const port = (d: number) => z.coerce.number().int().min(0).max(65535).default(d);
/** FAULTLINE_ZONE: the zone a service runs in ('' on a Kubernetes node without a zone label). */
export const zoneVar = ['FAULTLINE_ZONE', z.string().default('zone-a'), { empty: 'value' }] as const;
/** `true` or `false`, nothing else. */
export const flag = (d: boolean) => z.enum(['true', 'false']).default(d ? 'true' : 'false').transform((v) => v === 'true');

/**
 * One environment variable per field: its name and its type (with its default, or optional). A variable set to ''
 * counts as unset, unless its entry says `empty: 'value'` (FAULTLINE_ZONE: on Kubernetes without a zone label it is
 * '' and a stage reports no zone, rather than claim zone-a).
 */
export type EnvSpec = Record<string, readonly [variable: string, type: z.ZodTypeAny, options?: { empty: 'value' }]>;
export type EnvConfig<S extends EnvSpec> = { [K in keyof S]: z.output<S[K][1]> };

export class ConfigError extends Error {}

/** Every field of `spec` from `env` (an empty variable counts as unset); every bad variable named in one error. */
export function readConfig<S extends EnvSpec>(service: string, spec: S, env: NodeJS.ProcessEnv = process.env): EnvConfig<S> {
  const out: Record<string, unknown> = {};
  const bad: string[] = [];
  for (const [field, [variable, type, opts]] of Object.entries(spec)) {
    const raw = env[variable] === '' && opts?.empty !== 'value' ? undefined : env[variable];
    const r = type.safeParse(raw);
    if (r.success) out[field] = r.data;
    else bad.push(`${variable}=${JSON.stringify(raw)}: ${r.error.issues.map((i) => i.message).join(', ')}`);
  }
  if (bad.length) throw new ConfigError(`${service} cannot start, its environment is invalid: ${bad.join('; ')} (unset a variable to take its default)`);
  return out as EnvConfig<S>;
}

/** For an entry point: `f`'s configuration, or its ConfigError said in one line and exit 1. */
export function configOrExit<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    return process.exit(1);
  }
}
