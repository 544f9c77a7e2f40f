/**
 * The dashboard: packages/web/dist served at `/`, with index.html for client-side routes. The
 * directory is found relative to this file, so the server works from any working directory, from
 * sources (src/http) and from the build (dist/http) alike.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function defaultWebDir(): string {
  // <server package>/{src,dist}/http/static.{ts,js} → <repo>/packages/web/dist
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', '..', 'web', 'dist');
}

/** The web root to serve, or null when no dashboard build exists. */
export function resolveWebDir(configured: string): string | null {
  const dir = configured ? resolve(configured) : defaultWebDir();
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

/** Paths that belong to the API: a miss there is a JSON 404, never the SPA's index.html. */
export function isApiPath(url: string): boolean {
  return /^\/(api|v1)(\/|$|\?)/.test(url) || /^\/(live|ready|metrics)(\/|$|\?)/.test(url);
}
