export * from './dashboard.js';
export * from './params.js';
