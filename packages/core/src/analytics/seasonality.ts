/**
 * Finds the seasonal period of a series from its timestamps and values: hourly, daily or weekly
 * cycles, chosen by the autocorrelation of the linearly detrended values at each candidate lag.
 */
import { median } from './stats.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

export interface Seasonality {
  /** Period in ms, or null when no candidate is convincing. */
  periodMs: number | null;
  /** Period in points at the median sampling step (0 when none). */
  lag: number;
  /** Autocorrelation at that lag (−1..1); 0 when none. */
  strength: number;
  /** Median spacing of the timestamps in ms. */
  stepMs: number;
}

/** Median positive spacing between consecutive timestamps; NaN with fewer than two. */
export function medianStep(times: readonly number[]): number {
  const d: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const s = times[i] - times[i - 1];
    if (s > 0 && Number.isFinite(s)) d.push(s);
  }
  return d.length === 0 ? Number.NaN : median(d);
}

/** Autocorrelation of `xs` at `lag` after removing the least-squares line. */
export function autocorrelation(xs: readonly number[], lag: number): number {
  const n = xs.length;
  if (lag <= 0 || lag >= n - 1) return 0;
  // Detrend: a trend makes every lag look correlated.
  let st = 0;
  let sx = 0;
  let stt = 0;
  let stx = 0;
  for (let i = 0; i < n; i++) {
    st += i;
    sx += xs[i];
    stt += i * i;
    stx += i * xs[i];
  }
  const den = n * stt - st * st;
  const b = den === 0 ? 0 : (n * stx - st * sx) / den;
  const a = (sx - b * st) / n;
  let num = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const ri = xs[i] - a - b * i;
    tot += ri * ri;
    if (i + lag < n) num += ri * (xs[i + lag] - a - b * (i + lag));
  }
  return tot === 0 ? 0 : num / tot;
}

export interface SeasonalityOptions {
  candidatesMs?: readonly number[];
  /** Minimum autocorrelation to accept a period (default 0.3). */
  minStrength?: number;
  /** Cycles of history needed before a candidate is tried (default 2). */
  minCycles?: number;
}

export function detectSeasonality(
  times: readonly number[],
  values: readonly number[],
  opts: SeasonalityOptions = {},
): Seasonality {
  const stepMs = medianStep(times);
  const none: Seasonality = { periodMs: null, lag: 0, strength: 0, stepMs };
  if (!Number.isFinite(stepMs) || values.length < 8) return none;
  const minStrength = opts.minStrength ?? 0.3;
  const minCycles = opts.minCycles ?? 2;
  let best = none;
  let bestProminence = 0;
  for (const p of opts.candidatesMs ?? [HOUR_MS, DAY_MS, WEEK_MS]) {
    const lag = Math.round(p / stepMs);
    if (lag < 4 || values.length < minCycles * lag + 1) continue;
    const r = autocorrelation(values, lag);
    // A real cycle correlates at its period much more than half-way through it; a merely smooth
    // series correlates at every short lag, more at the half than at the full one.
    const prominence = r - autocorrelation(values, Math.round(lag / 2));
    if (r >= minStrength && prominence >= 0.1 && prominence > bestProminence) {
      best = { periodMs: p, lag, strength: r, stepMs };
      bestProminence = prominence;
    }
  }
  return best;
}
