export * from './model/telemetry.js';
export * from './store/store.js';
export * from './ingest/index.js';
