// Public surface of the ingest stage.
export { ingestApp, type IngestDeps } from './app.js';
export { Batcher, SaturatedError, type BatcherOptions } from './batcher.js';
export { IngestConfig, readEnv } from './config.js';
export { startIngest, type RunningIngest } from './server.js';
