/**
 * Trend detection: least-squares slope with its confidence interval and R², Sen's robust slope,
 * and the Mann-Kendall test for a monotonic trend (with the tie correction), which does not assume
 * a straight line or normal noise.
 */

import { normalTail, tQuantile } from './stats.js';
import { cleanSeries, type PointInput } from './timeseries.js';

export interface TrendResult {
  direction: 'increasing' | 'decreasing' | 'flat';
  /** Least-squares slope per millisecond, and per hour and per day for reading. */
  slopePerMs: number;
  slopePerHour: number;
  slopePerDay: number;
  intercept: number;
  /** 95% confidence interval of the slope per ms (null with fewer than 3 points). */
  slopeInterval: [number, number] | null;
  rSquared: number;
  /** Sen's slope (median of pairwise slopes) per ms: robust to outliers. */
  senSlopePerMs: number;
  mannKendall: { s: number; z: number; pValue: number; tau: number };
  /** 1 − p of the Mann-Kendall test. */
  confidence: number;
  significant: boolean;
  points: number;
}

export function detectTrend(points: readonly PointInput[], opts: { alpha?: number } = {}): TrendResult {
  const alpha = opts.alpha ?? 0.05;
  const { times, values } = cleanSeries(points);
  const n = times.length;
  const empty: TrendResult = {
    direction: 'flat',
    slopePerMs: 0,
    slopePerHour: 0,
    slopePerDay: 0,
    intercept: n > 0 ? values.reduce((a, b) => a + b, 0) / n : 0,
    slopeInterval: null,
    rSquared: 0,
    senSlopePerMs: 0,
    mannKendall: { s: 0, z: 0, pValue: 1, tau: 0 },
    confidence: 0,
    significant: false,
    points: n,
  };
  if (n < 2) return empty;
  // Centre times for numerical stability with epoch milliseconds.
  const t0 = times[0];
  const xs = times.map((t) => t - t0);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (values[i] - my);
    syy += (values[i] - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * (mx + t0);
  const sse = Math.max(0, syy - slope * sxy);
  const rSquared = syy === 0 ? 0 : Math.max(0, Math.min(1, 1 - sse / syy));
  let slopeInterval: [number, number] | null = null;
  if (n >= 3 && sxx > 0) {
    const se = Math.sqrt(sse / (n - 2) / sxx);
    const q = tQuantile(0.975, n - 2);
    slopeInterval = [slope - q * se, slope + q * se];
  }
  const mk = mannKendall(values);
  const sen = senSlope(xs, values);
  const significant = mk.pValue < alpha && slope !== 0;
  return {
    direction: significant ? (mk.s > 0 ? 'increasing' : 'decreasing') : 'flat',
    slopePerMs: slope,
    slopePerHour: slope * 3_600_000,
    slopePerDay: slope * 86_400_000,
    intercept,
    slopeInterval,
    rSquared,
    senSlopePerMs: sen,
    mannKendall: mk,
    confidence: 1 - mk.pValue,
    significant,
    points: n,
  };
}

/** Mann-Kendall S, its normal approximation z (continuity- and tie-corrected), p and Kendall's τ. */
export function mannKendall(values: readonly number[]): { s: number; z: number; pValue: number; tau: number } {
  const n = values.length;
  if (n < 3) return { s: 0, z: 0, pValue: 1, tau: 0 };
  let s = 0;
  for (let i = 0; i < n - 1; i++) for (let j = i + 1; j < n; j++) s += Math.sign(values[j] - values[i]);
  const ties = new Map<number, number>();
  for (const v of values) ties.set(v, (ties.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
  const varS = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = varS <= 0 ? 0 : s > 0 ? (s - 1) / Math.sqrt(varS) : s < 0 ? (s + 1) / Math.sqrt(varS) : 0;
  const pValue = Math.min(1, 2 * normalTail(Math.abs(z)));
  return { s, z, pValue, tau: s / ((n * (n - 1)) / 2) };
}

/** Median of pairwise slopes; subsampled above 2,000 points to stay O(n log n)-ish. */
export function senSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const stride = Math.max(1, Math.ceil(n / 2000));
  const slopes: number[] = [];
  for (let i = 0; i < n; i += stride)
    for (let j = i + stride; j < n; j += stride) if (xs[j] !== xs[i]) slopes.push((ys[j] - ys[i]) / (xs[j] - xs[i]));
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const m = slopes.length >> 1;
  return slopes.length % 2 ? slopes[m] : (slopes[m - 1] + slopes[m]) / 2;
}
