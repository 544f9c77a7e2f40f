/**
 * Aggregate views computed in the store: error groups, service map, cost breakdown and month-end
 * forecast, one agent's detail, model errors by kind. Thin handlers: parse, call the core, return.
 */
import { COST_GROUPS, parseEnum, parseLimit, parseNumber, parseRange, parseStep, QueryError } from '@vigil/core';
import type { FastifyInstance } from 'fastify';
import { projectOf } from '../auth.js';
import type { RouteContext } from '../context.js';

type Query = Record<string, string | undefined>;

const str = (q: Query, key: string): string | undefined => {
  const v = q[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

export async function insightsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { core } = ctx;
  const read = { onRequest: ctx.auth('read') };

  app.get('/api/v1/errors/groups', read, async (request) => {
    const q = request.query as Query;
    const range = parseRange(q);
    // ~24 buckets per group by default: enough for a sparkline, small per group.
    const stepMs = str(q, 'step') ? parseStep(str(q, 'step'), range, 1000) : parseStep(undefined, range, 1000) * 5;
    return core.errorGroups(projectOf(request), { ...range, stepMs, limit: parseLimit(str(q, 'limit'), 100, 1000) });
  });

  app.get('/api/v1/service-map', read, async (request) => {
    return core.serviceMap(projectOf(request), parseRange(request.query as Query));
  });

  app.get('/api/v1/cost/breakdown', read, async (request) => {
    const q = request.query as Query;
    const groupBy = parseEnum('groupBy', str(q, 'groupBy'), COST_GROUPS) ?? 'model';
    return core.costBreakdown(projectOf(request), parseRange(q), groupBy, parseLimit(str(q, 'limit'), 50, 1000));
  });

  app.get('/api/v1/cost/forecast', read, async (request) => {
    const q = request.query as Query;
    const confidence = parseNumber('confidence', str(q, 'confidence')) ?? 0.95;
    if (!(confidence > 0 && confidence < 1)) throw new QueryError('confidence must be between 0 and 1');
    return core.costForecast(projectOf(request), { confidence });
  });

  app.get('/api/v1/agents/:id', read, async (request) => {
    const { id } = request.params as { id: string };
    if (!id || id.length > 500) throw new QueryError('agent id must be 1..500 characters');
    return core.agentDetail(projectOf(request), id, parseRange(request.query as Query));
  });

  app.get('/api/v1/models/errors', read, async (request) => {
    return core.modelErrors(projectOf(request), parseRange(request.query as Query));
  });
}
