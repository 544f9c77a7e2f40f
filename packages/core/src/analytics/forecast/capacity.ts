/**
 * Capacity planning: when does a forecast cross a limit? "At this trend, daily cost crosses $50
 * on 2024-03-02", "p95 latency crosses the 2 s SLO in 6 hours". Answers with the crossing time
 * of the point forecast and, for confidence, of the interval's near edge (the earliest plausible
 * crossing) and far edge (the latest).
 */
import { formatValue, seriesName, valueKind } from '../format.js';
import { cleanSeries } from '../timeseries.js';
import { generatePrediction, type Prediction, type PredictionOptions } from './forecast.js';

export interface CrossingOptions extends PredictionOptions {
  limit: number;
  /** 'above' (default): when the series rises to the limit; 'below': when it falls to it. */
  direction?: 'above' | 'below';
}

export interface Crossing {
  metric: string;
  labels: Record<string, string>;
  limit: number;
  direction: 'above' | 'below';
  /** Already past the limit at the last observation. */
  alreadyCrossed: boolean;
  /** First forecast time the point forecast reaches the limit; null if not within the horizon. */
  crossesAtMs: number | null;
  /** Earliest (interval edge) and latest plausible crossing; null when not within the horizon. */
  earliestMs: number | null;
  latestMs: number | null;
  /** Milliseconds from the last observation to `crossesAtMs`. */
  inMs: number | null;
  summary: string;
  prediction: Prediction;
}

export function predictCrossing(opts: CrossingOptions): Crossing {
  if (!Number.isFinite(opts.limit)) throw new RangeError('limit must be a finite number');
  const dir = opts.direction ?? 'above';
  const prediction = generatePrediction(opts);
  const past = (v: number) => (dir === 'above' ? v >= opts.limit : v <= opts.limit);
  const observed = cleanSeries(opts.points ?? []);
  const lastValue = observed.values[observed.values.length - 1];
  const name = seriesName(opts.metric, opts.labels);
  const kind = valueKind(opts.metric);
  const base = {
    metric: opts.metric,
    labels: opts.labels ?? {},
    limit: opts.limit,
    direction: dir,
    prediction,
  };
  if (prediction.status !== 'ok') {
    return {
      ...base,
      alreadyCrossed: false,
      crossesAtMs: null,
      earliestMs: null,
      latestMs: null,
      inMs: null,
      summary: `${name}: not enough data to forecast (${prediction.message})`,
    };
  }
  if (past(lastValue)) {
    return {
      ...base,
      alreadyCrossed: true,
      crossesAtMs: observed.times[observed.times.length - 1],
      earliestMs: null,
      latestMs: null,
      inMs: 0,
      summary: `${name} is already ${dir === 'above' ? 'at or above' : 'at or below'} ${formatValue(opts.limit, kind)} (${formatValue(lastValue, kind)} at the last observation)`,
    };
  }
  const pts = prediction.points;
  const first = (f: (p: (typeof pts)[number]) => number) => pts.find((p) => past(f(p)))?.timeMs ?? null;
  const crossesAtMs = first((p) => p.value);
  const earliestMs = first((p) => (dir === 'above' ? p.upper : p.lower));
  const latestMs = first((p) => (dir === 'above' ? p.lower : p.upper));
  const lastObserved = pts[0].timeMs - prediction.stepMs;
  const inMs = crossesAtMs === null ? null : crossesAtMs - lastObserved;
  const limitText = formatValue(opts.limit, kind);
  const verb = dir === 'above' ? 'rises to' : 'falls to';
  let summary: string;
  if (crossesAtMs === null) {
    const end = new Date(pts[pts.length - 1].timeMs).toISOString().slice(0, 16).replace('T', ' ');
    summary = `At this trend, ${name} stays ${dir === 'above' ? 'below' : 'above'} ${limitText} through ${end} UTC`;
    if (earliestMs !== null)
      summary += ` (it could reach it by ${fmtDate(earliestMs)} at the ${pct(prediction.confidence)} bound)`;
  } else {
    summary = `At this trend, ${name} ${verb} ${limitText} ${describeWhen(inMs!, crossesAtMs)}`;
    if (earliestMs !== null && latestMs !== null && earliestMs !== latestMs)
      summary += ` (${pct(prediction.confidence)} range: ${fmtDate(earliestMs)} – ${fmtDate(latestMs)})`;
    else if (earliestMs !== null && latestMs === null)
      summary += ` (as early as ${fmtDate(earliestMs)}; the ${pct(prediction.confidence)} interval's far edge does not cross within the horizon)`;
  }
  return { ...base, alreadyCrossed: false, crossesAtMs, earliestMs, latestMs, inMs, summary };
}

function pct(c: number): string {
  return `${Math.round(c * 100)}%`;
}

function fmtDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

function describeWhen(inMs: number, atMs: number): string {
  const h = inMs / 3_600_000;
  if (h < 1) return `in ${Math.max(1, Math.round(inMs / 60_000))} minutes`;
  if (h < 48) return `in ${Math.round(h)} hours (${fmtDate(atMs)} UTC)`;
  return `on ${new Date(atMs).toISOString().slice(0, 10)} (in ${Math.round(h / 24)} days)`;
}
