export * from './accuracy.js';
export * from './capacity.js';
export * from './forecast.js';
export * from './models.js';
