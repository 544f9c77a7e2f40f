/**
 * The global time range: relative (`range=1h`, re-evaluated on every refresh) or absolute
 * (`from`/`to` as ISO or epoch ms). Steps are chosen so charts get roughly 60–120 buckets.
 */

export interface TimeRangeState {
  /** Relative window like "1h", or null when absolute. */
  relative: string | null;
  from: number;
  to: number;
}

export const RELATIVE_RANGES: { value: string; label: string }[] = [
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last hour' },
  { value: '6h', label: 'Last 6 hours' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
];

export const DEFAULT_RANGE = '24h';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseDuration(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(s.trim());
  if (!m) return null;
  return Number(m[1]) * UNITS[m[2]];
}

function parseInstant(s: string | null): number | null {
  if (!s) return null;
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

export function resolveRange(params: URLSearchParams, now = Date.now()): TimeRangeState {
  const from = parseInstant(params.get('from'));
  const to = parseInstant(params.get('to'));
  if (from !== null && to !== null && to > from) return { relative: null, from, to };
  const rel = params.get('range') ?? DEFAULT_RANGE;
  const d = parseDuration(rel) ?? parseDuration(DEFAULT_RANGE)!;
  return { relative: parseDuration(rel) ? rel : DEFAULT_RANGE, from: now - d, to: now };
}

const NICE_STEPS = [
  10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000,
  43_200_000, 86_400_000,
];

/** A round step giving at most ~`buckets` buckets over the range. */
export function stepFor(from: number, to: number, buckets = 90): number {
  const raw = (to - from) / buckets;
  return NICE_STEPS.find((s) => s >= raw) ?? 86_400_000;
}

export function stepParam(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

export function rangeLabel(r: TimeRangeState): string {
  if (r.relative) return RELATIVE_RANGES.find((x) => x.value === r.relative)?.label ?? `Last ${r.relative}`;
  return `${fmtInput(r.from).replace('T', ' ')} → ${fmtInput(r.to).replace('T', ' ')}`;
}

/** Formats epoch ms for a `datetime-local` input (local time, minutes). */
export function fmtInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export const REFRESH_OPTIONS: { value: string; label: string }[] = [
  { value: 'off', label: 'Off' },
  { value: '10s', label: '10s' },
  { value: '30s', label: '30s' },
  { value: '1m', label: '1m' },
  { value: '5m', label: '5m' },
];
