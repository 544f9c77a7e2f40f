export * from './otlp.js';
export * from './prices.js';
export * from './redact.js';
export * from './response.js';
export * from './sdk-batch.js';
export * from './types.js';
