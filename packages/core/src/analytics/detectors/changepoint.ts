import { isMeasurable, safeScale, tailToScore } from './score.js';
import type { DetectorOptions, Expectation, StreamingDetector } from './types.js';

export interface ChangePointOptions extends DetectorOptions {
  /** CUSUM slack in σ units: shifts smaller than this are ignored (default 0.5). */
  slack?: number;
  /** CUSUM decision level in σ units (default 5: ARL ≈ 930 points for a stable series). */
  decision?: number;
}

/**
 * Two-sided CUSUM (Page) against a baseline estimated from the history before the current run.
 * It accumulates small persistent shifts that a per-point z-score misses. The score reaches the "medium"
 * threshold (p = 1e-3) when the statistic reaches the decision level; after an alarm the baseline
 * restarts from the new regime so one level shift gives one alarm, not a stream of them.
 */
export class ChangePointDetector implements StreamingDetector {
  readonly name = 'changepoint';
  private readonly alpha: number;
  private readonly minPoints: number;
  private readonly k: number;
  private readonly h: number;
  private n = 0;
  private m = 0;
  private v = 0;
  private hi = 0;
  private lo = 0;
  private last: Expectation | null = null;
  private relearning = false;

  constructor(opts: ChangePointOptions = {}) {
    this.alpha = 2 / (Math.max(2, opts.lookback ?? 200) + 1);
    this.minPoints = Math.max(5, Math.floor(opts.minDataPoints ?? 30));
    this.k = opts.slack ?? 0.5;
    this.h = opts.decision ?? 5;
  }

  update(_t: number, x: number): number {
    if (!isMeasurable(x)) {
      this.last = null;
      return 0;
    }
    if (this.n === 0) {
      this.m = x;
      this.n = 1;
      return 0;
    }
    const sd = safeScale(Math.sqrt(this.v), this.m);
    let score = 0;
    if (this.n >= this.minPoints) {
      const z = Math.max(-50, Math.min(50, (x - this.m) / sd));
      this.hi = Math.max(0, this.hi + z - this.k);
      this.lo = Math.max(0, this.lo - z - this.k);
      const s = Math.max(this.hi, this.lo);
      score = tailToScore((-3 * Math.LN10 * s) / this.h);
      this.last = { expected: this.m, lower: this.m - (this.h + this.k) * sd, upper: this.m + (this.h + this.k) * sd };
      if (s >= this.h) {
        // New regime: re-learn the mean from scratch (keeping the spread) before scoring again.
        this.m = x;
        this.hi = 0;
        this.lo = 0;
        this.n = 1;
        this.relearning = true;
        return score;
      }
    } else {
      this.last = null;
    }
    if (this.relearning) {
      this.m += (x - this.m) / (this.n + 1);
      this.n++;
      if (this.n >= this.minPoints) this.relearning = false;
      return score;
    }
    // Only in-control points teach the baseline, so a slow drift still accumulates.
    if (this.hi < this.h / 2 && this.lo < this.h / 2) {
      const a = Math.max(this.alpha, 1 / (this.n + 1));
      const d = x - this.m;
      this.m += a * d;
      this.v = (1 - a) * (this.v + a * d * d);
    }
    this.n++;
    return score;
  }

  expectation(): Expectation | null {
    return this.last;
  }
}
