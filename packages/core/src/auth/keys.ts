/**
 * API keys: `vgl_` + 32 random bytes (base64url). Only the SHA-256 of a key is ever stored; the
 * plaintext is shown once, when the key is created.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyRecord, Role } from '../store/store.js';

export const KEY_PREFIX = 'vgl_';
/**
 * Generated keys are `vgl_` + 43 base64url chars, but operators may supply their own through
 * VIGIL_API_KEY (scripts often use short ones), so verification accepts any visible-ASCII token.
 */
const KEY_PATTERN = /^[\x21-\x7e]{1,512}$/;

export const ROLES: readonly Role[] = ['admin', 'member', 'viewer', 'ingest'];

/** What a request wants to do; each role grants a fixed set. */
export type Permission = 'ingest' | 'read' | 'write' | 'admin';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(['ingest', 'read', 'write', 'admin']),
  member: new Set(['ingest', 'read', 'write']),
  viewer: new Set(['read']),
  // Write-only keys for apps and collectors: a leaked one cannot read anything back.
  ingest: new Set(['ingest']),
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role]?.has(permission) ?? false;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Syntactic check only; cheap enough to run before any hashing or lookup. */
export function looksLikeApiKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The part of a key safe to display: `vgl_` plus the first 8 characters of its random part. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 8);
}

/** Builds the stored record for a key (which may be freshly generated or supplied by the operator). */
export function newKeyRecord(
  key: string,
  fields: { project: string; name: string; role: Role; nowUs?: number },
): ApiKeyRecord {
  return {
    id: randomUUID(),
    project: fields.project,
    name: fields.name,
    role: fields.role,
    prefix: keyPrefix(key),
    hash: hashApiKey(key),
    createdUs: fields.nowUs ?? Date.now() * 1000,
    lastUsedUs: null,
    revokedUs: null,
  };
}
