/**
 * Opaque page cursors, shared by the DuckDB and PostgreSQL stores: base64url JSON, validated on the
 * way back in so a tampered or stale cursor is a clean 'invalid_cursor' error, never a bad query.
 */
import type { Page, TraceSummary } from './store.js';

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

/** The first `limit` of up to limit + 1 rows, with a cursor after the last when there were more. */
export function tracePage<R>(rows: readonly R[], limit: number, toSummary: (r: R) => TraceSummary): Page<TraceSummary> {
  const items = rows.slice(0, limit).map(toSummary);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit ? encodeCursor({ t: last.startUs, id: last.traceId }) : null,
  };
}
