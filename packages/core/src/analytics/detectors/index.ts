import { ChangePointDetector, type ChangePointOptions } from './changepoint.js';
import { EnsembleDetector, type EnsembleOptions } from './ensemble.js';
import { EwmaDetector } from './ewma.js';
import { NoveltyDetector, type NoveltyOptions } from './novelty.js';
import { RobustZDetector } from './robust-z.js';
import { SeasonalDetector, type SeasonalOptions } from './seasonal.js';
import { ThresholdDetector, type ThresholdOptions } from './threshold.js';
import type { DetectorOptions, StreamingDetector } from './types.js';

export { AnomalyLikelihood, type LikelihoodOptions } from './likelihood.js';
export { scoreToZ, zToScore } from './score.js';
export * from './types.js';
export type { ChangePointOptions, EnsembleOptions, NoveltyOptions, SeasonalOptions, ThresholdOptions };
export {
  ChangePointDetector,
  EnsembleDetector,
  EwmaDetector,
  NoveltyDetector,
  RobustZDetector,
  SeasonalDetector,
  ThresholdDetector,
};

export const ALGORITHMS = ['ensemble', 'robust_z', 'ewma', 'seasonal', 'changepoint', 'novelty', 'threshold'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
/** What `vigil detect` and detectAnomalies use when no algorithm is named. */
export const DEFAULT_ALGORITHM: Algorithm = 'ensemble';

export type AnyDetectorOptions = DetectorOptions &
  ThresholdOptions &
  Omit<EnsembleOptions, keyof DetectorOptions> &
  Omit<ChangePointOptions, keyof DetectorOptions> &
  Omit<SeasonalOptions, keyof DetectorOptions> &
  Omit<NoveltyOptions, keyof DetectorOptions>;

export function isAlgorithm(name: string): name is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(name);
}

/** A fresh streaming detector by name; throws RangeError naming the valid ones for a bad name. */
export function createDetector(algorithm: string, opts: AnyDetectorOptions = {}): StreamingDetector {
  switch (algorithm) {
    case 'ensemble':
      return new EnsembleDetector(opts);
    case 'robust_z':
      return new RobustZDetector(opts);
    case 'ewma':
      return new EwmaDetector(opts);
    case 'seasonal':
      return new SeasonalDetector(opts);
    case 'changepoint':
      return new ChangePointDetector(opts);
    case 'novelty':
      return new NoveltyDetector(opts);
    case 'threshold':
      if (opts.upper === undefined && opts.lower === undefined)
        throw new RangeError('threshold detector needs an upper and/or lower bound');
      return new ThresholdDetector(opts);
    default:
      throw new RangeError(`unknown algorithm "${algorithm}"; use one of ${ALGORITHMS.join(', ')}`);
  }
}
