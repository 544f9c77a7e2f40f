/**
 * Wall-clock time with sub-millisecond resolution: performance.now() anchored to Date.now(). The anchor
 * is refreshed now and then so a long-running process does not drift from the system clock (the
 * monotonic clock and NTP-adjusted wall time diverge slowly).
 */
import { performance } from 'node:perf_hooks';

const REANCHOR_MS = 60_000;
let anchorMs = Date.now() - performance.now();
let anchoredAt = performance.now();

/** Current time in epoch microseconds (fractional part dropped). */
export function nowUs(): number {
  const p = performance.now();
  if (p - anchoredAt > REANCHOR_MS) {
    anchorMs = Date.now() - p;
    anchoredAt = p;
  }
  return Math.floor((anchorMs + p) * 1000);
}

/** Accepts Date, epoch ms number or ISO string; returns epoch microseconds or undefined. */
export function toEpochUs(t: Date | number | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  if (typeof t === 'number') return Number.isFinite(t) ? Math.floor(t * 1000) : undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(ms) ? ms * 1000 : undefined;
}

/** ISO 8601 with microseconds (2026-01-01T00:00:00.123456Z): the SDK batch keeps sub-ms precision. */
export function usToIso(us: number): string {
  const ms = Math.floor(us / 1000);
  const micro = Math.floor(us - ms * 1000);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(micro).padStart(3, '0')}Z`;
}
