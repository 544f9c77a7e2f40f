/** The statistics helpers gathered on one object, for callers that like `MonitoringUtils.x(...)`. */
import { correlation, pearson, spearman } from './correlation.js';
import { bootstrapCI, mannWhitneyU, welchTTest } from './hypothesis.js';
import { DDSketch } from './sketch.js';
import { mad, mean, median, percentiles, quantile, stdDev } from './stats.js';
import { summarize } from './summary.js';
import { cleanSeries, createTimeSeries } from './timeseries.js';
import { detectTrend, mannKendall } from './trend.js';

export const MonitoringUtils = {
  mean,
  median,
  stdDev,
  mad,
  quantile,
  percentiles,
  /** A streaming, mergeable quantile sketch (±1% relative error). */
  createSketch: (alpha = 0.01) => new DDSketch(alpha),
  summarize,
  cleanSeries,
  createTimeSeries,
  detectTrend,
  mannKendall,
  correlation,
  pearson,
  spearman,
  welchTTest,
  mannWhitneyU,
  bootstrapCI,
} as const;
