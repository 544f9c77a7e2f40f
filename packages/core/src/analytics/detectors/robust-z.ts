import { isMeasurable, safeScale, scoreToZ, zToScore } from './score.js';
import { type DetectorOptions, type Expectation, SENSITIVITY_THRESHOLDS, type StreamingDetector } from './types.js';

/**
 * Robust z-score over a sliding window: |x − median| / (1.4826 · MAD). Median and MAD resist the
 * outliers they are meant to find, unlike mean and standard deviation. O(window) per point.
 */
export class RobustZDetector implements StreamingDetector {
  readonly name = 'robust_z';
  private readonly lookback: number;
  private readonly minPoints: number;
  private readonly ring: number[] = [];
  private head = 0;
  private readonly sorted: number[] = [];
  private last: Expectation | null = null;
  private readonly bandZ: number;

  constructor(opts: DetectorOptions & { bandScore?: number } = {}) {
    this.lookback = Math.max(3, Math.floor(opts.lookback ?? 120));
    this.minPoints = Math.max(3, Math.min(this.lookback, Math.floor(opts.minDataPoints ?? 20)));
    this.bandZ = scoreToZ(opts.bandScore ?? SENSITIVITY_THRESHOLDS.medium);
  }

  update(_t: number, x: number): number {
    if (!isMeasurable(x)) {
      this.last = null;
      return 0;
    }
    let score = 0;
    const n = this.sorted.length;
    if (n >= this.minPoints) {
      const med = medianOfSorted(this.sorted);
      const scale = safeScale(1.4826 * madOfSorted(this.sorted, med), med);
      score = zToScore((x - med) / scale);
      this.last = { expected: med, lower: med - this.bandZ * scale, upper: med + this.bandZ * scale };
    } else {
      this.last = null;
    }
    this.push(x);
    return score;
  }

  expectation(): Expectation | null {
    return this.last;
  }

  private push(x: number): void {
    if (this.ring.length < this.lookback) {
      this.ring.push(x);
    } else {
      const old = this.ring[this.head];
      this.ring[this.head] = x;
      this.head = (this.head + 1) % this.lookback;
      this.sorted.splice(lowerBound(this.sorted, old), 1);
    }
    this.sorted.splice(lowerBound(this.sorted, x), 0, x);
  }
}

export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function medianOfSorted(a: readonly number[]): number {
  const n = a.length;
  const h = n >>> 1;
  return n % 2 === 1 ? a[h] : (a[h - 1] + a[h]) / 2;
}

/** MAD of sorted values: deviations left and right of the median are each monotone, so merge. */
export function madOfSorted(a: readonly number[], med: number): number {
  const n = a.length;
  let i = lowerBound(a, med) - 1; // walks left
  let j = i + 1; // walks right
  const want = n >>> 1; // index of the (upper) median deviation
  let prev = 0;
  let cur = 0;
  for (let k = 0; k <= want; k++) {
    const dl = i >= 0 ? med - a[i] : Infinity;
    const dr = j < n ? a[j] - med : Infinity;
    prev = cur;
    if (dl <= dr) {
      cur = dl;
      i--;
    } else {
      cur = dr;
      j++;
    }
  }
  return n % 2 === 1 ? cur : (prev + cur) / 2;
}
