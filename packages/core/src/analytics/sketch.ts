/**
 * DDSketch (Masson, Rim & Lee, VLDB 2019): a mergeable quantile sketch with a relative-error
 * guarantee. Every quantile it answers is within ±α (default 1%) of the true value's magnitude,
 * whatever the distribution, in memory logarithmic in the value range. Latencies span 1 ms to
 * minutes, which is exactly the case relative error is for.
 */

export class DDSketch {
  readonly alpha: number;
  private readonly gamma: number;
  private readonly logGamma: number;
  private readonly pos = new Map<number, number>();
  private readonly neg = new Map<number, number>();
  private zeros = 0;
  private n = 0;
  private minV = Infinity;
  private maxV = -Infinity;
  private total = 0;
  /** Magnitudes below this count as zero (keeps the bucket index range bounded). */
  private static readonly MIN = 1e-9;

  constructor(alpha = 0.01) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError('alpha must be in (0, 1)');
    this.alpha = alpha;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.logGamma = Math.log(this.gamma);
  }

  get count(): number {
    return this.n;
  }
  get sum(): number {
    return this.total;
  }
  get min(): number {
    return this.n === 0 ? Number.NaN : this.minV;
  }
  get max(): number {
    return this.n === 0 ? Number.NaN : this.maxV;
  }

  /** Add a value (non-finite values are ignored, and reported false). */
  add(x: number, weight = 1): boolean {
    if (!Number.isFinite(x) || !(weight > 0)) return false;
    this.n += weight;
    this.total += x * weight;
    if (x < this.minV) this.minV = x;
    if (x > this.maxV) this.maxV = x;
    const a = Math.abs(x);
    if (a < DDSketch.MIN) this.zeros += weight;
    else {
      const k = Math.ceil(Math.log(a) / this.logGamma);
      const m = x > 0 ? this.pos : this.neg;
      m.set(k, (m.get(k) ?? 0) + weight);
    }
    return true;
  }

  merge(o: DDSketch): void {
    if (o.alpha !== this.alpha) throw new RangeError('can only merge sketches with the same alpha');
    for (const [k, c] of o.pos) this.pos.set(k, (this.pos.get(k) ?? 0) + c);
    for (const [k, c] of o.neg) this.neg.set(k, (this.neg.get(k) ?? 0) + c);
    this.zeros += o.zeros;
    this.n += o.n;
    this.total += o.total;
    this.minV = Math.min(this.minV, o.minV);
    this.maxV = Math.max(this.maxV, o.maxV);
  }

  /** The q-quantile (0 ≤ q ≤ 1); NaN when empty. */
  quantile(q: number): number {
    if (this.n === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
    if (q === 0) return this.minV;
    if (q === 1) return this.maxV;
    const rank = q * (this.n - 1);
    let seen = 0;
    const negKeys = [...this.neg.keys()].sort((a, b) => b - a); // most negative first
    for (const k of negKeys) {
      seen += this.neg.get(k)!;
      if (seen > rank) return this.clampV(-this.value(k));
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    const posKeys = [...this.pos.keys()].sort((a, b) => a - b);
    for (const k of posKeys) {
      seen += this.pos.get(k)!;
      if (seen > rank) return this.clampV(this.value(k));
    }
    return this.maxV;
  }

  private value(k: number): number {
    return (2 * this.gamma ** k) / (this.gamma + 1);
  }

  private clampV(x: number): number {
    return Math.min(this.maxV, Math.max(this.minV, x));
  }
}
