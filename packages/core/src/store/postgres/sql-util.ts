/** Small helpers shared by the PostgreSQL store's query modules. */

export type Row = Record<string, unknown>;

/** Collects positional parameters ($1, $2, ...) while a query is being built. */
export class Params {
  readonly values: unknown[] = [];
  /** Adds a value and returns its placeholder. */
  add(v: unknown): string {
    this.values.push(v === undefined ? null : v);
    return `$${this.values.length}`;
  }
}

/** A validated numeric literal, safe to inline (time bounds are inlined so the planner prunes partitions). */
export function lit(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`invalid number ${v}`);
  return String(v);
}

/** An integer literal (µs bounds). */
export function intLit(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`invalid time ${v}`);
  return String(Math.round(v));
}

export function num(v: unknown): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : Number(v);
}

export function numOrNull(v: unknown): number | null {
  if (v == null) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isNaN(n) ? null : n;
}

export function strOrNull(v: unknown): string | null {
  return v == null ? null : String(v);
}

export function jsonOr<T>(v: unknown, fallback: T): T {
  if (v == null) return fallback;
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as T;
    } catch {
      return fallback;
    }
  }
  return v as T;
}

export function clampLimit(limit: number, max = 1000): number {
  return Math.max(1, Math.min(max, Math.floor(Number.isFinite(limit) ? limit : 50)));
}
