/**
 * generatePrediction: forecasts of a metric series with prediction intervals, from linear trend,
 * additive Holt-Winters (season found automatically), seasonal naive, seasonal median, or the
 * Holt-Winters/median combination; 'auto' picks the model with the lowest error in a
 * rolling-origin backtest over the series' own history (the data it was given, nothing later).
 */

import { detectSeasonality, medianStep } from '../seasonality.js';
import { normalQuantile } from '../stats.js';
import { cleanSeries, createTimeSeries, type PointInput } from '../timeseries.js';
import { naiveScale } from './accuracy.js';
import {
  combinedForecast,
  holtWintersForecast,
  linearForecast,
  type ModelForecast,
  type ModelName,
  seasonalMedianForecast,
  seasonalNaiveForecast,
} from './models.js';

export type { ModelName } from './models.js';

/**
 * Auto picks freely among the general models; a special-purpose one (a straight line, or
 * repeating the last season) must have under 90% of their best backtest MAE, since a handful of
 * backtest origins is a noisy judge.
 */
const AUTO_MARGIN = 0.9;
const GENERAL_MODELS: readonly ModelName[] = ['holt_winters', 'seasonal_median', 'combined'];
/**
 * Backtest origins per candidate. Fewer made auto's choice noisy enough to lose to always using
 * 'combined' on bench/forecast; 16 costs ~16 fits per model (tens of ms on 5000 points).
 */
const AUTO_ORIGINS = 16;
export const FORECAST_MODELS = ['linear', 'holt_winters', 'seasonal_naive', 'seasonal_median', 'combined'] as const;

export interface PredictionOptions {
  metric: string;
  labels?: Record<string, string>;
  points: readonly PointInput[];
  /** Steps ahead, in units of the series' (median) sampling step. */
  forecastPeriod: number;
  /** Interval coverage in (0, 1), default 0.95. */
  confidence?: number;
  /** Look for hourly/daily/weekly seasonality (default true). */
  includeSeasonality?: boolean;
  model?: ModelName | 'auto';
  /** Force the season length in points. */
  seasonLength?: number;
  /** Fit on at most this many of the latest points (default 5000). */
  maxHistory?: number;
}

export interface PredictionPoint {
  timeMs: number;
  value: number;
  lower: number;
  upper: number;
}

export interface BacktestScore {
  model: ModelName;
  /** Mean absolute error over the backtest forecasts. */
  mae: number;
  /** MAE scaled by the in-sample MAE of the seasonal naive forecast y[t] − y[t−m] (m = 1 without a season). */
  mase: number;
  origins: number;
}

export interface Prediction {
  metric: string;
  labels: Record<string, string>;
  status: 'ok' | 'insufficient_data';
  message: string | null;
  model: ModelName;
  confidence: number;
  stepMs: number;
  seasonLength: number | null;
  points: PredictionPoint[];
  /** Backtest of each candidate model when `model` was 'auto'. */
  backtest: BacktestScore[];
  historyPoints: number;
}

export function fitModel(model: ModelName, y: readonly number[], horizon: number, m: number): ModelForecast {
  switch (model) {
    case 'linear':
      return linearForecast(y, horizon);
    case 'seasonal_naive':
      return seasonalNaiveForecast(y, horizon, m);
    case 'holt_winters':
      return holtWintersForecast(y, horizon, m);
    case 'seasonal_median':
      return seasonalMedianForecast(y, horizon, m);
    case 'combined':
      return combinedForecast(y, horizon, m);
  }
}

/**
 * Rolling-origin evaluation: forecast `horizon` steps from each of `origins` cut points spread
 * over the last part of the series, each fit only on data before its cut.
 */
export function backtest(
  y: readonly number[],
  model: ModelName,
  horizon: number,
  m: number,
  origins = AUTO_ORIGINS,
): BacktestScore {
  const n = y.length;
  const minTrain = Math.max(2 * m + 2, 10);
  const span = n - horizon - minTrain;
  let abs = 0;
  let count = 0;
  let used = 0;
  if (span > 0) {
    const k = Math.min(origins, span);
    for (let o = 0; o < k; o++) {
      const cut = n - horizon - Math.floor((o * span) / Math.max(1, k) / 2);
      const train = y.slice(0, cut);
      const f = fitModel(model, train, horizon, m);
      for (let h = 0; h < horizon && cut + h < n; h++) {
        abs += Math.abs(y[cut + h] - f.mean[h]);
        count++;
      }
      used++;
    }
  }
  const mae = count > 0 ? abs / count : Number.POSITIVE_INFINITY;
  const scale = naiveScale(y, m);
  return { model, mae, mase: scale > 0 ? mae / scale : mae === 0 ? 0 : Number.POSITIVE_INFINITY, origins: used };
}

export function generatePrediction(opts: PredictionOptions): Prediction {
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must be in (0, 1)');
  const horizon = Math.floor(opts.forecastPeriod);
  if (!(horizon >= 1 && horizon <= 100_000)) throw new RangeError('forecastPeriod must be 1..100000 steps');
  const requested = opts.model ?? 'auto';
  if (requested !== 'auto' && !(FORECAST_MODELS as readonly string[]).includes(requested))
    throw new RangeError(`unknown model "${requested}"; use auto, ${FORECAST_MODELS.join(', ')}`);
  const clean = cleanSeries(opts.points ?? []);
  const stepMs = medianStep(clean.times);
  const labels = opts.labels ?? {};
  const none = (message: string): Prediction => ({
    metric: opts.metric,
    labels,
    status: 'insufficient_data',
    message,
    model: requested === 'auto' ? 'linear' : requested,
    confidence,
    stepMs: Number.isFinite(stepMs) ? stepMs : 0,
    seasonLength: null,
    points: [],
    backtest: [],
    historyPoints: clean.times.length,
  });
  if (clean.times.length < 3 || !Number.isFinite(stepMs))
    return none(`need at least 3 valid points, got ${clean.times.length}`);
  // Put the history on a regular grid (gaps interpolated) so "one step" means one thing.
  const grid = createTimeSeries(
    clean.times.map((t, i): [number, number] => [t, clean.values[i]]),
    { stepMs, aggregation: 'avg', fill: 'linear' },
  );
  const maxHistory = Math.max(10, opts.maxHistory ?? 5000);
  const y = grid.values.slice(-maxHistory);
  const lastTime = grid.times[grid.times.length - 1];
  let m = 1;
  if (opts.seasonLength && opts.seasonLength > 1) m = Math.floor(opts.seasonLength);
  else if (opts.includeSeasonality !== false) {
    const times = grid.times.slice(-maxHistory);
    const s = detectSeasonality(times, y);
    if (s.periodMs !== null) m = s.lag;
  }
  if (y.length < 2 * m + 2) m = 1;
  let model: ModelName;
  let scores: BacktestScore[] = [];
  if (requested === 'auto') {
    const h = Math.min(horizon, Math.max(1, Math.floor(y.length / 4)));
    scores = FORECAST_MODELS.map((name) => backtest(y, name, h, m));
    scores.sort((a, b) => a.mae - b.mae);
    const general = scores.find((s) => GENERAL_MODELS.includes(s.model))!;
    model = Number.isFinite(scores[0].mae) ? scores[0].model : m > 1 ? 'seasonal_naive' : 'linear';
    if (!GENERAL_MODELS.includes(model) && Number.isFinite(general.mae) && scores[0].mae > AUTO_MARGIN * general.mae)
      model = general.model;
  } else {
    model = requested;
  }
  const f = fitModel(model, y, horizon, m);
  const z = normalQuantile(0.5 + confidence / 2);
  const points: PredictionPoint[] = f.mean.map((v, i) => {
    const w = z * (Number.isFinite(f.sd[i]) ? f.sd[i] : 0);
    return { timeMs: lastTime + (i + 1) * stepMs, value: v, lower: v - w, upper: v + w };
  });
  return {
    metric: opts.metric,
    labels,
    status: 'ok',
    message: null,
    model,
    confidence,
    stepMs,
    seasonLength: m > 1 ? m : null,
    points,
    backtest: scores,
    historyPoints: y.length,
  };
}
