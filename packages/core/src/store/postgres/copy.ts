/**
 * Encoding rows for `COPY ... FROM STDIN` in PostgreSQL's text format: tab-separated columns,
 * `\N` for NULL, backslash escapes for backslash, tab, newline and carriage return. NUL characters
 * cannot be stored in PostgreSQL text or jsonb at all, so they are removed.
 */

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIAL_G = /[\\\t\n\r\0]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '' };

export const NULL = '\\N';

/**
 * PostgreSQL text cannot hold U+0000, but payloads (prompts, completions, messages) must read back
 * exactly. They are stored with a reversible escape: U+E000 (private use) is the escape character,
 * NUL → U+E000 '0', U+E000 → U+E000 U+E000. Ordinary text is untouched and searches still work.
 */
const ESC = '\uE000';
const NEEDS_ESCAPE = /[\0\uE000]/;
const NEEDS_ESCAPE_G = /[\0\uE000]/g;
const ESCAPED_G = /\uE000([\uE0000])/g;

export function escapeNul(v: string): string {
  return NEEDS_ESCAPE.test(v) ? v.replace(NEEDS_ESCAPE_G, (c) => (c === ESC ? ESC + ESC : `${ESC}0`)) : v;
}

export function unescapeNul(v: string): string {
  return v.includes(ESC) ? v.replace(ESCAPED_G, (_m, c: string) => (c === ESC ? ESC : '\0')) : v;
}

export function unescapeNulOrNull(v: unknown): string | null {
  return v == null ? null : unescapeNul(String(v));
}

const PAYLOAD_SPECIAL = /[\\\t\n\r\0\uE000]/;

/** A free-text column whose exact content must survive (see escapeNul). */
export function payload(v: string | null | undefined): string {
  if (v === null || v === undefined) return NULL;
  return PAYLOAD_SPECIAL.test(v) ? text(escapeNul(v)) : v;
}

export function text(v: string | null | undefined): string {
  if (v === null || v === undefined) return NULL;
  return SPECIAL.test(v) ? v.replace(SPECIAL_G, (c) => ESCAPES[c] ?? c) : v;
}

/** Escapes JSON text for COPY: JSON.stringify never emits raw tabs or newlines, only backslashes. */
function jsonText(s: string): string {
  return s.includes('\\') ? s.replaceAll('\\', '\\\\') : s;
}

/** An integer column (bigint): non-finite values become NULL, fractions are truncated. */
export function int(v: number | null | undefined): string {
  if (v === null || v === undefined) return NULL;
  if (Number.isSafeInteger(v)) return `${v}`;
  return Number.isFinite(v) ? String(Math.trunc(v)) : NULL;
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
  return jsonText(s);
}

/** jsonb in SQL parameters: the same NUL cleaning as `json`, without COPY escaping. */
export function jsonParam(v: unknown): string {
  const s = JSON.stringify(v ?? null);
  return s.includes('\\u0000') ? JSON.stringify(v, stripNul) : s;
}

/** A free-text parameter, escaped like `payload`. */
export function textParam(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return escapeNul(v);
}
