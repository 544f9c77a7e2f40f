import { isMeasurable, safeScale, scoreToZ, zToScore } from './score.js';
import { type DetectorOptions, type Expectation, SENSITIVITY_THRESHOLDS, type StreamingDetector } from './types.js';

/**
 * Exponentially weighted mean and variance (EWMA/EWMV): z = (x − mean) / σ with both estimates
 * updated after scoring. α = 2 / (lookback + 1), the usual span convention. O(1) per point.
 */
export class EwmaDetector implements StreamingDetector {
  readonly name = 'ewma';
  private readonly alpha: number;
  private readonly minPoints: number;
  private readonly bandZ: number;
  private n = 0;
  private m = 0;
  private v = 0;
  private last: Expectation | null = null;

  constructor(opts: DetectorOptions & { bandScore?: number } = {}) {
    const lookback = Math.max(2, opts.lookback ?? 60);
    this.alpha = 2 / (lookback + 1);
    this.minPoints = Math.max(2, Math.floor(opts.minDataPoints ?? 20));
    this.bandZ = scoreToZ(opts.bandScore ?? SENSITIVITY_THRESHOLDS.medium);
  }

  update(_t: number, x: number): number {
    if (!isMeasurable(x)) {
      this.last = null;
      return 0;
    }
    let score = 0;
    if (this.n === 0) {
      this.m = x;
      this.last = null;
    } else {
      const sd = safeScale(Math.sqrt(this.v), this.m);
      if (this.n >= this.minPoints) {
        score = zToScore((x - this.m) / sd);
        this.last = { expected: this.m, lower: this.m - this.bandZ * sd, upper: this.m + this.bandZ * sd };
      } else {
        this.last = null;
      }
      // Warm up with a cumulative mean/variance, then switch to exponential weights.
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
