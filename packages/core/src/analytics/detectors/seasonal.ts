import { detectSeasonality, type Seasonality } from '../seasonality.js';
import { isMeasurable, safeScale, scoreToZ, zToScore } from './score.js';
import { type DetectorOptions, type Expectation, SENSITIVITY_THRESHOLDS, type StreamingDetector } from './types.js';

export interface SeasonalOptions extends DetectorOptions {
  /** Force a period in ms instead of detecting one (hourly/daily/weekly are tried otherwise). */
  periodMs?: number;
  bandScore?: number;
}

/**
 * Online seasonal decomposition with residual scoring: value = level + season[phase] + residual.
 * The period is found automatically from the history (re-tried as history doubles until one is
 * found); level and seasonal slots follow exponential smoothing, and residuals are scaled by their
 * own running mean absolute size. Updates clip the residual at 3σ so an anomaly does not teach the
 * model to expect itself.
 */
export class SeasonalDetector implements StreamingDetector {
  readonly name = 'seasonal';
  private readonly minPoints: number;
  private readonly maxBuffer: number;
  private readonly bandZ: number;
  private readonly forcedPeriod: number | undefined;
  private times: number[] = [];
  private values: number[] = [];
  private nextTry: number;
  private season: Float64Array | null = null;
  private periodMs = 0;
  private slots = 0;
  private level = Number.NaN;
  private meanAbs = 0;
  private n = 0;
  private last: Expectation | null = null;
  info: Seasonality | null = null;

  constructor(opts: SeasonalOptions = {}) {
    this.minPoints = Math.max(10, Math.floor(opts.minDataPoints ?? 30));
    this.maxBuffer = Math.max(this.minPoints, Math.floor(opts.lookback ?? 4032));
    this.bandZ = scoreToZ(opts.bandScore ?? SENSITIVITY_THRESHOLDS.medium);
    this.forcedPeriod = opts.periodMs;
    this.nextTry = this.minPoints;
  }

  update(t: number, x: number): number {
    if (!isMeasurable(x) || !Number.isFinite(t)) {
      this.last = null;
      return 0;
    }
    this.n++;
    if (this.season === null && this.n <= this.maxBuffer) {
      this.times.push(t);
      this.values.push(x);
      if (this.n >= this.nextTry) {
        this.nextTry *= 2;
        this.tryFindPeriod();
      }
    }
    const s = this.season === null ? 0 : this.season[this.slot(t)];
    if (Number.isNaN(this.level)) {
      this.level = x - s;
      this.last = null;
      return 0;
    }
    const expected = this.level + s;
    const r = x - expected;
    const sd = safeScale(1.2533 * this.meanAbs, expected);
    let score = 0;
    if (this.n > this.minPoints) {
      score = zToScore(r / sd);
      this.last = { expected, lower: expected - this.bandZ * sd, upper: expected + this.bandZ * sd };
    } else {
      this.last = null;
    }
    const clipped = Math.max(-3 * sd, Math.min(3 * sd, r));
    const warm = this.n <= this.minPoints;
    const aLevel = warm ? 1 / this.n : 0.05;
    this.level += aLevel * clipped;
    if (this.season !== null) this.season[this.slot(t)] += 0.1 * (clipped - aLevel * clipped);
    this.meanAbs += (warm ? 1 / this.n : 0.02) * (Math.abs(clipped) - this.meanAbs);
    return score;
  }

  expectation(): Expectation | null {
    return this.last;
  }

  private slot(t: number): number {
    const phase = (((t % this.periodMs) + this.periodMs) % this.periodMs) / this.periodMs;
    return Math.min(this.slots - 1, Math.floor(phase * this.slots));
  }

  private tryFindPeriod(): void {
    const found = this.forcedPeriod
      ? { ...detectSeasonality(this.times, this.values, { candidatesMs: [this.forcedPeriod], minStrength: -1 }) }
      : detectSeasonality(this.times, this.values);
    this.info = found;
    if (found.periodMs === null || found.lag < 2) return;
    this.periodMs = found.periodMs;
    this.slots = found.lag;
    const sums = new Float64Array(this.slots);
    const counts = new Float64Array(this.slots);
    let total = 0;
    for (let i = 0; i < this.values.length; i++) total += this.values[i];
    const m = total / this.values.length;
    for (let i = 0; i < this.values.length; i++) {
      const k = this.slot(this.times[i]);
      sums[k] += this.values[i] - m;
      counts[k]++;
    }
    this.season = new Float64Array(this.slots);
    for (let k = 0; k < this.slots; k++) this.season[k] = counts[k] > 0 ? sums[k] / counts[k] : 0;
    // Re-derive level and residual scale under the seasonal model from the buffered history.
    let level = this.values[0] - this.season[this.slot(this.times[0])];
    let abs = 0;
    for (let i = 1; i < this.values.length; i++) {
      const e = this.values[i] - level - this.season[this.slot(this.times[i])];
      abs += (Math.abs(e) - abs) / Math.min(i, 50);
      level += 0.05 * e;
    }
    this.level = level;
    this.meanAbs = abs;
    this.times = [];
    this.values = [];
  }
}
