/**
 * Vigil's default detector. Several views of "is this new?" are combined, then calibrated:
 * - shape novelty at two time scales (nearest-neighbour distance of the recent window, with time of
 *   day as a weak extra coordinate, see novelty.ts), averaged;
 * - optionally point surprise from the seasonal and robust-z detectors, mixed in by weight;
 * - "spatial" novelty: a value beyond the whole range seen so far (by 5% of it) always alarms.
 * The mixed raw score feeds an HTM-style anomaly likelihood (likelihood.ts), which reports how
 * unusual the recent average surprise is for this series, so a noisy series is not a stream of
 * alarms and a quiet one still speaks up. One parameter set for every series; see bench/nab.
 */
import type { Seasonality } from '../seasonality.js';
import { AnomalyLikelihood, type LikelihoodOptions } from './likelihood.js';
import { NoveltyDetector, type NoveltyOptions } from './novelty.js';
import { RobustZDetector } from './robust-z.js';
import { isMeasurable } from './score.js';
import { SeasonalDetector } from './seasonal.js';
import type { DetectorOptions, Expectation, StreamingDetector } from './types.js';

export interface EnsembleOptions extends DetectorOptions {
  /** Options shared by every novelty view (default dim 8, downsample 3, timeWeight 0.3). */
  novelty?: NoveltyOptions;
  /** Coarser novelty views, each overriding `novelty` (default one view at downsample 10). */
  views?: NoveltyOptions[];
  likelihood?: LikelihoodOptions;
  /** Fraction of the seen range a value must pass the extremes by to be "spatially" new (0.05). */
  spatialTolerance?: number;
  /** Weights of the raw views: novelty, seasonal residual, robust z (default 1, 0, 0). */
  weights?: [number, number, number];
}

export const ENSEMBLE_DEFAULTS = {
  novelty: { dim: 8, downsample: 3, timeWeight: 0.3 } satisfies NoveltyOptions,
  views: [{ downsample: 10 }] satisfies NoveltyOptions[],
  likelihood: { learningPeriod: 150, estimationSamples: 150 } satisfies LikelihoodOptions,
  spatialTolerance: 0.05,
};

export class EnsembleDetector implements StreamingDetector {
  readonly name = 'ensemble';
  private readonly views: NoveltyDetector[];
  private readonly seasonal: SeasonalDetector;
  private readonly robust: RobustZDetector | null;
  private readonly likelihood: AnomalyLikelihood;
  private readonly tolerance: number;
  private readonly weights: [number, number, number];
  private readonly warm: number;
  private lo = Infinity;
  private hi = -Infinity;
  private n = 0;

  constructor(opts: EnsembleOptions = {}) {
    const base = { ...ENSEMBLE_DEFAULTS.novelty, ...opts.novelty };
    this.views = [base, ...(opts.views ?? ENSEMBLE_DEFAULTS.views)].map((v) => new NoveltyDetector({ ...base, ...v }));
    // The seasonal model always runs: it supplies the expected value and band of anomaly records.
    this.seasonal = new SeasonalDetector({ minDataPoints: opts.minDataPoints });
    this.weights = opts.weights ?? [1, 0, 0];
    this.robust =
      this.weights[2] > 0 ? new RobustZDetector({ lookback: opts.lookback, minDataPoints: opts.minDataPoints }) : null;
    this.likelihood = new AnomalyLikelihood({ ...ENSEMBLE_DEFAULTS.likelihood, ...opts.likelihood });
    this.tolerance = opts.spatialTolerance ?? ENSEMBLE_DEFAULTS.spatialTolerance;
    // Spatial alarms wait for the likelihood's warm-up too: early on every new extreme is "new".
    const lk = { ...ENSEMBLE_DEFAULTS.likelihood, ...opts.likelihood };
    this.warm = Math.max(
      1,
      Math.floor(opts.minDataPoints ?? (lk.learningPeriod ?? 150) + (lk.estimationSamples ?? 150)),
    );
  }

  update(t: number, x: number): number {
    if (!isMeasurable(x)) return 0;
    this.n++;
    let novelty = 0;
    for (const v of this.views) novelty += v.update(t, x);
    novelty /= this.views.length;
    const seasonal = this.seasonal.update(t, x);
    const robust = this.robust ? this.robust.update(t, x) : 0;
    const [wn, ws, wr] = this.weights;
    const total = wn + ws + wr;
    const raw = total > 0 ? (wn * novelty + ws * seasonal + wr * robust) / total : 0;
    let score = this.likelihood.update(raw);
    const range = this.hi - this.lo;
    if (this.n > this.warm && range > 0) {
      const tol = range * this.tolerance;
      if (x > this.hi + tol || x < this.lo - tol) score = 1;
    }
    if (x < this.lo) this.lo = x;
    if (x > this.hi) this.hi = x;
    return score;
  }

  /** The seasonal period found so far (null until one is). */
  seasonality(): Seasonality | null {
    return this.seasonal.info;
  }

  expectation(): Expectation | null {
    return this.seasonal.expectation() ?? this.robust?.expectation() ?? null;
  }
}
