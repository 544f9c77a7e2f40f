/**
 * Nearest-neighbour novelty of the recent shape, in the spirit of KNN-CAD and ARTime (strong
 * entries of the Numenta Anomaly Benchmark): the last `dim` values form a vector, and its distance
 * to the nearest earlier vector in memory says how new the current behaviour is. Level shifts,
 * spikes, missing cycles and changed shapes all show up as vectors never seen before, without a
 * model of the series. Distances are scaled by the range of values seen so far, and turned into
 * a raw score by their rank among recent nearest-neighbour distances (a conformal p-value), so the
 * raw score is comparable across series of any scale or noise level.
 */
import { DAY_MS } from '../seasonality.js';
import { isMeasurable, tailToScore } from './score.js';
import type { DetectorOptions, Expectation, StreamingDetector } from './types.js';

export interface NoveltyOptions extends DetectorOptions {
  /** Values per shape vector (default 8). */
  dim?: number;
  /** Shape vectors remembered (default `lookback`, 2000). */
  memory?: number;
  /**
   * Points aggregated into one vector element (default 1). Each element keeps the extreme of its
   * block (the one farther from the running mean) so downsampling never hides a spike.
   */
  downsample?: number;
  /**
   * Weight of time of day in the vector, in units of the value range (default 0: ignore time).
   * With it, "quiet at 14:00 on a busy afternoon" is new even though quiet nights are familiar.
   */
  timeWeight?: number;
  /** Recent nearest-neighbour distances the current one is ranked against (default 400). */
  calibration?: number;
}

export class NoveltyDetector implements StreamingDetector {
  readonly name: string = 'novelty';
  private readonly dim: number;
  private readonly memory: number;
  private readonly minPoints: number;
  private readonly vecs: Float64Array;
  private stored = 0;
  private head = 0;
  private readonly recentValues: Float64Array;
  private n = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private readonly cal: Float64Array;
  private calLen = 0;
  private calHead = 0;
  private readonly pending: Float64Array[] = [];
  private lastNN = -1;
  private readonly step: number;
  private blockN = 0;
  private blockMin = Infinity;
  private blockMax = -Infinity;
  private runMean = Number.NaN;
  private held = 0;
  private readonly timeWeight: number;
  /** Stored numbers per vector: the values, plus two for time of day when it is used. */
  private readonly width: number;
  /** Range-scaled distance of the last point to its nearest neighbour (for diagnostics). */
  lastDistance = 0;

  constructor(opts: NoveltyOptions = {}) {
    this.dim = Math.max(1, Math.floor(opts.dim ?? 8));
    this.step = Math.max(1, Math.floor(opts.downsample ?? 1));
    this.memory = Math.max(16, Math.floor(opts.memory ?? opts.lookback ?? 2000));
    this.minPoints = Math.max(this.dim * 4, Math.floor(opts.minDataPoints ?? 50));
    this.timeWeight = opts.timeWeight ?? 0;
    this.width = this.dim + (this.timeWeight > 0 ? 2 : 0);
    this.vecs = new Float64Array(this.memory * this.width);
    this.recentValues = new Float64Array(this.dim);
    this.cal = new Float64Array(Math.max(10, Math.floor(opts.calibration ?? 400)));
  }

  update(t: number, x: number): number {
    if (!isMeasurable(x)) return 0;
    if (this.step === 1) return this.element(t, x);
    if (x < this.blockMin) this.blockMin = x;
    if (x > this.blockMax) this.blockMax = x;
    if (++this.blockN < this.step) return this.held;
    const m = Number.isNaN(this.runMean) ? (this.blockMin + this.blockMax) / 2 : this.runMean;
    const e = Math.abs(this.blockMax - m) >= Math.abs(this.blockMin - m) ? this.blockMax : this.blockMin;
    this.runMean = Number.isNaN(this.runMean) ? e : 0.9 * this.runMean + 0.1 * e;
    this.blockN = 0;
    this.blockMin = Infinity;
    this.blockMax = -Infinity;
    this.held = this.element(t, e);
    return this.held;
  }

  /** Score one (downsampled) element. */
  private element(t: number, x: number): number {
    const d = this.dim;
    const width = this.width;
    this.recentValues[this.n % d] = x;
    this.n++;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    if (this.n < d) return 0;
    // The current vector, oldest value first.
    const v = new Float64Array(width);
    for (let k = 0; k < d; k++) v[k] = this.recentValues[(this.n + k) % d];
    if (width > d && Number.isFinite(t)) {
      // Time of day as a point on a circle, so 23:55 is next to 00:00.
      const phase = (2 * Math.PI * (((t % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS;
      v[d] = this.timeWeight * Math.cos(phase);
      v[d + 1] = this.timeWeight * Math.sin(phase);
    }
    let score = 0;
    const range = this.hi - this.lo;
    if (this.stored > 0) {
      const dist = range > 0 ? Math.sqrt(this.nearest(v, 1 / (range * range)) / d) : 0;
      this.lastDistance = dist;
      if (this.n >= this.minPoints && this.calLen > 0) {
        let atLeast = 0;
        // Conformal p-value: the share of recent distances at least as large as this one.
        for (let i = 0; i < this.calLen; i++) if (this.cal[i] >= dist) atLeast++;
        score = dist === 0 ? 0 : tailToScore(Math.log((atLeast + 1) / (this.calLen + 1)));
      }
      this.cal[this.calHead] = dist;
      this.calHead = (this.calHead + 1) % this.cal.length;
      if (this.calLen < this.cal.length) this.calLen++;
    }
    // Delay storing by `dim` steps: the overlapping neighbours of a vector are trivial matches.
    this.pending.push(v);
    if (this.pending.length > d) this.store(this.pending.shift()!);
    return score;
  }

  /** Novelty has no notion of an expected value (ask the seasonal model for one). */
  expectation(): Expectation | null {
    return null;
  }

  private store(v: Float64Array): void {
    this.vecs.set(v, this.head * this.width);
    this.head = (this.head + 1) % this.memory;
    if (this.stored < this.memory) this.stored++;
  }

  /** Range-scaled squared distance to the nearest stored vector, with early abandoning. */
  private nearest(v: Float64Array, invR2: number): number {
    const d = this.dim;
    const w = this.width;
    const vecs = this.vecs;
    let best = Infinity;
    let bestIdx = -1;
    // Start from the successor of the last match: in a repeating series it is usually the best.
    const guess = this.lastNN >= 0 ? (this.lastNN + 1) % this.stored : -1;
    if (guess >= 0) {
      let s = 0;
      const o = guess * w;
      for (let k = 0; k < d; k++) {
        const e = v[k] - vecs[o + k];
        s += e * e * invR2;
      }
      for (let k = d; k < w; k++) {
        const e = v[k] - vecs[o + k];
        s += e * e;
      }
      best = s;
      bestIdx = guess;
    }
    for (let j = 0; j < this.stored; j++) {
      const o = j * w;
      let s = 0;
      for (let k = d; k < w; k++) {
        const e = v[k] - vecs[o + k];
        s += e * e;
      }
      for (let k = 0; k < d && s < best; k++) {
        const e = v[k] - vecs[o + k];
        s += e * e * invR2;
      }
      if (s < best) {
        best = s;
        bestIdx = j;
      }
    }
    this.lastNN = bestIdx;
    return best;
  }
}
