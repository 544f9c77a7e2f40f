/** API key management (admin role): list (prefix only), create (plaintext shown once), revoke. */
import { isRole } from '@vigil/core';
import type { FastifyInstance } from 'fastify';
import { projectOf } from '../auth.js';
import type { RouteContext } from '../context.js';
import { HttpError } from '../errors.js';

export async function keyRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { core } = ctx;
  const admin = { onRequest: ctx.auth('admin') };

  app.get('/api/v1/keys', admin, async (request) => core.listKeys(projectOf(request)));

  app.post('/api/v1/keys', admin, async (request, reply) => {
    const body = (request.body ?? {}) as { name?: unknown; role?: unknown };
    if (typeof body.name !== 'string' || !body.name.trim())
      throw new HttpError(400, 'invalid_request', 'name is required');
    const role = body.role ?? 'ingest';
    if (!isRole(role)) throw new HttpError(400, 'invalid_request', 'role must be one of admin, member, viewer, ingest');
    const created = await core.createKey(projectOf(request), body.name, role);
    return reply.code(201).send(created);
  });

  app.delete('/api/v1/keys/:id', admin, async (request, reply) => {
    const { id } = request.params as { id: string };
    if (id === request.auth?.id) throw new HttpError(400, 'invalid_request', 'a key cannot revoke itself');
    if (!(await core.revokeKey(projectOf(request), id))) throw new HttpError(404, 'not_found', `key ${id} not found`);
    return reply.code(204).send();
  });
}
