/**
 * Encoding rows for `COPY ... FROM STDIN` in PostgreSQL's text format: tab-separated columns,
 * `\N` for NULL, backslash escapes for backslash, tab, newline and carriage return. NUL characters
 * cannot be stored in PostgreSQL text or jsonb at all, so they are removed.
 */

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIAL_G = /[\\\t\n\r\0]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '' };

export const NULL = '\\N';

export function text(v: string | null | undefined): string {
  if (v === null || v === undefined) return NULL;
  return SPECIAL.test(v) ? v.replace(SPECIAL_G, (c) => ESCAPES[c] ?? c) : v;
}

/** An integer column (bigint): non-finite values become NULL, fractions are truncated. */
export function int(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NULL;
  return String(Math.trunc(v));
}

/** A double precision column. */
export function float(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NULL;
  return String(v);
}

function stripNul(_k: string, v: unknown): unknown {
  return typeof v === 'string' ? v.replaceAll('\0', '') : v;
}

/** A jsonb column. `\u0000` is rejected by jsonb, so strings holding NUL are cleaned first. */
export function json(v: unknown): string {
  if (v === null || v === undefined) return NULL;
  let s = JSON.stringify(v);
  if (s.includes('\\u0000')) s = JSON.stringify(v, stripNul);
  return text(s);
}

/** jsonb in SQL parameters: the same NUL cleaning as `json`, without COPY escaping. */
export function jsonParam(v: unknown): string {
  const s = JSON.stringify(v ?? null);
  return s.includes('\\u0000') ? JSON.stringify(v, stripNul) : s;
}

/** Strips NUL from a text parameter. */
export function textParam(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return v.includes('\0') ? v.replaceAll('\0', '') : v;
}
