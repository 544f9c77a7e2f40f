export * from './detectors/index.js';
export * from './seasonality.js';
export * from './stats.js';
export * from './window-score.js';
