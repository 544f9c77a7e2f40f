/** Distribution summaries for dashboards and reports, exact for small inputs, sketched for large. */
import { DDSketch } from './sketch.js';
import { finiteValues, quantileSorted } from './stats.js';

export interface DistributionSummary {
  count: number;
  /** Non-finite inputs that were ignored. */
  ignored: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  stdDev: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  /** Fisher skewness; null below 3 values or with zero spread. */
  skewness: number | null;
  /** Whether quantiles came from a DDSketch (±1% relative) rather than a sort. */
  approximate: boolean;
}

/** Inputs above this size are summarised through a DDSketch instead of a full sort. */
export const EXACT_LIMIT = 200_000;

export function summarize(xsIn: readonly number[]): DistributionSummary {
  const xs = finiteValues(xsIn);
  const n = xs.length;
  const ignored = xsIn.length - n;
  if (n === 0)
    return {
      count: 0,
      ignored,
      min: null,
      max: null,
      mean: null,
      stdDev: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      skewness: null,
      approximate: false,
    };
  let m = 0;
  for (const x of xs) m += x;
  m /= n;
  let m2 = 0;
  let m3 = 0;
  for (const x of xs) {
    const d = x - m;
    m2 += d * d;
    m3 += d * d * d;
  }
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  const pop = Math.sqrt(m2 / n);
  const skewness = n >= 3 && pop > 0 ? m3 / n / pop ** 3 : null;
  let q: (p: number) => number;
  let approximate = false;
  let min: number;
  let max: number;
  if (n <= EXACT_LIMIT) {
    const sorted = Float64Array.from(xs).sort();
    q = (p) => quantileSorted(sorted, p);
    min = sorted[0];
    max = sorted[n - 1];
  } else {
    const sk = new DDSketch(0.01);
    for (const x of xs) sk.add(x);
    q = (p) => sk.quantile(p);
    approximate = true;
    min = sk.min;
    max = sk.max;
  }
  return {
    count: n,
    ignored,
    min,
    max,
    mean: m,
    stdDev: sd,
    p50: q(0.5),
    p90: q(0.9),
    p95: q(0.95),
    p99: q(0.99),
    skewness,
    approximate,
  };
}
