/**
 * Opaque page cursors, shared by the DuckDB and PostgreSQL stores: base64url JSON, validated on the
 * way back in so a tampered or stale cursor is a clean 'invalid_cursor' error, never a bad query.
 */

export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';
  constructor() {
    super('invalid cursor');
  }
}

export function encodeCursor(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | null | undefined, check: (v: unknown) => v is T): T | null {
  if (cursor == null || cursor === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!check(v)) throw new InvalidCursorError();
  return v;
}

/** The trace list's position: start of the last trace returned and its id (ties broken by id). */
export interface TraceCursor {
  t: number;
  id: string;
}

export const isTraceCursor = (v: unknown): v is TraceCursor =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as TraceCursor).t === 'number' &&
  typeof (v as TraceCursor).id === 'string';
