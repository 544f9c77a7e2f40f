/** `GET /api/v1/stream`: server-sent events of the key's project, with a heartbeat comment. */
import type { FastifyInstance } from 'fastify';
import { projectOf } from '../auth.js';
import type { RouteContext } from '../context.js';

/** A client whose socket buffer grows past this is too slow to follow; it is disconnected. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export async function streamRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get('/api/v1/stream', { onRequest: ctx.auth('read') }, async (request, reply) => {
    const project = projectOf(request);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(heartbeat);
      res.end();
    };
    const unsubscribe = ctx.live.subscribe(project, (event, data) => {
      if (closed) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) return close();
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    });
    const heartbeat = setInterval(() => {
      if (!closed) res.write(`: heartbeat ${Date.now()}\n\n`);
    }, 15_000);
    heartbeat.unref();
    const forget = ctx.onStreamOpen?.(close);
    const onGone = () => {
      forget?.();
      close();
    };
    request.raw.on('close', onGone);
    res.on('error', onGone);
  });
}
