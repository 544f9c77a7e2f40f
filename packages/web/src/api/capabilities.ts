/**
 * Which optional endpoints this server has, read once from its OpenAPI document. Lets pages offer
 * features (alert rules, silences) only where the server supports them, without probing requests
 * that would fail and clutter the browser console.
 */
import { api } from './client.js';

let cached: Promise<Set<string>> | null = null;

export function serverPaths(): Promise<Set<string>> {
  if (!cached) {
    cached = api<{ paths?: Record<string, unknown> }>('/api/v1/openapi.json').then(
      (doc) => new Set(Object.keys(doc.paths ?? {})),
      () => {
        cached = null;
        return new Set<string>();
      },
    );
  }
  return cached;
}

/** True when the server documents `path` (OpenAPI template form, e.g. `/api/v1/alerts/{id}/silence`). */
export async function hasEndpoint(path: string): Promise<boolean> {
  return (await serverPaths()).has(path);
}
