/**
 * CORS for browser clients (the OpenTelemetry web exporters, dashboards on another origin). Off by
 * default: the bundled dashboard is same-origin. Keys travel in the Authorization header, never in
 * cookies, so no credentials mode is needed.
 */
import type { FastifyInstance } from 'fastify';

const ALLOWED_HEADERS = 'authorization, content-type, content-encoding';
const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';

export function parseOrigins(list: string): Set<string> {
  return new Set(
    list
      .split(',')
      .map((s) => s.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  );
}

export function registerCors(app: FastifyInstance, originsList: string): void {
  const origins = parseOrigins(originsList);
  if (origins.size === 0) return;
  const any = origins.has('*');
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !(any || origins.has(origin))) return;
    reply.header('access-control-allow-origin', any ? '*' : origin);
    reply.header('vary', 'Origin');
    reply.header('access-control-expose-headers', 'retry-after');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      reply.header('access-control-allow-methods', ALLOWED_METHODS);
      reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
  // Preflights for any path: answered by the hook above; this route only makes OPTIONS routable.
  app.options('*', async (_request, reply) => reply.code(204).send());
}
