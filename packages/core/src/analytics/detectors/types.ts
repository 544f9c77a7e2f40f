/**
 * The one streaming interface every anomaly detector implements. `update` sees each point once, in
 * order, and answers a score in [0, 1] computed from that point and the ones before it only, so the
 * same object scores a live ingest stream, a CSV on stdin, or a benchmark file.
 */

export interface Expectation {
  /** What the detector expected the value to be. */
  expected: number;
  /** The band of normal values around `expected` (at the detector's own sensitivity). */
  lower: number;
  upper: number;
}

export interface StreamingDetector {
  readonly name: string;
  /** Score the point (epoch ms, value) in [0, 1]; 0 while the detector is still warming up. */
  update(timestampMs: number, value: number): number;
  /** What the detector expected for the point last passed to `update`; null while warming up. */
  expectation(): Expectation | null;
}

export type Sensitivity = 'low' | 'medium' | 'high';

/**
 * Score thresholds per sensitivity. Every detector maps the tail probability p of what it saw to
 * 1 − p^0.1 (see score.ts), so one threshold means the same improbability whatever the detector:
 * high fires at p ≤ 1e-2 (2.6σ), medium at p ≤ 1e-3 (3.3σ), low at p ≤ 1e-5 (4.4σ).
 */
export const SENSITIVITY_THRESHOLDS: Record<Sensitivity, number> = {
  low: 1 - 10 ** -0.5,
  medium: 1 - 10 ** -0.3,
  high: 1 - 10 ** -0.2,
};

/** Common knobs; each detector documents which it uses. */
export interface DetectorOptions {
  /** Points of history the detector looks at (window length). */
  lookback?: number;
  /** Points seen before the detector scores anything above 0. */
  minDataPoints?: number;
}
