/**
 * Query-parameter parsing shared by the HTTP API and library mode: time ranges, steps, limits.
 * Bad input throws QueryError (HTTP 400) with a message naming the parameter.
 */
import type { TimeRange } from '../store/store.js';

export class QueryError extends Error {
  readonly code = 'invalid_parameter';
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** ISO 8601 or epoch milliseconds → epoch ms. */
export function parseTime(name: string, value: string | undefined | null): number | undefined {
  if (value == null || value === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) {
    const ms = Number(value);
    if (Number.isFinite(ms)) return ms;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new QueryError(`${name} must be ISO 8601 or epoch milliseconds, got "${value}"`);
  return ms;
}

/** `from`/`to` with docs/api.md defaults: to = now, from = to − 24 h. */
export function parseRange(
  q: { from?: string; to?: string },
  opts: { nowMs?: number; defaultSpanMs?: number } = {},
): TimeRange {
  const toMs = parseTime('to', q.to) ?? opts.nowMs ?? Date.now();
  const fromMs = parseTime('from', q.from) ?? toMs - (opts.defaultSpanMs ?? DAY_MS);
  if (fromMs > toMs) throw new QueryError('from must not be after to');
  return { fromUs: Math.round(fromMs * 1000), toUs: Math.round(toMs * 1000) };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/** `30s`, `5m`, `1h`, `1d` or plain milliseconds → ms. */
export function parseDuration(name: string, value: string | undefined | null): number | undefined {
  if (value == null || value === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(value.trim());
  if (!m) throw new QueryError(`${name} must be a duration like 30s, 5m, 1h, 1d or milliseconds, got "${value}"`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 'ms'];
  if (!(ms > 0)) throw new QueryError(`${name} must be positive`);
  return ms;
}

/**
 * Bucket width: the requested step, or one giving ~120 points over the range; never so small that a
 * query returns more than `maxPoints` buckets.
 */
export function parseStep(value: string | undefined, range: TimeRange, maxPoints = 11_000): number {
  const spanMs = Math.max(1, (range.toUs - range.fromUs) / 1000);
  const requested = parseDuration('step', value);
  const minStep = Math.ceil(spanMs / maxPoints);
  if (requested === undefined) return Math.max(1000, niceStep(spanMs / 120));
  if (requested < minStep) throw new QueryError(`step too small for the range: at most ${maxPoints} points`);
  return requested;
}

const NICE_STEPS = [1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].map((s) => s * 1000);

function niceStep(ms: number): number {
  for (const s of NICE_STEPS) if (s >= ms) return s;
  return Math.ceil(ms / DAY_MS) * DAY_MS;
}

export function parseLimit(value: string | undefined, def = 50, max = 1000): number {
  if (value == null || value === '') return def;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new QueryError('limit must be a positive integer');
  return Math.min(n, max);
}

export function parseNumber(name: string, value: string | undefined): number | undefined {
  if (value == null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new QueryError(`${name} must be a number`);
  return n;
}

export function parseEnum<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value == null || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new QueryError(`${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function parseList(value: string | undefined): string[] | undefined {
  if (value == null || value === '') return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

export const TRACE_ID_RE = /^[0-9a-f]{32}$/;

export function parseTraceId(value: string): string {
  const id = value.toLowerCase();
  if (!TRACE_ID_RE.test(id) || /^0+$/.test(id)) throw new QueryError('traceId must be 32 hex characters, not all zero');
  return id;
}
