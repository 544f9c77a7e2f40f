/**
 * Turning raw observations into clean, ordered series: accepts the shapes callers have (tuples,
 * {time, value} objects, ISO strings), drops what cannot be used and says how much, sorts, merges
 * duplicate timestamps, and buckets onto a regular grid.
 */
import { quantileSorted } from './stats.js';

export type TimeInput = number | string | Date;
export type PointInput =
  | readonly [TimeInput, number | null | undefined]
  | { time?: TimeInput; timestamp?: TimeInput; t?: TimeInput; value?: number | null; v?: number | null };

export interface CleanSeries {
  /** Epoch milliseconds, strictly increasing. */
  times: number[];
  values: number[];
  dropped: {
    /** Points whose time or value was missing, NaN or infinite. */
    invalid: number;
    /** Points that shared a timestamp with a later one (the later value wins). */
    duplicates: number;
  };
  /** Whether the input had to be re-ordered by time. */
  reordered: boolean;
}

export function toEpochMs(t: TimeInput | undefined): number {
  if (typeof t === 'number') return t;
  if (t instanceof Date) return t.getTime();
  if (typeof t === 'string') {
    const s = t.trim();
    if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    // "2014-04-01 00:00:00" is common in CSVs; treat zone-less times as UTC.
    const iso = s.replace(' ', 'T');
    return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) || !iso.includes('T') ? iso : `${iso}Z`);
  }
  return Number.NaN;
}

function unpack(p: PointInput): [number, number] {
  if (Array.isArray(p)) return [toEpochMs(p[0] as TimeInput), Number(p[1] ?? Number.NaN)];
  const o = p as Exclude<PointInput, readonly unknown[]>;
  return [toEpochMs(o.time ?? o.timestamp ?? o.t), Number(o.value ?? o.v ?? Number.NaN)];
}

export function cleanSeries(points: readonly PointInput[]): CleanSeries {
  const pairs: [number, number][] = [];
  let invalid = 0;
  for (const p of points) {
    const [t, v] = unpack(p);
    if (Number.isFinite(t) && Number.isFinite(v)) pairs.push([t, v]);
    else invalid++;
  }
  let reordered = false;
  for (let i = 1; i < pairs.length && !reordered; i++) reordered = pairs[i][0] < pairs[i - 1][0];
  if (reordered) pairs.sort((a, b) => a[0] - b[0]); // stable: equal times keep input order
  const times: number[] = [];
  const values: number[] = [];
  let duplicates = 0;
  for (const [t, v] of pairs) {
    if (times.length > 0 && times[times.length - 1] === t) {
      values[values.length - 1] = v;
      duplicates++;
    } else {
      times.push(t);
      values.push(v);
    }
  }
  return { times, values, dropped: { invalid, duplicates }, reordered };
}

export type BucketAggregation = 'avg' | 'sum' | 'min' | 'max' | 'count' | 'last' | 'p50' | 'p90' | 'p95' | 'p99';
export type FillPolicy = 'none' | 'zero' | 'previous' | 'linear';

export interface TimeSeriesOptions {
  stepMs: number;
  aggregation?: BucketAggregation;
  /** What empty buckets get (default 'none': they are left out). */
  fill?: FillPolicy;
  /** Grid bounds (ms); default from the first to the last point. */
  fromMs?: number;
  toMs?: number;
}

export interface TimeSeries {
  stepMs: number;
  /** Bucket start times (ms). */
  times: number[];
  values: number[];
}

/** Bucket points onto a regular grid of `stepMs`, aggregating each bucket. */
export function createTimeSeries(points: readonly PointInput[], opts: TimeSeriesOptions): TimeSeries {
  if (!(opts.stepMs > 0) || !Number.isFinite(opts.stepMs)) throw new RangeError('stepMs must be a positive number');
  const { times, values } = cleanSeries(points);
  const agg = opts.aggregation ?? 'avg';
  const step = opts.stepMs;
  const from = Math.floor((opts.fromMs ?? times[0] ?? 0) / step) * step;
  const to = opts.toMs ?? times[times.length - 1] ?? from;
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < times.length; i++) {
    if (times[i] < from || times[i] > to) continue;
    const b = Math.floor(times[i] / step) * step;
    const arr = buckets.get(b);
    if (arr) arr.push(values[i]);
    else buckets.set(b, [values[i]]);
  }
  const outT: number[] = [];
  const outV: number[] = [];
  const fill = opts.fill ?? 'none';
  if (times.length === 0) return { stepMs: step, times: outT, values: outV };
  const nBuckets = Math.floor((to - from) / step) + 1;
  if (nBuckets > 10_000_000) throw new RangeError('time range / step gives more than 10 million buckets');
  for (let b = from; b <= to; b += step) {
    const arr = buckets.get(b);
    if (arr) {
      outT.push(b);
      outV.push(aggregate(arr, agg));
    } else if (fill !== 'none') {
      outT.push(b);
      outV.push(fill === 'zero' ? 0 : Number.NaN);
    }
  }
  if (fill === 'previous' || fill === 'linear') fillGaps(outV, fill);
  return { stepMs: step, times: outT, values: outV };
}

function aggregate(xs: number[], agg: BucketAggregation): number {
  switch (agg) {
    case 'sum':
      return xs.reduce((a, b) => a + b, 0);
    case 'min':
      return Math.min(...xs);
    case 'max':
      return Math.max(...xs);
    case 'count':
      return xs.length;
    case 'last':
      return xs[xs.length - 1];
    case 'avg':
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    default: {
      const q = Number(agg.slice(1)) / 100;
      return quantileSorted(Float64Array.from(xs).sort(), q);
    }
  }
}

/** Fill NaN gaps in place by carrying the previous value or interpolating linearly. */
function fillGaps(v: number[], how: 'previous' | 'linear'): void {
  let last = -1;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isNaN(v[i])) {
      if (how === 'linear' && last >= 0 && i - last > 1) {
        for (let k = last + 1; k < i; k++) v[k] = v[last] + ((v[i] - v[last]) * (k - last)) / (i - last);
      }
      last = i;
    } else if (how === 'previous' && last >= 0) {
      v[i] = v[last];
    }
  }
  // Leading gaps (and trailing ones for linear) take the nearest known value.
  const first = v.findIndex((x) => !Number.isNaN(x));
  if (first < 0) return;
  for (let i = 0; i < first; i++) v[i] = v[first];
  for (let i = v.length - 1; i >= 0 && Number.isNaN(v[i]); i--) v[i] = v[last];
}
