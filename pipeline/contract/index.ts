// Public surface of the pipeline contract: topics (and, with the pipeline, the event schema).
export { TOPICS, PIPELINE_TOPICS, type TopicSpec } from './topics.js';
