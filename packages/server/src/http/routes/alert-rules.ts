/**
 * Alerting management API: rules, notification channels (with a test send), silences, an alert's
 * delivery log, and silencing one alert. Viewers read; members and admins write. Handlers are thin:
 * the core's alerting service validates, scopes to the key's project and shapes the JSON.
 */
import {
  AlertingConflictError,
  AlertingNotFoundError,
  AlertingValidationError,
  createAlertingService,
  parseDuration,
} from '@vigil/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { projectOf } from '../auth.js';
import type { RouteContext } from '../context.js';
import { HttpError } from '../errors.js';

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The service's typed errors as HTTP errors in the one JSON error shape. */
function http(fn: Handler): Handler {
  return async (request, reply) => {
    try {
      return await fn(request, reply);
    } catch (err) {
      if (
        err instanceof AlertingValidationError ||
        err instanceof AlertingNotFoundError ||
        err instanceof AlertingConflictError
      )
        throw new HttpError(err.status, err.code, err.message);
      throw err;
    }
  };
}

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
const actor = (request: FastifyRequest) => request.auth?.name ?? 'api';

export async function alertRuleRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const alerting = createAlertingService(ctx.core.store);
  const read = { onRequest: ctx.auth('read') };
  const write = { onRequest: ctx.auth('write') };

  // --- rules ---
  app.get(
    '/api/v1/alert-rules',
    read,
    http(async (r) => alerting.listRules(projectOf(r))),
  );
  app.post(
    '/api/v1/alert-rules',
    write,
    http(async (r, reply) => reply.code(201).send(await alerting.createRule(projectOf(r), r.body))),
  );
  app.post(
    '/api/v1/alert-rules/preview',
    read,
    http(async (r) => alerting.previewCondition(projectOf(r), r.body)),
  );
  app.get(
    '/api/v1/alert-rules/:id',
    read,
    http(async (r) => alerting.getRule(projectOf(r), idOf(r))),
  );
  app.put(
    '/api/v1/alert-rules/:id',
    write,
    http(async (r) => alerting.replaceRule(projectOf(r), idOf(r), r.body)),
  );
  app.delete(
    '/api/v1/alert-rules/:id',
    write,
    http(async (r, reply) => {
      await alerting.deleteRule(projectOf(r), idOf(r));
      return reply.code(204).send();
    }),
  );

  // --- channels ---
  app.get(
    '/api/v1/channels',
    read,
    http(async (r) => alerting.listChannels(projectOf(r))),
  );
  app.post(
    '/api/v1/channels',
    write,
    http(async (r, reply) => reply.code(201).send(await alerting.createChannel(projectOf(r), r.body))),
  );
  app.get(
    '/api/v1/channels/:id',
    read,
    http(async (r) => alerting.getChannel(projectOf(r), idOf(r))),
  );
  app.put(
    '/api/v1/channels/:id',
    write,
    http(async (r) => alerting.replaceChannel(projectOf(r), idOf(r), r.body)),
  );
  app.delete(
    '/api/v1/channels/:id',
    write,
    http(async (r, reply) => {
      await alerting.deleteChannel(projectOf(r), idOf(r));
      return reply.code(204).send();
    }),
  );
  app.post(
    '/api/v1/channels/:id/test',
    write,
    http(async (r) => alerting.testChannel(projectOf(r), idOf(r), actor(r))),
  );

  // --- silences ---
  app.get(
    '/api/v1/silences',
    read,
    http(async (r) => {
      const active = (r.query as { active?: string }).active;
      return alerting.listSilences(projectOf(r), { active: active === 'true' || active === '1' });
    }),
  );
  app.post(
    '/api/v1/silences',
    write,
    http(async (r, reply) => reply.code(201).send(await alerting.createSilence(projectOf(r), r.body, actor(r)))),
  );
  app.delete(
    '/api/v1/silences/:id',
    write,
    http(async (r, reply) => {
      await alerting.deleteSilence(projectOf(r), idOf(r));
      return reply.code(204).send();
    }),
  );

  // --- one alert ---
  app.get(
    '/api/v1/alerts/:id/deliveries',
    read,
    http(async (r) => alerting.listDeliveries(projectOf(r), idOf(r))),
  );
  app.post(
    '/api/v1/alerts/:id/silence',
    write,
    http(async (r, reply) => {
      const b = (r.body ?? {}) as { duration?: unknown; durationMs?: unknown; comment?: unknown };
      // `duration` as "30m", "2h", ... or durationMs; default 1 h.
      const durationMs =
        b.durationMs ??
        (typeof b.duration === 'string' ? parseDuration('duration', b.duration) : b.duration) ??
        undefined;
      const out = await alerting.silenceAlert(projectOf(r), idOf(r), { durationMs, comment: b.comment }, actor(r));
      ctx.live.publish(projectOf(r), 'alert', out.alert);
      return reply.code(201).send(out);
    }),
  );
}
