/**
 * Vigil's default detector: several views of "is this new?" combined, then calibrated.
 * - shape novelty (nearest-neighbour distance of the recent window, see novelty.ts),
 * - point surprise against a seasonal model and against a robust window (spikes, dips),
 * - "spatial" novelty: a value beyond the whole range seen so far, which always matters.
 * The raw view scores feed an HTM-style anomaly likelihood (likelihood.ts), which reports how
 * unusual the recent average surprise is for this series, so a noisy series is not a stream of
 * alarms and a quiet one still speaks up.
 */
import { AnomalyLikelihood, type LikelihoodOptions } from './likelihood.js';
import { NoveltyDetector, type NoveltyOptions } from './novelty.js';
import { RobustZDetector } from './robust-z.js';
import { SeasonalDetector } from './seasonal.js';
import type { DetectorOptions, Expectation, StreamingDetector } from './types.js';

/** Score of tail 1e-5 (an alarm at any sensitivity) and of 1e-3 (what held alarms are capped at). */
const STRONG = 1 - 10 ** -0.5;
const HELD = 1 - 10 ** -0.3;

export interface EnsembleOptions extends DetectorOptions {
  novelty?: NoveltyOptions;
  /** Extra novelty views at coarser time scales (downsample factors), combined by `combine`. */
  scales?: number[];
  combine?: 'max' | 'mean';
  likelihood?: LikelihoodOptions;
  /** Fraction of the seen range a value must pass the extremes by to be "spatially" new (0.05). */
  spatialTolerance?: number;
  /** Points after a reported anomaly during which further alarms are held below "high" (default 100). */
  refractory?: number;
  /** Weights of the raw views (novelty, seasonal, robust z); default 1, 0, 0. */
  weights?: [number, number, number];
}

export class EnsembleDetector implements StreamingDetector {
  readonly name = 'ensemble';
  private readonly novelty: NoveltyDetector;
  private readonly coarse: NoveltyDetector[];
  private readonly combine: 'max' | 'mean';
  private readonly seasonal: SeasonalDetector;
  private readonly robust: RobustZDetector;
  private readonly likelihood: AnomalyLikelihood;
  private readonly tolerance: number;
  private readonly weights: [number, number, number];
  private readonly warm: number;
  private lo = Infinity;
  private hi = -Infinity;
  private n = 0;
  private readonly refractory: number;
  private quietUntil = 0;

  constructor(opts: EnsembleOptions = {}) {
    this.novelty = new NoveltyDetector({ ...opts.novelty });
    this.coarse = (opts.scales ?? []).map((k) => new NoveltyDetector({ ...opts.novelty, downsample: k }));
    this.combine = opts.combine ?? 'max';
    this.seasonal = new SeasonalDetector({ minDataPoints: opts.minDataPoints });
    this.robust = new RobustZDetector({ lookback: opts.lookback ?? 120, minDataPoints: opts.minDataPoints });
    this.likelihood = new AnomalyLikelihood(opts.likelihood);
    this.tolerance = opts.spatialTolerance ?? 0.05;
    this.weights = opts.weights ?? [1, 0, 0];
    this.refractory = Math.max(0, Math.floor(opts.refractory ?? 100));
    this.warm = Math.max(1, Math.floor(opts.minDataPoints ?? 50));
  }

  update(t: number, x: number): number {
    if (!Number.isFinite(x)) return 0;
    this.n++;
    const [wn, ws, wr] = this.weights;
    const total = wn + ws + wr;
    let a = wn > 0 ? this.novelty.update(t, x) : 0;
    if (this.coarse.length > 0) {
      let acc = a;
      for (const c of this.coarse) {
        const v = c.update(t, x);
        acc = this.combine === 'max' ? Math.max(acc, v) : acc + v;
      }
      a = this.combine === 'max' ? acc : acc / (this.coarse.length + 1);
    }
    const b = ws > 0 ? this.seasonal.update(t, x) : 0;
    const c = wr > 0 ? this.robust.update(t, x) : 0;
    const raw = total > 0 ? (wn * a + ws * b + wr * c) / total : 0;
    let score = this.likelihood.update(raw);
    const range = this.hi - this.lo;
    if (this.n > this.warm && range > 0) {
      const tol = range * this.tolerance;
      if (x > this.hi + tol || x < this.lo - tol) score = 1;
    }
    // One event, one alarm: after a strong alarm, hold later ones under it for a while.
    if (this.n <= this.quietUntil) score = Math.min(score, HELD);
    else if (score >= STRONG) this.quietUntil = this.n + this.refractory;
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    return score;
  }

  expectation(): Expectation | null {
    return this.seasonal.expectation() ?? this.robust.expectation();
  }
}
