/**
 * Batch anomaly detection over one series: clean the input, run a streaming detector over it (so
 * batch and live detection agree point for point), group consecutive anomalous points into one
 * event, and describe each event as an AnomalyRecord a person can act on.
 */
import type { AnomalyRecord } from '../store/store.js';
import { EnsembleDetector } from './detectors/ensemble.js';
import {
  type Algorithm,
  type AnyDetectorOptions,
  createDetector,
  DEFAULT_ALGORITHM,
  type Expectation,
  isAlgorithm,
  SENSITIVITY_THRESHOLDS,
  type Sensitivity,
} from './detectors/index.js';
import { SeasonalDetector } from './detectors/seasonal.js';
import { compareToUsual, formatValue, seasonContext, seriesName, valueKind } from './format.js';
import { cleanSeries, type PointInput } from './timeseries.js';

export interface DetectAnomaliesOptions {
  /** Series identity, e.g. "span.p95_ms". */
  metric: string;
  labels?: Record<string, string>;
  points: readonly PointInput[];
  /** Detector; 'auto' (default) uses the ensemble when there is enough history, else robust z. */
  algorithm?: Algorithm | 'auto';
  sensitivity?: Sensitivity;
  /** Score threshold in (0, 1]; overrides sensitivity. */
  threshold?: number;
  /** Bounds for the 'threshold' algorithm. */
  upper?: number;
  lower?: number;
  /** History window of the windowed detectors, in points. */
  lookbackPeriod?: number;
  /** Points needed before anything is reported (default 20). */
  minDataPoints?: number;
  /** Only report anomalies at or after this time (ms): continuous detection over a moving range. */
  sinceMs?: number;
  project?: string;
  /** Creation time of the records (µs); default now. */
  nowUs?: number;
  detectorOptions?: AnyDetectorOptions;
}

export interface DetectAnomaliesResult {
  metric: string;
  labels: Record<string, string>;
  algorithm: Algorithm;
  threshold: number;
  status: 'ok' | 'insufficient_data';
  message: string | null;
  /** Points used after cleaning, and what was dropped. */
  points: number;
  dropped: { invalid: number; duplicates: number };
  times: number[];
  scores: number[];
  anomalies: AnomalyRecord[];
}

/** Ensemble needs this many points before its likelihood says anything. */
const ENSEMBLE_MIN_POINTS = 400;

export function detectAnomalies(opts: DetectAnomaliesOptions): DetectAnomaliesResult {
  if (typeof opts.metric !== 'string' || opts.metric === '') throw new TypeError('metric is required');
  const series = cleanSeries(opts.points ?? []);
  const n = series.times.length;
  const labels = opts.labels ?? {};
  const minPoints = Math.max(3, Math.floor(opts.minDataPoints ?? 20));
  let algorithm: Algorithm;
  if (!opts.algorithm || opts.algorithm === 'auto') {
    algorithm =
      opts.upper !== undefined || opts.lower !== undefined
        ? 'threshold'
        : n >= ENSEMBLE_MIN_POINTS
          ? DEFAULT_ALGORITHM
          : 'robust_z';
  } else if (isAlgorithm(opts.algorithm)) {
    algorithm = opts.algorithm;
  } else {
    throw new RangeError(`unknown algorithm "${opts.algorithm}"`);
  }
  const sensitivity = opts.sensitivity ?? 'medium';
  if (!(sensitivity in SENSITIVITY_THRESHOLDS)) throw new RangeError(`sensitivity must be low, medium or high`);
  const threshold =
    opts.threshold !== undefined
      ? opts.threshold
      : algorithm === 'threshold'
        ? 0.5
        : SENSITIVITY_THRESHOLDS[sensitivity];
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
  const base: DetectAnomaliesResult = {
    metric: opts.metric,
    labels,
    algorithm,
    threshold,
    status: 'ok',
    message: null,
    points: n,
    dropped: series.dropped,
    times: series.times,
    scores: [],
    anomalies: [],
  };
  if (n < minPoints && algorithm !== 'threshold') {
    return {
      ...base,
      status: 'insufficient_data',
      message: `need at least ${minPoints} valid points, got ${n}`,
      scores: series.times.map(() => 0),
    };
  }
  const detector = createDetector(algorithm, {
    // The ensemble keeps its own, longer warm-up unless the caller sets one.
    minDataPoints: algorithm === 'ensemble' && opts.minDataPoints === undefined ? undefined : minPoints,
    lookback: opts.lookbackPeriod,
    upper: opts.upper,
    lower: opts.lower,
    ...opts.detectorOptions,
  });
  // A seasonal model alongside, for the "usual" value and the period named in descriptions.
  const context =
    algorithm === 'seasonal' || algorithm === 'ensemble' ? null : new SeasonalDetector({ minDataPoints: minPoints });
  const scores: number[] = new Array(n);
  const expectations: (Expectation | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = detector.update(series.times[i], series.values[i]);
    context?.update(series.times[i], series.values[i]);
    scores[i] = i < minPoints ? 0 : s;
    expectations[i] = detector.expectation() ?? context?.expectation() ?? null;
  }
  const periodMs = seasonalPeriod(detector) ?? context?.info?.periodMs ?? null;
  const since = opts.sinceMs ?? -Infinity;
  const anomalies: AnomalyRecord[] = [];
  const nowUs = opts.nowUs ?? Date.now() * 1000;
  for (let i = 0; i < n; ) {
    if (!(scores[i] >= threshold)) {
      i++;
      continue;
    }
    // One event per run of anomalous points (allowing a single normal point inside the run).
    let j = i;
    let peak = i;
    while (j + 1 < n && (scores[j + 1] >= threshold || (j + 2 < n && scores[j + 2] >= threshold))) {
      j++;
      if (scores[j] > scores[peak]) peak = j;
    }
    if (series.times[peak] >= since) {
      anomalies.push(
        buildRecord({
          project: opts.project ?? '',
          metric: opts.metric,
          labels,
          timeMs: series.times[peak],
          value: series.values[peak],
          expectation: expectations[peak],
          score: scores[peak],
          threshold,
          detector: algorithm,
          historyPoints: peak,
          minPoints,
          periodMs,
          durationMs: series.times[j] - series.times[i],
          nowUs,
        }),
      );
    }
    i = j + 1;
  }
  return { ...base, scores, anomalies };
}

function seasonalPeriod(d: unknown): number | null {
  if (d instanceof SeasonalDetector) return d.info?.periodMs ?? null;
  if (d instanceof EnsembleDetector) return d.seasonality()?.periodMs ?? null;
  return null;
}

interface RecordInput {
  project: string;
  metric: string;
  labels: Record<string, string>;
  timeMs: number;
  value: number;
  expectation: Expectation | null;
  score: number;
  threshold: number;
  detector: string;
  historyPoints: number;
  minPoints: number;
  periodMs: number | null;
  durationMs: number;
  nowUs: number;
}

/** Severity from how improbable the event is (the score's tail) and how far off the value is. */
export function severityOf(score: number, value: number, expected: number | null): AnomalyRecord['severity'] {
  const tail = (1 - Math.min(1, Math.max(0, score))) ** 10;
  let level = tail <= 1e-9 ? 3 : tail <= 1e-6 ? 2 : tail <= 1e-4 ? 1 : 0;
  if (expected !== null && expected > 0 && value >= 0) {
    const r = value / expected;
    if (r >= 10 || r <= 0.1) level = Math.max(level, 3);
    else if (r >= 3 || r <= 0.33) level = Math.max(level, 2);
  }
  return (['low', 'medium', 'high', 'critical'] as const)[level];
}

function buildRecord(r: RecordInput): AnomalyRecord {
  const kind = valueKind(r.metric);
  const exp = r.expectation;
  const expected = exp?.expected ?? r.value;
  const lower = exp?.lower ?? r.value;
  const upper = exp?.upper ?? r.value;
  const severity = severityOf(r.score, r.value, exp ? expected : null);
  // Confidence grows with history and with the margin over the threshold.
  const history = Math.min(1, r.historyPoints / (4 * r.minPoints));
  const margin = r.threshold >= 1 ? 1 : Math.min(1, (r.score - r.threshold) / (1 - r.threshold));
  const confidence = Math.round(100 * history * (0.6 + 0.4 * margin)) / 100;
  const ctx = seasonContext(r.timeMs, r.periodMs);
  let description = `${seriesName(r.metric, r.labels)} ${formatValue(r.value, kind)}`;
  if (exp) description += `, ${compareToUsual(r.value, expected, kind)}${ctx ? ` for ${ctx}` : ''}`;
  // A band that is a point (a constant history) says nothing worth printing.
  const bandWidth = upper - lower;
  if (exp && (r.value > upper || r.value < lower) && bandWidth > 1e-6 * Math.max(1, Math.abs(expected)))
    description += ` (normal range ${formatValue(lower, kind)} – ${formatValue(upper, kind)})`;
  if (r.durationMs > 0) description += `, lasting ${formatValue(r.durationMs, 'ms')}`;
  return {
    id: anomalyId(r.project, r.metric, r.labels, r.timeMs, r.detector),
    project: r.project,
    metric: r.metric,
    labels: r.labels,
    timeUs: Math.round(r.timeMs * 1000),
    value: r.value,
    expected,
    lower,
    upper,
    score: Math.round(r.score * 1e6) / 1e6,
    severity,
    confidence,
    detector: r.detector,
    description,
    createdUs: r.nowUs,
  };
}

/** Deterministic id: re-running detection over the same data names the same events. */
export function anomalyId(
  project: string,
  metric: string,
  labels: Record<string, string>,
  timeMs: number,
  detector: string,
): string {
  const key = [project, metric, JSON.stringify(Object.entries(labels).sort()), timeMs, detector].join('\u0000');
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return `anm_${(h1 >>> 0).toString(16).padStart(8, '0')}${(h2 >>> 0).toString(16).padStart(8, '0')}`;
}
