/** `POST /api/v1/ingest`: the SDK's JSON batch. */
import type { FastifyInstance } from 'fastify';
import { projectOf } from '../auth.js';
import type { RouteContext } from '../context.js';

export async function sdkIngestRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { core, metrics } = ctx;
  app.post('/api/v1/ingest', { onRequest: ctx.auth('ingest') }, async (request) => {
    const r = await core.ingestSdkBatch(projectOf(request), request.body);
    if (r.spans) metrics.ingestItems.inc({ signal: 'traces' }, r.spans);
    if (r.metrics) metrics.ingestItems.inc({ signal: 'metrics' }, r.metrics);
    if (r.logs) metrics.ingestItems.inc({ signal: 'logs' }, r.logs);
    if (r.rejected) metrics.ingestRejectedItems.inc({ signal: 'sdk' }, r.rejected);
    if (r.truncated) metrics.ingestTruncated.inc({ signal: 'sdk' }, r.truncated);
    return { accepted: r.accepted, rejected: r.rejected, errors: r.errors };
  });
}
