/**
 * Analytics API: on-demand anomaly detection, predictions with capacity crossings, and the
 * performance report. Handlers translate the request, call one core function, translate back;
 * the continuous anomaly monitor is started here and stopped with the app.
 */
import {
  ALGORITHMS,
  anomalyToJson,
  createPerformanceReport,
  FORECAST_MODELS,
  generatePrediction,
  type MetricPoint,
  num,
  type Prediction,
  parseDuration,
  parseEnum,
  parseRange,
  parseStep,
  predictCrossing,
  QueryError,
  type Sensitivity,
  SPAN_MEASURES,
  type SpanRecord,
  type Store,
  type TimeRange,
  usToIso,
} from '@vigil/core';
import type { FastifyInstance } from 'fastify';
import { runDetection } from '../../analytics/detection.js';
import { AnomalyMonitor } from '../../analytics/monitor.js';
import { projectOf } from '../auth.js';
import type { RouteContext } from '../context.js';

type Body = Record<string, unknown>;
const SENSITIVITIES: readonly Sensitivity[] = ['low', 'medium', 'high'];
/** Spans read for one report period at most; the report says when it was cut. */
const REPORT_SPAN_CAP = 200_000;

const text = (b: Body, k: string): string | undefined => {
  const v = b[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new QueryError(`${k} must be a string`);
  return v;
};

function bodyOf(request: { body?: unknown }): Body {
  const b = request.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw new QueryError('body must be a JSON object');
  return b as Body;
}

function predictionToJson(p: Prediction) {
  return {
    metric: p.metric,
    labels: p.labels,
    status: p.status,
    message: p.message,
    model: p.model,
    confidence: p.confidence,
    stepMs: num(p.stepMs),
    seasonLength: p.seasonLength,
    historyPoints: p.historyPoints,
    points: p.points.map((x) => ({
      time: new Date(x.timeMs).toISOString(),
      value: num(x.value),
      lower: num(x.lower),
      upper: num(x.upper),
    })),
    backtest: p.backtest.map((b) => ({ model: b.model, mae: num(b.mae), mase: num(b.mase), origins: b.origins })),
  };
}

async function readSpans(
  store: Store,
  project: string,
  range: TimeRange,
): Promise<{ spans: SpanRecord[]; truncated: boolean }> {
  const spans: SpanRecord[] = [];
  for await (const batch of store.exportSpans(project, range, 5000)) {
    spans.push(...batch);
    if (spans.length >= REPORT_SPAN_CAP) return { spans: spans.slice(0, REPORT_SPAN_CAP), truncated: true };
  }
  return { spans, truncated: false };
}

/** System gauges of the range as metric points (one per step), for the report's capacity checks. */
async function readSystemMetrics(store: Store, project: string, range: TimeRange): Promise<MetricPoint[]> {
  const latest = await store.latestMetrics(project, range, 'system.');
  const names = [...new Set(latest.map((m) => m.name))];
  const stepMs = parseStep(undefined, range);
  const out: MetricPoint[] = [];
  for (const name of names) {
    for (const s of await store.metricSeries(project, { ...range, name, stepMs, aggregation: 'avg' })) {
      for (const [t, v] of s.points)
        out.push({
          project,
          name,
          type: 'gauge',
          unit: '',
          timeUs: t * 1000,
          value: v,
          histogram: null,
          labels: s.labels,
          serviceName: '',
        });
    }
  }
  return out;
}

export async function analyticsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { core } = ctx;
  const store = core.store as Store;
  const extraMetrics = ctx.config.anomalyMetrics
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);

  // Continuous detection on what was ingested (disabled with anomalyIntervalMs: 0).
  const intervalMs = ctx.config.anomalyIntervalMs;
  if (intervalMs > 0) {
    const monitor = new AnomalyMonitor(store, {
      intervalMs,
      metrics: extraMetrics,
      onAnomaly: (a) => ctx.live.publish(a.project, 'anomaly', anomalyToJson(a)),
      onError: (err) => app.log.warn({ err }, 'anomaly detection pass failed'),
    });
    monitor.start();
    app.addHook('onClose', async () => monitor.stop());
  }

  app.post('/api/v1/anomalies/detect', { onRequest: ctx.auth('write') }, async (request) => {
    const b = bodyOf(request);
    const range = parseRange({ from: text(b, 'from'), to: text(b, 'to') });
    const metrics = b.metrics;
    if (metrics !== undefined && !(Array.isArray(metrics) && metrics.every((m) => typeof m === 'string' && m !== '')))
      throw new QueryError('metrics must be an array of metric names');
    const r = await runDetection(store, projectOf(request), {
      range,
      stepMs: parseStep(text(b, 'step'), range),
      algorithm: parseEnum('algorithm', text(b, 'algorithm'), [...ALGORITHMS, 'auto'] as const),
      sensitivity: parseEnum('sensitivity', text(b, 'sensitivity'), SENSITIVITIES),
      metrics: [...extraMetrics, ...((metrics as string[] | undefined) ?? [])],
      record: b.record !== false,
    });
    for (const a of r.anomalies) ctx.live.publish(a.project, 'anomaly', anomalyToJson(a));
    return {
      items: r.anomalies.map(anomalyToJson),
      seriesScanned: r.seriesScanned,
      seriesSkipped: r.seriesSkipped,
      recorded: b.record !== false ? r.anomalies.length : 0,
    };
  });

  app.post('/api/v1/predictions', { onRequest: ctx.auth('read') }, async (request) => {
    const b = bodyOf(request);
    const project = projectOf(request);
    const range = parseRange({ from: text(b, 'from'), to: text(b, 'to') }, { defaultSpanMs: 7 * 86_400_000 });
    const stepMs = parseStep(text(b, 'step') ?? '1h', range);
    const metric = text(b, 'metric');
    if (!metric) throw new QueryError('metric is required (a span measure like span.p95_ms, or a metric name)');
    const rawLabels = b.labels ?? {};
    if (typeof rawLabels !== 'object' || rawLabels === null || Array.isArray(rawLabels))
      throw new QueryError('labels must be an object of strings');
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawLabels)) {
      if (typeof v !== 'string') throw new QueryError(`labels.${k} must be a string`);
      labels[k] = v;
    }
    let points: [number, number][];
    if (metric.startsWith('span.')) {
      // Span measures filter by model and agent (labels.model, labels.agent).
      const measure = parseEnum('metric', metric.slice(5), SPAN_MEASURES)!;
      const series = await store.spanSeries(project, {
        ...range,
        stepMs,
        measure,
        model: labels.model,
        agent: labels.agent,
      });
      points = series[0]?.points ?? [];
    } else {
      const filter = labels;
      const series = await store.metricSeries(project, {
        ...range,
        name: metric,
        stepMs,
        aggregation: 'avg',
        labels: Object.keys(filter).length ? filter : undefined,
      });
      points = series[0]?.points ?? [];
    }
    const horizonMs = parseDuration('horizon', text(b, 'horizon'));
    const periodRaw = b.forecastPeriod;
    if (periodRaw !== undefined && !(typeof periodRaw === 'number' && Number.isInteger(periodRaw) && periodRaw >= 1))
      throw new QueryError('forecastPeriod must be a positive integer (steps)');
    const forecastPeriod =
      (periodRaw as number | undefined) ?? (horizonMs ? Math.max(1, Math.ceil(horizonMs / stepMs)) : 24);
    if (forecastPeriod > 10_000) throw new QueryError('forecastPeriod must be at most 10000 steps');
    const confidence = b.confidence === undefined ? 0.95 : Number(b.confidence);
    if (!(confidence > 0 && confidence < 1)) throw new QueryError('confidence must be between 0 and 1');
    const model = parseEnum('model', text(b, 'model'), [...FORECAST_MODELS, 'auto'] as const);
    const opts = {
      metric,
      labels,
      points,
      forecastPeriod,
      confidence,
      model,
      includeSeasonality: b.includeSeasonality !== false,
    };
    if (b.limit !== undefined) {
      const limit = Number(b.limit);
      if (!Number.isFinite(limit)) throw new QueryError('limit must be a number');
      const direction = parseEnum('direction', text(b, 'direction'), ['above', 'below'] as const);
      const c = predictCrossing({ ...opts, limit, direction });
      return {
        ...predictionToJson(c.prediction),
        crossing: {
          limit: c.limit,
          direction: c.direction,
          alreadyCrossed: c.alreadyCrossed,
          at: c.crossesAtMs === null ? null : new Date(c.crossesAtMs).toISOString(),
          earliest: c.earliestMs === null ? null : new Date(c.earliestMs).toISOString(),
          latest: c.latestMs === null ? null : new Date(c.latestMs).toISOString(),
          inMs: num(c.inMs),
          summary: c.summary,
        },
      };
    }
    return predictionToJson(generatePrediction(opts));
  });

  app.get('/api/v1/reports/performance', { onRequest: ctx.auth('read') }, async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const project = projectOf(request);
    const range = parseRange(q);
    const slo = q.sloMs === undefined || q.sloMs === '' ? undefined : Number(q.sloMs);
    if (slo !== undefined && !(slo > 0)) throw new QueryError('sloMs must be a positive number');
    const span = range.toUs - range.fromUs;
    const [cur, prev, metrics] = await Promise.all([
      readSpans(store, project, range),
      readSpans(store, project, { fromUs: range.fromUs - span, toUs: range.fromUs }),
      readSystemMetrics(store, project, range),
    ]);
    const report = createPerformanceReport({
      spans: cur.spans,
      metrics,
      timeRange: range,
      previous: { spans: prev.spans },
      sloMs: slo,
    });
    // Capacity: where the slowest models' p95 is heading relative to the objective.
    const capacity: { model: string; summary: string; at: string | null; inMs: number | null }[] = [];
    if (slo !== undefined) {
      const stepMs = parseStep(undefined, range);
      for (const m of report.slowest.models.slice(0, 3)) {
        const series = await store.spanSeries(project, { ...range, stepMs, measure: 'p95_ms', model: m.key });
        const points = series[0]?.points ?? [];
        if (points.length < 10) continue;
        const c = predictCrossing({
          metric: 'span.p95_ms',
          labels: { model: m.key },
          points,
          forecastPeriod: Math.min(500, points.length),
          limit: slo,
        });
        capacity.push({
          model: m.key,
          summary: c.summary,
          at: c.crossesAtMs === null ? null : new Date(c.crossesAtMs).toISOString(),
          inMs: num(c.inMs),
        });
        if (c.crossesAtMs !== null && !c.alreadyCrossed)
          report.recommendations.push({
            kind: 'capacity',
            severity: 'warning',
            title: `p95 latency of ${m.key} is heading past the ${slo} ms objective`,
            detail: c.summary,
            evidence: { sloMs: slo, crossesAt: new Date(c.crossesAtMs).toISOString(), model: c.prediction.model },
          });
      }
    }
    return {
      ...report,
      capacity,
      range: { from: usToIso(range.fromUs), to: usToIso(range.toUs) },
      truncated: cur.truncated || prev.truncated,
    };
  });
}
