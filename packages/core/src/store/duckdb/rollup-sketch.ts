/**
 * The latency histogram of the span rollups: DDSketch buckets (the same mapping as
 * analytics/sketch.ts), stored as sparse (key, count) lists so partial histograms merge by adding
 * counts per key, in SQL or here.
 *
 * Accuracy: every value in bucket k lies in (γ^(k−1), γ^k] and the bucket stands for 2γ^k/(γ+1),
 * which is within ±ROLLUP_RELATIVE_ACCURACY of it. Quantiles interpolate between the values at the
 * two ranks around q·(n−1), as quantile_cont does; both ends are within the accuracy and the
 * interpolation is a convex combination, so the result is too (for positive durations). The exact
 * min and max clamp the answer and stand for ranks 0 and n−1.
 */

/** Relative accuracy of rollup percentiles (1%). */
export const ROLLUP_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + ROLLUP_RELATIVE_ACCURACY) / (1 - ROLLUP_RELATIVE_ACCURACY);
/** ln γ, inlined into SQL so DuckDB computes the same keys as JS. */
export const LN_GAMMA = Math.log(GAMMA);
/** Durations at or below this many ms (zero, or negative from clock skew) share one bucket. */
const MIN_MS = 1e-9;
/** The key of that bucket; it sorts before every real key (|real keys| < 1,100 for 1e-9 ms..1e9 ms). */
export const ZERO_KEY = -32768;

export function sketchKey(ms: number): number {
  return ms > MIN_MS ? Math.ceil(Math.log(ms) / LN_GAMMA) : ZERO_KEY;
}

/** The same mapping in SQL, over a DOUBLE ms expression. */
export function sketchKeySql(msExpr: string): string {
  return `CASE WHEN ${msExpr} > ${MIN_MS} THEN ceil(ln(${msExpr}) / ${LN_GAMMA})::INTEGER ELSE ${ZERO_KEY} END`;
}

export function sketchValue(key: number): number {
  return key === ZERO_KEY ? 0 : (2 * GAMMA ** key) / (GAMMA + 1);
}

/** A merged histogram: keys ascending, with counts, and the exact count, min and max. */
export interface Histogram {
  keys: number[];
  counts: number[];
  n: number;
  min: number;
  max: number;
}

/** Builds a Histogram from [key, count] pairs in any order, summing counts of repeated keys. */
export function histogramFromPairs(pairs: readonly (readonly [number, number])[], min: number, max: number): Histogram {
  const m = new Map<number, number>();
  for (const [k, c] of pairs) m.set(k, (m.get(k) ?? 0) + c);
  const keys = [...m.keys()].sort((a, b) => a - b);
  const counts = keys.map((k) => m.get(k)!);
  let n = 0;
  for (const c of counts) n += c;
  return { keys, counts, n, min, max };
}

/** Continuous quantiles (as quantile_cont) for ascending qs; null when the histogram is empty. */
export function histogramQuantiles(h: Histogram, qs: readonly number[]): (number | null)[] {
  if (h.n <= 0) return qs.map(() => null);
  const at = (rank: number): number => {
    if (rank <= 0) return h.min;
    if (rank >= h.n - 1) return h.max;
    let seen = 0;
    for (let i = 0; i < h.keys.length; i++) {
      seen += h.counts[i];
      if (seen > rank) return Math.min(h.max, Math.max(h.min, sketchValue(h.keys[i])));
    }
    return h.max;
  };
  return qs.map((q) => {
    const pos = (h.n - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const vlo = at(lo);
    return hi === lo ? vlo : vlo + (at(hi) - vlo) * (pos - lo);
  });
}

/**
 * SQL CTEs `w` and `hl` over a CTE `h(groupCols..., k, c)` of merged bucket counts: per group the
 * count n and, for each q (index i), the keys of the buckets holding ranks floor and ceil of
 * q·(n−1), as klo{i} and khi{i}. Done in SQL so only one small row per group reaches JS.
 */
export function quantileKeysSql(groupCols: readonly string[], qs: readonly number[]): string {
  const g = groupCols.join(', ');
  const picks = qs
    .map(
      (q, i) =>
        `min(k) FILTER (cum > floor((n - 1) * ${q})) AS klo${i}, min(k) FILTER (cum > ceil((n - 1) * ${q})) AS khi${i}`,
    )
    .join(', ');
  return `w AS (
      SELECT ${g}, k, sum(c) OVER (PARTITION BY ${g} ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
        sum(c) OVER (PARTITION BY ${g}) AS n
      FROM h),
    hl AS (SELECT ${g}, any_value(n)::DOUBLE AS n, ${picks} FROM w GROUP BY ${g})`;
}

/**
 * The quantiles from a row of quantileKeysSql (n, klo{i}, khi{i}) and the exact min and max
 * (dmin, dmax): the same answer as histogramQuantiles over the merged histogram.
 */
export function quantilesFromKeys(r: Record<string, unknown>, qs: readonly number[]): (number | null)[] {
  const n = Number(r.n ?? 0);
  if (!(n > 0)) return qs.map(() => null);
  const min = Number(r.dmin);
  const max = Number(r.dmax);
  const at = (rank: number, k: unknown): number => {
    if (rank <= 0) return min;
    if (rank >= n - 1 || k == null) return max;
    return Math.min(max, Math.max(min, sketchValue(Number(k))));
  };
  return qs.map((q, i) => {
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const vlo = at(lo, r[`klo${i}`]);
    return hi === lo ? vlo : vlo + (at(hi, r[`khi${i}`]) - vlo) * (pos - lo);
  });
}
