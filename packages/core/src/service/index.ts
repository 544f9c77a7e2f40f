export * from './core.js';
export * from './dashboard.js';
export * from './insights.js';
export * from './params.js';
