// `just dashboards [--out DIR]`: write the dashboards as Grafana JSON with provisioning files.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeGrafana } from './grafana/provision.js';

const usage = 'usage: just dashboards [--out DIR] [--prometheus URL] [--tempo URL]   (the Grafana dashboards as JSON, with provisioning files naming those datasources)';
const { values } = usageOr2(() => parseArgs({
  options: {
    out: { type: 'string', default: fileURLToPath(new URL('./out', import.meta.url)) },
    prometheus: { type: 'string', default: 'http://127.0.0.1:9090' },
    tempo: { type: 'string', default: 'http://127.0.0.1:3200' },
    help: { type: 'boolean', short: 'h' },
  },
}));
/** An option parseArgs refuses is said with the usage, exit 2 (dashboards imports nothing of ours: cluster/args.ts's orUsage, in small). */
function usageOr2<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${usage}`);
    return process.exit(2);
  }
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const r = writeGrafana(values.out!, { prometheus: values.prometheus!, tempo: values.tempo! });
console.log(`dashboards: ${r.dashboards.length} dashboards, ${r.dashboards.reduce((s, d) => s + (d.json.panels?.length ?? 0), 0)} panels and rows`);
console.log(`dashboards: written to ${values.out} (point Grafana's provisioning path at ${values.out}/provisioning)`);
