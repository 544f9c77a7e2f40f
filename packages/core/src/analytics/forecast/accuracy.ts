/**
 * Forecast accuracy measures (Hyndman & Koehler 2006), shared by `backtest` and bench/forecast.
 */

/**
 * In-sample MAE of the seasonal naive forecast y[t] − y[t−m] over `y`: the MASE denominator.
 * m ≤ 1, or a history no longer than m, falls back to the one-step naive y[t] − y[t−1].
 */
export function naiveScale(y: ArrayLike<number>, m = 1): number {
  const p = m > 1 && y.length > m ? Math.floor(m) : 1;
  let s = 0;
  let k = 0;
  for (let i = p; i < y.length; i++) {
    s += Math.abs(y[i] - y[i - p]);
    k++;
  }
  return k > 0 ? s / k : 0;
}

/** Mean absolute error of `forecast` against `actual` (the shorter length counts). */
export function meanAbsoluteError(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  const n = Math.min(actual.length, forecast.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(actual[i] - forecast[i]);
  return n > 0 ? s / n : Number.NaN;
}

/**
 * Mean absolute scaled error: out-of-sample MAE over the in-sample MAE of the seasonal naive
 * forecast with period m on the training data (m = 1: the one-step naive scale). Below 1 means the
 * forecast beat, out of sample, what seasonal naive achieves one season ahead in sample.
 * NaN when the scale is 0 (a constant training series): the ratio means nothing there.
 */
export function mase(actual: ArrayLike<number>, forecast: ArrayLike<number>, train: ArrayLike<number>, m = 1): number {
  const scale = naiveScale(train, m);
  return scale > 0 ? meanAbsoluteError(actual, forecast) / scale : Number.NaN;
}

/** Share of `actual` values inside [lower, upper], element-wise. */
export function intervalCoverage(
  actual: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
): number {
  const n = Math.min(actual.length, lower.length, upper.length);
  let c = 0;
  for (let i = 0; i < n; i++) if (actual[i] >= lower[i] && actual[i] <= upper[i]) c++;
  return n > 0 ? c / n : Number.NaN;
}
