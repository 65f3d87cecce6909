// Entry point of the ingest stage: read the environment once, start, stop gracefully on SIGTERM/SIGINT.
import { readEnv } from './config.js';
import { serviceLog, tracingEnv } from '../telemetry/index.js';
import { startIngest } from './server.js';
import { guardClientBugs } from '../kafka/index.js';

guardClientBugs('ingest');
const cfg = readEnv();
serviceLog('ingest', cfg.zone);
const ingest = await startIngest(cfg, tracingEnv('faultline-ingest', cfg.zone));
console.log(`ingest (${cfg.zone}) listening on ${ingest.url}, writing to ${cfg.topic} with ${cfg.client}`);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    console.log(`ingest: ${sig}, flushing in-flight sends`);
    ingest.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`ingest: shutdown failed: ${String(e)}`);
        process.exit(1);
      },
    );
  });
}
