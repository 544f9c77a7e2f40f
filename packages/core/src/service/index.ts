export * from './core.js';
export * from './dashboard.js';
export * from './params.js';
export * from './insights.js';
