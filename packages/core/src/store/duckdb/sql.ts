/** Small SQL helpers shared by the DuckDB store's query modules. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RowValues } from '../rows.js';

export type Param = string | number | boolean | null;
export type Row = Record<string, unknown>;

/**
 * A timestamp literal from epoch µs. Time bounds are inlined rather than bound as parameters so the
 * optimizer folds them into constants and pushes them into the scan, where zone maps skip row groups.
 */
export function tsLit(us: number): string {
  if (!Number.isFinite(us)) throw new RangeError(`invalid time ${us}`);
  return `make_timestamp(${Math.round(us)}::BIGINT)`;
}

/** A numeric literal (validated, so it is safe to inline). */
export function numLit(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`invalid number ${v}`);
  return String(v);
}

export async function query(conn: DuckDBConnection, sql: string, params: Param[] = []): Promise<Row[]> {
  const reader = await conn.runAndReadAll(sql, params);
  return reader.getRowObjectsJS() as Row[];
}

/** µs column expression as a JS-safe DOUBLE. */
export function usCol(col: string): string {
  return `epoch_us(${col})::DOUBLE`;
}

export function num(v: unknown): number {
  if (v == null) return 0;
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

export function numOrNull(v: unknown): number | null {
  if (v == null) return null;
  const n = typeof v === 'bigint' ? Number(v) : (v as number);
  return Number.isNaN(n) ? null : n;
}

export function strOrNull(v: unknown): string | null {
  return v == null ? null : (v as string);
}

export function parseJson<T>(v: unknown, fallback: T): T {
  if (v == null || v === '') return fallback;
  return JSON.parse(v as string) as T;
}

/** JSON path for one object key, quoted so any key name is safe. */
export function jsonKeyPath(key: string): string {
  return `$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** DuckDB's values for the shared row mappers (../rows.ts): JSON columns come back as text. */
export const values: RowValues = {
  num,
  numOrNull,
  strOrNull,
  json: parseJson,
  text: (v) => v as string,
  textOrNull: strOrNull,
};

/** Runs fn inside BEGIN ... COMMIT on c, rolling back (and rethrowing) if it fails. */
export async function inTransaction<T>(c: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await c.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await c.run('COMMIT');
    return out;
  } catch (e) {
    await c.run('ROLLBACK').catch(() => {});
    throw e;
  }
}
