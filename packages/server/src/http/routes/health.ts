/** Unauthenticated health and scrape endpoints: `/live`, `/ready`, `/metrics`. */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context.js';

export async function healthRoutes(
  app: FastifyInstance,
  ctx: RouteContext & { isAccepting(): boolean },
): Promise<void> {
  app.get('/live', async () => ({ status: 'live' }));

  app.get('/ready', async (_request, reply) => {
    if (!ctx.isAccepting())
      return reply.code(503).send({ error: { code: 'not_ready', message: 'server is starting or shutting down' } });
    try {
      await ctx.core.ready();
    } catch (err) {
      return reply
        .code(503)
        .send({ error: { code: 'store_unavailable', message: `store does not answer: ${(err as Error).message}` } });
    }
    return { status: 'ready' };
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
}
