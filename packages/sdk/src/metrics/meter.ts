/**
 * In-process metric aggregation: counters, gauges, histograms and summaries with labels. Recording is
 * a map lookup and a few additions; collect() turns the series touched since the last collection into
 * cumulative OTLP-shaped points for the exporter.
 */

import type { HistogramData, MetricData, MetricPointData, SummaryData } from '../export/otlp-encode.js';
import { nowUs } from '../internal/clock.js';
import { warnOnce } from '../internal/diag.js';

export type Labels = Record<string, string | number | boolean | undefined>;
export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface InstrumentOptions {
  unit?: string;
  description?: string;
  /** Histogram bucket upper bounds (ascending). */
  boundaries?: number[];
  /** Summary quantiles, each in [0, 1]. Default [0.5, 0.9, 0.95, 0.99]. */
  quantiles?: number[];
}

export const DEFAULT_BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
const DEFAULT_QUANTILES = [0.5, 0.9, 0.95, 0.99];
/** Distinct label sets per instrument; beyond it new series are dropped (cardinality guard). */
const MAX_SERIES = 2000;
/** Recent observations a summary keeps per series to compute its quantiles. */
const SUMMARY_WINDOW = 1024;

interface Series {
  labels: Record<string, string>;
  startUs: number;
  dirty: boolean;
  value: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  buckets: number[] | null;
  window: number[] | null;
  windowPos: number;
}

function normalizeLabels(labels: Labels | undefined): { key: string; labels: Record<string, string> } {
  if (!labels) return { key: '', labels: {} };
  const keys = Object.keys(labels)
    .filter((k) => labels[k] !== undefined)
    .sort();
  const out: Record<string, string> = {};
  let key = '';
  for (const k of keys) {
    const v = String(labels[k]);
    out[k] = v;
    key += `${k}\u0000${v}\u0001`;
  }
  return { key, labels: out };
}

export class Instrument {
  readonly series = new Map<string, Series>();
  readonly boundaries: number[];
  readonly quantiles: number[];
  constructor(
    readonly name: string,
    readonly kind: MetricKind,
    readonly opts: InstrumentOptions,
  ) {
    this.boundaries = [...(opts.boundaries ?? DEFAULT_BOUNDARIES)].sort((a, b) => a - b);
    this.quantiles = opts.quantiles ?? DEFAULT_QUANTILES;
  }

  private get(labels: Labels | undefined): Series | undefined {
    const n = normalizeLabels(labels);
    let s = this.series.get(n.key);
    if (!s) {
      if (this.series.size >= MAX_SERIES) {
        warnOnce(
          `cardinality-${this.name}`,
          `metric ${this.name}: more than ${MAX_SERIES} label sets, new ones dropped`,
        );
        return undefined;
      }
      s = {
        labels: n.labels,
        startUs: nowUs(),
        dirty: false,
        value: 0,
        count: 0,
        sum: 0,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        buckets: this.kind === 'histogram' ? new Array(this.boundaries.length + 1).fill(0) : null,
        window: this.kind === 'summary' ? [] : null,
        windowPos: 0,
      };
      this.series.set(n.key, s);
    }
    return s;
  }

  record(value: number, labels?: Labels): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    const s = this.get(labels);
    if (!s) return;
    s.dirty = true;
    switch (this.kind) {
      case 'counter':
        if (value >= 0) s.value += value; // counters only go up
        return;
      case 'gauge':
        s.value = value;
        return;
      case 'histogram': {
        s.count++;
        s.sum += value;
        if (value < s.min) s.min = value;
        if (value > s.max) s.max = value;
        const b = this.boundaries;
        let i = 0;
        while (i < b.length && value > b[i]) i++; // OTLP buckets are (prev, bound]
        (s.buckets as number[])[i]++;
        return;
      }
      case 'summary': {
        s.count++;
        s.sum += value;
        const w = s.window as number[];
        if (w.length < SUMMARY_WINDOW) w.push(value);
        else {
          w[s.windowPos] = value;
          s.windowPos = (s.windowPos + 1) % SUMMARY_WINDOW;
        }
        return;
      }
    }
  }

  collect(timeUs: number): MetricPointData[] {
    const points: MetricPointData[] = [];
    for (const s of this.series.values()) {
      if (!s.dirty) continue;
      s.dirty = false;
      const p: MetricPointData = { labels: s.labels, startUs: s.startUs, timeUs, value: s.value };
      if (this.kind === 'histogram') {
        const h: HistogramData = {
          count: s.count,
          sum: s.sum,
          min: s.min,
          max: s.max,
          bounds: this.boundaries,
          counts: [...(s.buckets as number[])],
        };
        p.histogram = h;
        p.value = s.count > 0 ? s.sum / s.count : 0;
      } else if (this.kind === 'summary') {
        const sorted = [...(s.window as number[])].sort((a, b) => a - b);
        const sd: SummaryData = {
          count: s.count,
          sum: s.sum,
          quantiles: this.quantiles.map((q) => ({
            quantile: q,
            value: sorted.length
              ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
              : 0,
          })),
        };
        p.summary = sd;
        p.value = s.count > 0 ? s.sum / s.count : 0;
      }
      points.push(p);
    }
    return points;
  }
}

export interface Counter {
  add(value?: number, labels?: Labels): void;
}
export interface Gauge {
  set(value: number, labels?: Labels): void;
}
export interface Histogram {
  record(value: number, labels?: Labels): void;
}
export interface Summary {
  observe(value: number, labels?: Labels): void;
}

export class Meter {
  private readonly instruments = new Map<string, Instrument>();

  private instrument(name: string, kind: MetricKind, opts: InstrumentOptions = {}): Instrument {
    const existing = this.instruments.get(name);
    if (existing) {
      if (existing.kind !== kind) {
        warnOnce(`kind-${name}`, `metric ${name} is a ${existing.kind}; recording it as a ${kind} is ignored`);
        return new Instrument(name, kind, opts); // detached: records go nowhere
      }
      return existing;
    }
    const inst = new Instrument(name, kind, opts);
    this.instruments.set(name, inst);
    return inst;
  }

  counter(name: string, opts?: InstrumentOptions): Counter {
    const i = this.instrument(name, 'counter', opts);
    return { add: (v = 1, labels) => i.record(v, labels) };
  }

  gauge(name: string, opts?: InstrumentOptions): Gauge {
    const i = this.instrument(name, 'gauge', opts);
    return { set: (v, labels) => i.record(v, labels) };
  }

  histogram(name: string, opts?: InstrumentOptions): Histogram {
    const i = this.instrument(name, 'histogram', opts);
    return { record: (v, labels) => i.record(v, labels) };
  }

  summary(name: string, opts?: InstrumentOptions): Summary {
    const i = this.instrument(name, 'summary', opts);
    return { observe: (v, labels) => i.record(v, labels) };
  }

  /** One-off recording by kind (used by trackMetric). */
  record(name: string, kind: MetricKind, value: number, labels?: Labels, opts?: InstrumentOptions): void {
    this.instrument(name, kind, opts).record(value, labels);
  }

  /** Series updated since the previous call, as cumulative points. */
  collect(): MetricData[] {
    const t = nowUs();
    const out: MetricData[] = [];
    for (const i of this.instruments.values()) {
      const points = i.collect(t);
      if (points.length === 0) continue;
      out.push({ name: i.name, description: i.opts.description ?? '', unit: i.opts.unit ?? '', type: i.kind, points });
    }
    return out;
  }
}
