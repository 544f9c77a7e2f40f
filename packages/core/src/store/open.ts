/**
 * Picks the Store backend from a URL: none or `duckdb:<path>` → DuckDB (default file
 * `<dataDir>/vigil.duckdb`), `postgres://` / `postgresql://` → PostgreSQL (loaded lazily so the
 * embedded default never pays for the driver).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { DuckDbStore, type DuckDbStoreOptions } from './duckdb/duckdb-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** `duckdb:<path>`, `postgres://…`, or undefined for the default DuckDB file. */
  url?: string;
  /** Directory for the default DuckDB file (created if missing); relative duckdb: paths resolve here. */
  dataDir: string;
  /** Tuning for the DuckDB backend (ignored for PostgreSQL). */
  duckdb?: DuckDbStoreOptions;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const url = opts.url?.trim();
  if (!url) return DuckDbStore.open(join(opts.dataDir, 'vigil.duckdb'), opts.duckdb);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    // Specifier in a variable: the PostgreSQL backend is optional at type level and never loaded
    // unless asked for.
    const specifier = './postgres/index.js';
    const pg = (await import(specifier)) as { openPostgresStore(url: string): Promise<Store> };
    return pg.openPostgresStore(url);
  }
  if (url.startsWith('duckdb:')) {
    let path = url.slice('duckdb:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') path = join(opts.dataDir, 'vigil.duckdb');
    if (path !== ':memory:' && !isAbsolute(path)) path = resolve(opts.dataDir, path);
    return DuckDbStore.open(path, opts.duckdb);
  }
  throw new Error(`unsupported store URL "${url}": use duckdb:<path>, postgres:// or postgresql://`);
}
