// Public surface of the alert rules: where the rule files are, and which alerts they define.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Prometheus rule file (groups faultline-kafka, faultline-zookeeper, faultline-pipeline). */
export const RULES_FILE = fileURLToPath(new URL('./rules.yml', import.meta.url));
/** `promtool test rules` unit tests of RULES_FILE. */
export const RULES_TEST_FILE = fileURLToPath(new URL('./rules.test.yml', import.meta.url));

/**
 * Names of the alerts in a rule file, in file order, each once (one alert may have
 * several rules). A line regex rather than a YAML parser: no dependency for one field.
 */
export function alertNames(file: string = RULES_FILE): string[] {
  const names = [...readFileSync(file, 'utf8').matchAll(/^\s*-\s+alert:\s*["']?([A-Za-z_][\w:]*)["']?\s*(?:#.*)?$/gm)].map((m) => m[1]!);
  return [...new Set(names)];
}
