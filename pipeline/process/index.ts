// Public surface of the process stage.
export { Processor, defaultProcessorOptions, type ProcessorOptions } from './processor.js';
export { transform, classify, type TransformResult } from './transform.js';
