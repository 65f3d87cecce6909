// Public surface of the ingest stage.
export { ingestApp, type IngestDeps } from './app.js';
export { Sink, SaturatedError, type SendStats } from './sink.js';
export { IngestConfig, readEnv } from './config.js';
export { startIngest, type RunningIngest } from './server.js';
export { ingestProducerSettings, librdkafkaProducerConfig } from './producer.js';
