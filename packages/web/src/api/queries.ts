/** Typed wrappers over the documented endpoints. */
import type { TimeRangeState } from '../lib/time.js';
import { stepFor, stepParam } from '../lib/time.js';
import { api, type Params } from './client.js';
import type { Alert, Anomaly, Dashboard, LogEntry, Page, SeriesResponse, TraceDetail, TraceSummary } from './types.js';

const iso = (ms: number) => new Date(ms).toISOString();

export const rangeParams = (r: { from: number; to: number }): Params => ({ from: iso(r.from), to: iso(r.to) });

export function getDashboard(r: { from: number; to: number }, signal?: AbortSignal): Promise<Dashboard> {
  return api<Dashboard>('/api/v1/dashboard', rangeParams(r), { signal });
}

export type SpanMeasure =
  | 'count'
  | 'errors'
  | 'error_rate'
  | 'avg_ms'
  | 'p50_ms'
  | 'p95_ms'
  | 'p99_ms'
  | 'tokens'
  | 'cost';

export function getSpanSeries(
  r: TimeRangeState | { from: number; to: number },
  measure: SpanMeasure,
  opts: { groupBy?: string; kind?: string; model?: string; agent?: string; step?: number; signal?: AbortSignal } = {},
): Promise<SeriesResponse> {
  const step = opts.step ?? stepFor(r.from, r.to);
  return api<SeriesResponse>(
    '/api/v1/spans/series',
    {
      ...rangeParams(r),
      measure,
      step: stepParam(step),
      groupBy: opts.groupBy,
      kind: opts.kind,
      model: opts.model,
      agent: opts.agent,
    },
    { signal: opts.signal },
  );
}

export function getMetricSeries(
  r: { from: number; to: number },
  name: string,
  opts: {
    aggregation?: string;
    groupBy?: string;
    step?: number;
    labels?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<SeriesResponse> {
  const step = opts.step ?? stepFor(r.from, r.to);
  const labels: Params = {};
  for (const [k, v] of Object.entries(opts.labels ?? {})) labels[`label.${k}`] = v;
  return api<SeriesResponse>(
    '/api/v1/metrics/query',
    {
      name,
      ...rangeParams(r),
      step: stepParam(step),
      aggregation: opts.aggregation ?? 'avg',
      groupBy: opts.groupBy,
      ...labels,
    },
    { signal: opts.signal },
  );
}

export interface TraceFilters {
  agent?: string;
  model?: string;
  status?: string;
  kind?: string;
  service?: string;
  userId?: string;
  sessionId?: string;
  text?: string;
  minDurationMs?: string;
  minCostUsd?: string;
}

export function listTraces(
  r: { from: number; to: number },
  filters: TraceFilters,
  opts: { limit?: number; cursor?: string | null; signal?: AbortSignal } = {},
): Promise<Page<TraceSummary>> {
  return api<Page<TraceSummary>>(
    '/api/v1/traces',
    { ...rangeParams(r), ...(filters as Params), limit: opts.limit ?? 50, cursor: opts.cursor },
    { signal: opts.signal },
  );
}

export function getTrace(id: string, signal?: AbortSignal): Promise<TraceDetail> {
  return api<TraceDetail>(`/api/v1/traces/${encodeURIComponent(id)}`, undefined, { signal });
}

/** Logs correlated with one trace; the range spans the trace with a margin for clock skew. */
export function traceLogs(
  traceId: string,
  r: { from: number; to: number },
  signal?: AbortSignal,
): Promise<Page<LogEntry>> {
  return api<Page<LogEntry>>('/api/v1/logs', { traceId, ...rangeParams(r), limit: 200 }, { signal });
}

export function listAlerts(states: string[], signal?: AbortSignal): Promise<{ items: Alert[] }> {
  return api<{ items: Alert[] }>('/api/v1/alerts', { state: states.join(',') }, { signal });
}

export function ackAlert(id: string): Promise<Alert> {
  return api<Alert>(`/api/v1/alerts/${encodeURIComponent(id)}/ack`, undefined, { method: 'POST' });
}

export function listAnomalies(
  r: { from: number; to: number },
  opts: { metric?: string; limit?: number; signal?: AbortSignal } = {},
): Promise<{ items: Anomaly[] }> {
  return api<{ items: Anomaly[] }>(
    '/api/v1/anomalies',
    { ...rangeParams(r), metric: opts.metric, limit: opts.limit ?? 200 },
    { signal: opts.signal },
  );
}

/** The previous window of the same length, for period-over-period comparison. */
export function previousRange(r: { from: number; to: number }): { from: number; to: number } {
  const d = r.to - r.from;
  return { from: r.from - d, to: r.from };
}
