import { erfc } from '../stats.js';

/**
 * Every detector reports "how improbable is this under the normal behaviour I learned" as a tail
 * probability p, and maps it to a score with 1 − p^0.1: monotone, 0.5 at p = 1e-3, 0.9 at
 * p = 1e-10, and still distinguishing 10σ from 20σ events (no saturation at 1 until p ≈ 1e-160),
 * so a corpus-wide threshold can rank even very large surprises.
 */
export function tailToScore(logTail: number): number {
  if (Number.isNaN(logTail)) return 0;
  if (logTail >= 0) return 0;
  const s = 1 - Math.exp(0.1 * logTail);
  return Math.min(s, 1);
}

/** ln of the two-sided normal tail P(|Z| ≥ |z|), accurate for large |z|. */
export function logTwoSidedTail(z: number): number {
  const a = Math.abs(z);
  if (a < 8) return Math.log(erfc(a / Math.SQRT2));
  // Asymptotic expansion of erfc: 2φ(a)/a · (1 − 1/a² + 3/a⁴).
  return -0.5 * a * a - Math.log(a) + Math.log(Math.sqrt(2 / Math.PI)) + Math.log(1 - 1 / (a * a) + 3 / a ** 4);
}

/** Score of a z-like surprise. */
export function zToScore(z: number): number {
  if (!Number.isFinite(z)) return Number.isNaN(z) ? 0 : 1;
  return tailToScore(logTwoSidedTail(z));
}

/** The |z| that `zToScore` maps to `score` (for drawing bands at a sensitivity). */
export function scoreToZ(score: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (zToScore(mid) < score) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A scale that is never zero: a constant history still makes any change measurable. */
export function safeScale(scale: number, level: number): number {
  const floor = 1e-9 * Math.max(1, Math.abs(level));
  return Math.max(scale, floor);
}

/**
 * Largest magnitude a detector learns from. Beyond it, sums of squares overflow to Infinity and
 * Infinity − Infinity gives NaN bands; no real measurement is that large, so such a value is
 * treated like NaN (skipped, score 0) instead.
 */
export const MAX_MEASURABLE = 1e150;

export function isMeasurable(x: number): boolean {
  return Number.isFinite(x) && Math.abs(x) <= MAX_MEASURABLE;
}
