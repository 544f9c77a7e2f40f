/**
 * Authentication as an onRequest hook, so an unauthenticated client is refused before its body is
 * read. The key's project scopes everything the request touches.
 */

import type { ApiKeyRecord } from '@vigil/core';
import { type Permission, roleAllows } from '@vigil/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth: ApiKeyRecord | null;
  }
}

export type KeyVerifier = (key: string) => Promise<ApiKeyRecord | null>;

/** The bearer token from `Authorization: Bearer <key>` (OTel exporters send exactly that). */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

export function requirePermission(verify: KeyVerifier, permission: Permission, onDenied?: (status: number) => void) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      onDenied?.(401);
      throw new HttpError(401, 'unauthorized', 'missing API key: send Authorization: Bearer <key>');
    }
    const key = await verify(token);
    if (!key) {
      onDenied?.(401);
      throw new HttpError(401, 'unauthorized', 'unknown or revoked API key');
    }
    if (!roleAllows(key.role, permission)) {
      onDenied?.(403);
      throw new HttpError(403, 'forbidden', `a ${key.role} key may not ${permission === 'read' ? 'read' : permission}`);
    }
    request.auth = key;
  };
}

export function projectOf(request: FastifyRequest): string {
  if (!request.auth) throw new HttpError(401, 'unauthorized', 'not authenticated');
  return request.auth.project;
}
