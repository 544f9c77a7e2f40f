export * from './model/telemetry.js';
export * from './store/store.js';
export * from './ingest/index.js';
export * from './store/duckdb/index.js';
export * from './store/open.js';
