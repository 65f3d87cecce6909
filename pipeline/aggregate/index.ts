// Public surface of the aggregate stage.
export { Aggregator, defaultAggregatorOptions, type AggregatorOptions } from './aggregator.js';
export { recompute, addEvent, aggregateKey, quantile, windowStartOf, WINDOW_MS, LATENCY_BUCKETS, type WindowAggregate } from '../contract/index.js';
