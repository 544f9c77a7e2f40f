/**
 * Evaluating a rule's condition against the store: which label sets does it hold for right now,
 * and with what value. The aggregation runs in the database (spanSeries / metricSeries), one query
 * per rule and evaluation.
 */
import type { Series, Store } from '../store/store.js';
import type { Sample } from './state.js';
import {
  type AbsenceCondition,
  type AlertCondition,
  ANOMALY_SEVERITIES,
  type AnomalyCondition,
  type MetricCondition,
  type Operator,
  type SpanMeasureCondition,
} from './types.js';

/**
 * Series queries bucket by `floor(t / step)`: with a step this wide (~317 years) any recent window
 * falls in one bucket, so the database aggregates the whole window into one value (a p95 cannot be
 * merged from smaller buckets).
 */
const WHOLE_WINDOW_STEP_MS = 1e13;

export function compare(value: number, op: Operator, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/** One value per series: the window is one bucket, but be safe if a boundary splits it. */
function windowValue(s: Series): number | null {
  if (s.points.length === 0) return null;
  return s.points[s.points.length - 1][1];
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : Number(v.toPrecision(4)).toString();
}

function windowText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

function labelText(labels: Record<string, string>): string {
  const e = Object.entries(labels);
  return e.length ? ` {${e.map(([k, v]) => `${k}=${v}`).join(', ')}}` : '';
}

/** A one-line description of a condition, for messages and the rule list. */
export function describeCondition(c: AlertCondition): string {
  const filters = (o: { kind?: string; model?: string; agent?: string }) =>
    labelText(
      Object.fromEntries(
        Object.entries({ kind: o.kind, model: o.model, agent: o.agent }).filter(([, v]) => v != null),
      ) as Record<string, string>,
    );
  switch (c.type) {
    case 'span_measure':
      return `span ${c.measure}${filters(c)} over ${windowText(c.windowMs)} ${c.operator} ${fmt(c.threshold)}`;
    case 'metric':
      return `${c.aggregation}(${c.metric}${labelText(c.labels ?? {})}) over ${windowText(c.windowMs)} ${c.operator} ${fmt(c.threshold)}`;
    case 'anomaly':
      return `${c.minSeverity}+ anomaly on ${c.metric} within ${windowText(c.windowMs)}`;
    case 'absence':
      return `no ${c.source === 'spans' ? `spans${filters(c)}` : `points of ${c.metric}${labelText(c.labels ?? {})}`} for ${windowText(c.windowMs)}`;
  }
}

async function spanMeasure(store: Store, project: string, c: SpanMeasureCondition, nowUs: number): Promise<Sample[]> {
  const range = { fromUs: nowUs - c.windowMs * 1000, toUs: nowUs };
  const q = {
    ...range,
    stepMs: WHOLE_WINDOW_STEP_MS,
    kind: c.kind,
    model: c.model,
    agent: c.agent,
    groupBy: c.groupBy,
  };
  const [values, counts] = await Promise.all([
    store.spanSeries(project, { ...q, measure: c.measure }),
    (c.minSamples ?? 1) > 1 ? store.spanSeries(project, { ...q, measure: 'count' }) : Promise.resolve(null),
  ]);
  const countOf = new Map(counts?.map((s) => [JSON.stringify(s.labels), windowValue(s) ?? 0]));
  const out: Sample[] = [];
  for (const s of values) {
    const v = windowValue(s);
    if (v == null || !compare(v, c.operator, c.threshold)) continue;
    if (counts && (countOf.get(JSON.stringify(s.labels)) ?? 0) < (c.minSamples ?? 1)) continue;
    out.push({
      labels: s.labels,
      value: v,
      message: `span ${c.measure}${labelText(s.labels)} is ${fmt(v)} over the last ${windowText(c.windowMs)} (${c.operator} ${fmt(c.threshold)})`,
    });
  }
  return out;
}

async function metric(store: Store, project: string, c: MetricCondition, nowUs: number): Promise<Sample[]> {
  const series = await store.metricSeries(project, {
    fromUs: nowUs - c.windowMs * 1000,
    toUs: nowUs,
    name: c.metric,
    stepMs: WHOLE_WINDOW_STEP_MS,
    aggregation: c.aggregation,
    groupBy: c.groupBy,
    labels: c.labels,
  });
  const out: Sample[] = [];
  // rate is the increase per second of the bucket; the bucket here is the huge step, not the window.
  const scale = c.aggregation === 'rate' ? WHOLE_WINDOW_STEP_MS / c.windowMs : 1;
  for (const s of series) {
    const raw = windowValue(s);
    const v = raw == null ? null : raw * scale;
    if (v == null || !compare(v, c.operator, c.threshold)) continue;
    out.push({
      labels: s.labels,
      value: v,
      message: `${c.aggregation}(${c.metric})${labelText(s.labels)} is ${fmt(v)} over the last ${windowText(c.windowMs)} (${c.operator} ${fmt(c.threshold)})`,
    });
  }
  return out;
}

/** `*` matches any run of characters; everything else literally. */
export function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(s);
}

/** How far behind its data an anomaly may be recorded (the monitor's default lookback). */
const ANOMALY_DETECTION_LAG_US = 24 * 3_600_000_000;

async function anomaly(store: Store, project: string, c: AnomalyCondition, nowUs: number): Promise<Sample[]> {
  const fromUs = nowUs - c.windowMs * 1000;
  // "Recorded in the window": detection can trail the data (the monitor re-scores a lookback), so
  // an anomaly counts when its data time or its detection time falls in the window.
  const rows = await store.listAnomalies(project, {
    fromUs: fromUs - ANOMALY_DETECTION_LAG_US,
    toUs: nowUs + 1,
    metric: c.metric.includes('*') ? undefined : c.metric,
    limit: 10_000,
  });
  const min = ANOMALY_SEVERITIES.indexOf(c.minSeverity);
  // Newest first: the first anomaly seen per series is its latest.
  const bySeries = new Map<string, Sample>();
  for (const a of rows) {
    if (a.timeUs < fromUs && a.createdUs < fromUs) continue;
    if (ANOMALY_SEVERITIES.indexOf(a.severity) < min || !globMatch(c.metric, a.metric)) continue;
    if (c.labels && !Object.entries(c.labels).every(([k, v]) => a.labels[k] === v)) continue;
    const labels = { metric: a.metric, ...a.labels };
    const key = JSON.stringify(labels);
    if (bySeries.has(key)) continue;
    bySeries.set(key, {
      labels,
      value: a.value,
      message: `${a.severity} anomaly on ${a.metric}${labelText(a.labels)}: ${a.description || `${fmt(a.value)} (expected ${fmt(a.expected)})`}`,
    });
  }
  return [...bySeries.values()];
}

async function absence(store: Store, project: string, c: AbsenceCondition, nowUs: number): Promise<Sample[]> {
  const windowFrom = nowUs - c.windowMs * 1000;
  const lookbackFrom = c.groupBy?.length ? nowUs - (c.lookbackMs ?? 86_400_000) * 1000 : windowFrom;
  const series = async (fromUs: number, toUs: number): Promise<Series[]> => {
    if (c.source === 'spans') {
      return store.spanSeries(project, {
        fromUs,
        toUs,
        stepMs: WHOLE_WINDOW_STEP_MS,
        measure: 'count',
        kind: c.kind,
        model: c.model,
        agent: c.agent,
        groupBy: c.groupBy?.[0] as 'model' | undefined,
      });
    }
    return store.metricSeries(project, {
      fromUs,
      toUs,
      name: c.metric ?? '',
      stepMs: WHOLE_WINDOW_STEP_MS,
      aggregation: 'count',
      labels: c.labels,
      groupBy: c.groupBy,
    });
  };
  const what = c.source === 'spans' ? 'spans' : `points of ${c.metric}`;
  const recent = (await series(windowFrom, nowUs)).filter((s) => (windowValue(s) ?? 0) > 0);
  if (!c.groupBy?.length) {
    return recent.length ? [] : [{ labels: {}, value: 0, message: `no ${what} for ${windowText(c.windowMs)}` }];
  }
  const present = new Set(recent.map((s) => JSON.stringify(s.labels)));
  const known = await series(lookbackFrom, windowFrom);
  return known
    .filter((s) => (windowValue(s) ?? 0) > 0 && !present.has(JSON.stringify(s.labels)))
    .map((s) => ({
      labels: s.labels,
      value: 0,
      message: `no ${what}${labelText(s.labels)} for ${windowText(c.windowMs)}`,
    }));
}

/** The label sets (group labels only) for which the condition holds at `nowUs`. */
export function evaluateCondition(store: Store, project: string, c: AlertCondition, nowUs: number): Promise<Sample[]> {
  switch (c.type) {
    case 'span_measure':
      return spanMeasure(store, project, c, nowUs);
    case 'metric':
      return metric(store, project, c, nowUs);
    case 'anomaly':
      return anomaly(store, project, c, nowUs);
    case 'absence':
      return absence(store, project, c, nowUs);
  }
}
