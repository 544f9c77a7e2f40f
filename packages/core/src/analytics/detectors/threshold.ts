import type { Expectation, StreamingDetector } from './types.js';

export interface ThresholdOptions {
  /** Values above this are anomalous. */
  upper?: number;
  /** Values below this are anomalous. */
  lower?: number;
}

/** A static rule: 1 when the value leaves [lower, upper], else 0. The SLO-style baseline. */
export class ThresholdDetector implements StreamingDetector {
  readonly name = 'threshold';
  private readonly upper: number;
  private readonly lower: number;
  private last: Expectation | null = null;

  constructor(opts: ThresholdOptions) {
    this.upper = opts.upper ?? Infinity;
    this.lower = opts.lower ?? -Infinity;
    if (!(this.lower <= this.upper)) throw new RangeError('threshold: lower must not exceed upper');
  }

  update(_t: number, x: number): number {
    if (!Number.isFinite(x)) {
      this.last = null;
      return 0;
    }
    const lo = Number.isFinite(this.lower) ? this.lower : Math.min(x, this.upper);
    const hi = Number.isFinite(this.upper) ? this.upper : Math.max(x, this.lower);
    this.last = { expected: (lo + hi) / 2, lower: lo, upper: hi };
    return x > this.upper || x < this.lower ? 1 : 0;
  }

  expectation(): Expectation | null {
    return this.last;
  }
}
