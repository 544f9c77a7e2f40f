export * from './anomalies.js';
export * from './csv.js';
export * from './detectors/index.js';
export * from './format.js';
export * from './seasonality.js';
export * from './stats.js';
export * from './timeseries.js';
export * from './window-score.js';
