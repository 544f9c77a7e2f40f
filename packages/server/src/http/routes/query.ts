/** Read API: traces, dashboard, metric and span series, logs, anomalies, alerts. */
import {
  type AlertState,
  parseEnum,
  parseLimit,
  parseList,
  parseNumber,
  parseRange,
  parseStep,
  parseTraceId,
  QueryError,
  SERIES_AGGREGATIONS,
  SPAN_KINDS,
  SPAN_MEASURES,
  SPAN_STATUSES,
} from '@vigil/core';
import type { FastifyInstance } from 'fastify';
import { projectOf } from '../auth.js';
import type { RouteContext } from '../context.js';
import { HttpError } from '../errors.js';

type Query = Record<string, string | undefined>;

const SPAN_GROUPS = ['model', 'agent', 'kind', 'service', 'provider'] as const;
const ALERT_STATES: readonly AlertState[] = ['pending', 'firing', 'acknowledged', 'resolved', 'silenced'];
const SEVERITY_NAMES: Record<string, number> = {
  trace: 1,
  debug: 5,
  info: 9,
  warn: 13,
  warning: 13,
  error: 17,
  fatal: 21,
};

function str(q: Query, key: string): string | undefined {
  const v = q[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function parseSeverity(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const named = SEVERITY_NAMES[value.toLowerCase()];
  if (named !== undefined) return named;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 24)
    throw new QueryError('minSeverity must be 0..24 or trace|debug|info|warn|error|fatal');
  return n;
}

export async function queryRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { core } = ctx;
  const read = { onRequest: ctx.auth('read') };

  app.get('/api/v1/traces', read, async (request) => {
    const q = request.query as Query;
    return core.listTraces(projectOf(request), {
      ...parseRange(q),
      agent: str(q, 'agent'),
      model: str(q, 'model'),
      status: parseEnum('status', str(q, 'status'), SPAN_STATUSES),
      kind: parseEnum('kind', str(q, 'kind'), SPAN_KINDS),
      service: str(q, 'service'),
      userId: str(q, 'userId'),
      sessionId: str(q, 'sessionId'),
      text: str(q, 'text'),
      minDurationMs: parseNumber('minDurationMs', str(q, 'minDurationMs')),
      minCostUsd: parseNumber('minCostUsd', str(q, 'minCostUsd')),
      limit: parseLimit(str(q, 'limit')),
      cursor: str(q, 'cursor') ?? null,
    });
  });

  app.get('/api/v1/traces/:traceId', read, async (request) => {
    const { traceId } = request.params as { traceId: string };
    const trace = await core.getTrace(projectOf(request), parseTraceId(traceId));
    if (!trace) throw new HttpError(404, 'not_found', `trace ${traceId} not found`);
    return trace;
  });

  app.get('/api/v1/dashboard', read, async (request) => {
    return core.getDashboardData(projectOf(request), parseRange(request.query as Query));
  });

  app.get('/api/v1/metrics/query', read, async (request) => {
    const q = request.query as Query;
    const name = str(q, 'name');
    if (!name) throw new QueryError('name is required');
    const range = parseRange(q);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(q)) if (k.startsWith('label.') && typeof v === 'string') labels[k.slice(6)] = v;
    return core.metricSeries(projectOf(request), {
      ...range,
      name,
      stepMs: parseStep(str(q, 'step'), range),
      aggregation: parseEnum('aggregation', str(q, 'aggregation'), SERIES_AGGREGATIONS) ?? 'avg',
      groupBy: parseList(str(q, 'groupBy')),
      labels: Object.keys(labels).length ? labels : undefined,
    });
  });

  app.get('/api/v1/spans/series', read, async (request) => {
    const q = request.query as Query;
    const range = parseRange(q);
    return core.spanSeries(projectOf(request), {
      ...range,
      stepMs: parseStep(str(q, 'step'), range),
      measure: parseEnum('measure', str(q, 'measure'), SPAN_MEASURES) ?? 'count',
      groupBy: parseEnum('groupBy', str(q, 'groupBy'), SPAN_GROUPS),
      kind: parseEnum('kind', str(q, 'kind'), SPAN_KINDS),
      model: str(q, 'model'),
      agent: str(q, 'agent'),
    });
  });

  app.get('/api/v1/logs', read, async (request) => {
    const q = request.query as Query;
    const traceId = str(q, 'traceId');
    return core.listLogs(projectOf(request), {
      ...parseRange(q),
      traceId: traceId ? parseTraceId(traceId) : undefined,
      minSeverity: parseSeverity(str(q, 'minSeverity')),
      text: str(q, 'text'),
      limit: parseLimit(str(q, 'limit')),
      cursor: str(q, 'cursor') ?? null,
    });
  });

  app.get('/api/v1/anomalies', read, async (request) => {
    const q = request.query as Query;
    return core.listAnomalies(projectOf(request), {
      ...parseRange(q),
      metric: str(q, 'metric'),
      limit: parseLimit(str(q, 'limit')),
    });
  });

  app.get('/api/v1/alerts', read, async (request) => {
    const q = request.query as Query;
    const states = parseList(str(q, 'state'))?.map((s) => parseEnum('state', s, ALERT_STATES) as AlertState);
    return core.listAlerts(projectOf(request), { states, limit: parseLimit(str(q, 'limit'), 500, 1000) });
  });

  app.post('/api/v1/alerts/:id/ack', { onRequest: ctx.auth('write') }, async (request) => {
    const { id } = request.params as { id: string };
    const alert = await core.ackAlert(projectOf(request), id, request.auth?.name ?? 'api');
    if (!alert) throw new HttpError(404, 'not_found', `alert ${id} not found`);
    return alert;
  });
}
