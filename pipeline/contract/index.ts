// Public surface of the pipeline contract: event schema, topics, header names.
export { TOPICS, PIPELINE_TOPICS, type TopicSpec } from './topics.js';
export { LogEvent, ProcessedEvent, LEVELS, LIMITS, validateEvent, fastLogEvent, isProcessedEvent, validProcessedEvent, recordKey, type Level, type Refusal, type Validation } from './event.js';
export { HEADERS, headerString, newTraceparent, type HeaderBag } from './headers.js';
export { recompute, addEvent, setPercentiles, emptyAggregate, aggregateKey, quantile, windowStartOf, WINDOW_MS, LATENCY_BUCKETS, type WindowAggregate } from './window.js';
export { DEFAULT_BROKERS, brokerList, port, flag, zoneVar, readConfig, configOrExit, ConfigError, type EnvSpec, type EnvConfig } from './env.js';
