export * from './model/telemetry.js';
export * from './store/store.js';
