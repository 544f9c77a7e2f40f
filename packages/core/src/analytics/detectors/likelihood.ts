/**
 * HTM-style anomaly likelihood (Ahmad et al., "Unsupervised real-time anomaly detection for
 * streaming data", 2017): a raw score stream is turned into "how unusual is the recent average raw
 * score compared with its own long-run distribution". A detector that is often a little surprised
 * (noisy data) is discounted; a sustained rise in surprise stands out. The tail probability of the
 * short-term mean under a normal fitted to the long-run mean is reported on a log scale, and a run
 * of extreme values after the first one is capped, so one event is reported once.
 */
import { normalTail } from '../stats.js';
import { tailToScore } from './score.js';

export interface LikelihoodOptions {
  /** Raw scores ignored entirely at the start while the raw detector itself learns (default 300). */
  learningPeriod?: number;
  /** Raw scores collected before the first estimate (default 300). */
  estimationSamples?: number;
  /** Long-run history length (default 8640: a month of 5-minute points). */
  historicWindow?: number;
  /** Re-fit the distribution every this many points (default 100). */
  reestimationPeriod?: number;
  /** Short-term averaging window (default 10). */
  averagingWindow?: number;
}

const RED = 1e-5;
const YELLOW = 1e-3;

export class AnomalyLikelihood {
  private readonly learning: number;
  private readonly estimation: number;
  private readonly window: number;
  private readonly reestimate: number;
  private readonly avgWindow: number;
  private readonly history: Float64Array;
  private histLen = 0;
  private histHead = 0;
  private readonly recent: Float64Array;
  private recentSum = 0;
  private n = 0;
  private mean = 0;
  private sd = 0;
  private fitted = false;
  private prevTail = 1;

  constructor(opts: LikelihoodOptions = {}) {
    this.learning = opts.learningPeriod ?? 300;
    this.estimation = opts.estimationSamples ?? 300;
    this.window = Math.max(10, opts.historicWindow ?? 8640);
    this.reestimate = Math.max(1, opts.reestimationPeriod ?? 100);
    this.avgWindow = Math.max(1, opts.averagingWindow ?? 10);
    this.history = new Float64Array(this.window);
    this.recent = new Float64Array(this.avgWindow);
  }

  /** Feed one raw score in [0, 1]; returns the score of the likelihood's tail (see score.ts). */
  update(raw: number): number {
    const r = Number.isFinite(raw) ? raw : 0;
    const slot = this.n % this.avgWindow;
    this.recentSum += r - this.recent[slot];
    this.recent[slot] = r;
    const count = Math.min(this.n + 1, this.avgWindow);
    const avg = this.recentSum / count;
    this.n++;
    if (this.n > this.learning) {
      this.history[this.histHead] = avg;
      this.histHead = (this.histHead + 1) % this.window;
      if (this.histLen < this.window) this.histLen++;
    }
    if (this.n <= this.learning + this.estimation) return 0;
    if (!this.fitted || this.n % this.reestimate === 0) this.fit();
    // Mirror below the mean, as nupic does: an unusually quiet detector is unusual too.
    const x = avg < this.mean ? 2 * this.mean - avg : avg;
    let tail = normalTail((x - this.mean) / this.sd);
    const raw1 = tail;
    if (tail <= RED && this.prevTail <= RED) tail = YELLOW;
    this.prevTail = raw1;
    return tailToScore(Math.log(tail + 1e-300));
  }

  private fit(): void {
    let s = 0;
    for (let i = 0; i < this.histLen; i++) s += this.history[i];
    const m = s / this.histLen;
    let v = 0;
    for (let i = 0; i < this.histLen; i++) v += (this.history[i] - m) ** 2;
    v /= this.histLen;
    // nupic's lower bounds keep an almost-silent detector from calling every blip a disaster.
    this.mean = Math.max(m, 0.03);
    this.sd = Math.sqrt(Math.max(v, 0.0003));
    this.fitted = true;
  }
}
