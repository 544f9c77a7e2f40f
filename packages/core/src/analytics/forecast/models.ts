/**
 * Forecasting models over a regularly spaced series (values only; the caller owns time).
 * Each returns point forecasts and the standard deviation of the h-step forecast error, from
 * which intervals are drawn at any confidence.
 */

export interface ModelForecast {
  mean: number[];
  /** Standard deviation of the forecast error at each horizon. */
  sd: number[];
  /** One-step in-sample residual standard deviation. */
  sigma: number;
}

export type ModelName = 'linear' | 'holt_winters' | 'seasonal_naive' | 'seasonal_median' | 'combined';

/** Least-squares line through the history, with the textbook prediction-interval variance. */
export function linearForecast(y: readonly number[], horizon: number): ModelForecast {
  const n = y.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += i;
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (i - mx) ** 2;
    sxy += (i - mx) * (y[i] - my);
  }
  const b = sxx === 0 ? 0 : sxy / sxx;
  const a = my - b * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i] - a - b * i) ** 2;
  const sigma = Math.sqrt(sse / Math.max(1, n - 2));
  const mean: number[] = [];
  const sd: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    const x = n - 1 + h;
    mean.push(a + b * x);
    sd.push(sigma * Math.sqrt(1 + 1 / n + (sxx === 0 ? 0 : (x - mx) ** 2 / sxx)));
  }
  return { mean, sd, sigma };
}

/**
 * Seasonal naive: the value one season ago (plain naive when m ≤ 1). Error sd grows with the
 * number of whole seasons ahead, as for a seasonal random walk.
 */
export function seasonalNaiveForecast(y: readonly number[], horizon: number, m: number): ModelForecast {
  const n = y.length;
  const period = m > 1 && n > m ? m : 1;
  let ss = 0;
  let k = 0;
  for (let i = period; i < n; i++) {
    ss += (y[i] - y[i - period]) ** 2;
    k++;
  }
  const sigma = k > 0 ? Math.sqrt(ss / k) : 0;
  const mean: number[] = [];
  const sd: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    // The same phase in the last observed season: y[n − 1 + h − m·⌈h/m⌉].
    mean.push(y[n - 1 + h - period * Math.ceil(h / period)]);
    sd.push(sigma * Math.sqrt(period > 1 ? Math.ceil(h / period) : h));
  }
  return { mean, sd, sigma };
}

export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

interface HwState {
  level: number;
  trend: number;
  season: Float64Array;
  sse: number;
  count: number;
}

function hwRun(y: readonly number[], m: number, p: HoltWintersParams): HwState {
  const seasonal = m > 1;
  const n = y.length;
  const season = new Float64Array(Math.max(1, m));
  let level: number;
  let trend: number;
  let start: number;
  if (seasonal) {
    // Initial level/trend from the first two seasons, seasonal indices from the first season.
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < m; i++) {
      s1 += y[i];
      s2 += y[m + i];
    }
    s1 /= m;
    s2 /= m;
    level = s1;
    trend = (s2 - s1) / m;
    for (let i = 0; i < m; i++) season[i] = y[i] - (s1 + trend * (i - (m - 1) / 2));
    start = m;
  } else {
    level = y[0];
    trend = n > 1 ? y[1] - y[0] : 0;
    start = 1;
  }
  let sse = 0;
  let count = 0;
  // Robust updating (Gelper, Fried & Croux 2010): errors beyond ±3σ are clipped before they
  // move level, trend and season, so a spike is not read as a new level. σ tracks |error|.
  let scale = Number.NaN;
  for (let t = start; t < n; t++) {
    const si = seasonal ? t % m : 0;
    const s = seasonal ? season[si] : 0;
    const f = level + p.phi * trend + s;
    const raw = y[t] - f;
    const sigma = 1.25 * scale;
    const e = Number.isNaN(scale) || sigma === 0 ? raw : Math.max(-CLIP * sigma, Math.min(CLIP * sigma, raw));
    scale = Number.isNaN(scale) ? Math.abs(raw) : scale + 0.05 * (Math.abs(e) - scale);
    // Fit on the clipped (Huber-like) loss too, so spikes do not pick the parameters.
    sse += e * e;
    count++;
    const prevLevel = level;
    level = prevLevel + p.phi * trend + p.alpha * e;
    trend = p.phi * trend + p.beta * p.alpha * e;
    if (seasonal) season[si] = s + p.gamma * (1 - p.alpha) * e;
  }
  return { level, trend, season, sse, count };
}

/** Errors beyond this many σ are clipped before they update the state. */
const CLIP = 3;
const ALPHAS = [0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9];
const BETAS = [0, 0.02, 0.1];
const GAMMAS = [0.02, 0.1, 0.3];
/** Trend damping: a fitted trend fades over ~10 steps instead of being extrapolated forever. */
const PHI = 0.9;

/**
 * Additive Holt-Winters (error-correction form of ETS(A,Ad,A)) with a damped trend, smoothing
 * parameters picked from a small grid by one-step in-sample squared error. Without a season
 * (m ≤ 1 or under two seasons of data) it is Holt's damped linear trend.
 */
export function holtWintersForecast(
  y: readonly number[],
  horizon: number,
  m: number,
): ModelForecast & { params: HoltWintersParams } {
  const period = m > 1 && y.length >= 2 * m + 2 ? m : 1;
  let best: { st: HwState; p: HoltWintersParams } | null = null;
  for (const alpha of ALPHAS)
    for (const beta of BETAS)
      for (const gamma of period > 1 ? GAMMAS : [0]) {
        const p = { alpha, beta, gamma, phi: PHI };
        const st = hwRun(y, period, p);
        if (!best || st.sse < best.st.sse) best = { st, p };
      }
  const { st, p } = best!;
  const sigma = Math.sqrt(st.sse / Math.max(1, st.count - 3));
  const mean: number[] = [];
  const sd: number[] = [];
  const n = y.length;
  let phiSum = 0;
  let varSum = 1;
  for (let h = 1; h <= horizon; h++) {
    phiSum += p.phi ** h;
    const s = period > 1 ? st.season[(n - 1 + h) % period] : 0;
    mean.push(st.level + phiSum * st.trend + s);
    sd.push(sigma * Math.sqrt(varSum));
    // ETS(A,Ad,A) variance recursion: c_j = α(1 + β·Σφ^i) + γ(1 − α)·[j ≡ 0 mod m].
    // Σ_{i=1..h} φ^i is phiSum already (it was a quadratic loop).
    const c = p.alpha * (1 + p.beta * phiSum) + (period > 1 && h % period === 0 ? p.gamma * (1 - p.alpha) : 0);
    varSum += c * c;
  }
  return { mean, sd, sigma, params: p };
}

/** Median; sorts `xs` in place (a typed array sorts numerically, and fast). */
function medianOf(xs: number[] | Float64Array): number {
  if (xs.length === 0) return Number.NaN;
  const v = xs instanceof Float64Array ? xs.sort() : xs.sort((a, b) => a - b);
  const k = v.length;
  return k % 2 ? v[(k - 1) / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/** Seasons of history the seasonal medians are taken over: recent enough to follow a drifting shape. */
const MEDIAN_SEASONS = 8;
/** Origins sampled for the empirical error spread of the median forecast. */
const MEDIAN_ORIGINS = 200;

/**
 * Seasonal median: the median of the latest `window` deseasonalised values (default: the horizon,
 * at least 12) plus, per phase, the median offset of that phase over the latest seasons. Medians
 * ignore isolated spikes entirely, and on spiky metrics, where the absolute error is dominated by
 * spikes nobody can time, the median is the forecast with the least expected absolute error.
 * The error sd at each horizon is measured, not modelled: the same forecast is replayed from up to
 * 200 origins across the history and the RMS error at each step ahead is taken (non-decreasing).
 */
export function seasonalMedianForecast(
  y: readonly number[],
  horizon: number,
  m: number,
  window = Math.max(12, horizon),
): ModelForecast {
  const n = y.length;
  const period = m > 1 && n >= 2 * m ? m : 1;
  const w = Math.max(1, Math.min(n, Math.floor(window)));
  const index = new Float64Array(period);
  if (period > 1) {
    const k = Math.min(n, MEDIAN_SEASONS * period);
    const base = medianOf(Float64Array.from(y.slice(n - k)));
    for (let ph = 0; ph < period; ph++) {
      const xs: number[] = [];
      // Phase of absolute position i is i % period, so the index applies to any future step.
      for (let i = n - k + ph; i < n; i += period) xs.push(y[i] - base);
      index[(n - k + ph) % period] = medianOf(xs);
    }
  }
  const d = Float64Array.from(y, (v, i) => v - index[i % period]);
  const levelAt = (end: number) => medianOf(d.slice(Math.max(0, end - w), end));
  const level = levelAt(n);
  const mean: number[] = [];
  for (let h = 1; h <= horizon; h++) mean.push(level + index[(n - 1 + h) % period]);
  // Empirical multi-step errors from past origins (each with its own trailing window).
  const ss = new Float64Array(horizon);
  const cnt = new Float64Array(horizon);
  const first = Math.min(n - 1, Math.max(w, 2));
  const step = Math.max(1, Math.floor((n - first) / MEDIAN_ORIGINS));
  for (let t = n - 1; t >= first; t -= step) {
    const l = levelAt(t);
    for (let j = 0; j < horizon && t + j < n; j++) {
      const e = d[t + j] - l;
      ss[j] += e * e;
      cnt[j]++;
    }
  }
  // `anchor` is the last measured sd (at step anchorJ + 1); steps no replay reached grow from it
  // like a random walk. Too few replays even for the first step (short history, or a window as
  // long as the history): the spread of the recent values around the level stands in for it.
  let anchor = 0;
  let anchorJ = 0;
  if (cnt[0] < 5) {
    const recent = d.slice(-Math.max(w, 50));
    let s2 = 0;
    for (const v of recent) s2 += (v - level) ** 2;
    anchor = Math.sqrt(s2 / Math.max(1, recent.length - 1));
  }
  const sd: number[] = [];
  for (let j = 0; j < horizon; j++) {
    const prev = j > 0 ? sd[j - 1] : 0;
    if (cnt[j] >= 5) {
      anchor = Math.max(prev, Math.sqrt(ss[j] / cnt[j]));
      anchorJ = j;
      sd.push(anchor);
    } else sd.push(Math.max(prev, anchor * Math.sqrt((j + 1) / (anchorJ + 1))));
  }
  return { mean, sd, sigma: sd[0] ?? 0 };
}

/**
 * Equal-weight combination of Holt-Winters and the seasonal median. Averaging a smooth-state model
 * with a robust one is more accurate on average than either (forecast combination); the error sd
 * is taken as the mean of the two sds, an upper bound for the sd of the averaged error.
 */
export function combinedForecast(y: readonly number[], horizon: number, m: number): ModelForecast {
  const a = holtWintersForecast(y, horizon, m);
  const b = seasonalMedianForecast(y, horizon, m);
  return {
    mean: a.mean.map((v, i) => (v + b.mean[i]) / 2),
    sd: a.sd.map((v, i) => (v + b.sd[i]) / 2),
    sigma: (a.sigma + b.sigma) / 2,
  };
}
