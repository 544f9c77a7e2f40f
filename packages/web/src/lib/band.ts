/**
 * Expected band for a series: an exponentially weighted mean and deviation of past points
 * (not including the current one), ± k deviations. Gives a visible "normal range" around every
 * series, while the detector's own expected/lower/upper are shown at the anomalies it reported.
 */
export function expectedBand(
  values: (number | null)[],
  alpha = 0.2,
  k = 3,
): { upper: (number | null)[]; lower: (number | null)[] } {
  const upper: (number | null)[] = [];
  const lower: (number | null)[] = [];
  let mean: number | null = null;
  let varc = 0;
  let n = 0;
  for (const v of values) {
    if (mean === null || n < 3) {
      upper.push(null);
      lower.push(null);
    } else {
      const sd = Math.sqrt(varc);
      upper.push(mean + k * sd);
      lower.push(Math.max(0, mean - k * sd));
    }
    if (v === null || !Number.isFinite(v)) continue;
    if (mean === null) mean = v;
    else {
      const d = v - mean;
      mean += alpha * d;
      varc = (1 - alpha) * (varc + alpha * d * d);
    }
    n++;
  }
  return { upper, lower };
}
