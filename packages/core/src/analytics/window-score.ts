/**
 * Scoring a detector against labelled anomaly windows, as the Numenta Anomaly Benchmark (NAB) does:
 * the earliest detection inside a window earns up to A_TP (less the later it comes), a missed window
 * costs A_FN, and detections outside windows cost up to A_FP (less just after a window). One
 * threshold is chosen for a whole corpus, and the total is normalised between the null detector (0)
 * and the perfect one (100). Used by bench/nab; pure so it is tested on NAB's worked example.
 */

export interface CostProfile {
  tp: number;
  fp: number;
  fn: number;
}

export const NAB_PROFILES: Record<'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate', CostProfile> = {
  standard: { tp: 1, fp: 0.11, fn: 1 },
  reward_low_FP_rate: { tp: 1, fp: 0.22, fn: 1 },
  reward_low_FN_rate: { tp: 1, fp: 0.11, fn: 2 },
};

export interface LabelledScores {
  /** One score per row, in row order. */
  scores: ArrayLike<number>;
  /** Anomaly windows as inclusive row-index ranges [start, end], in time order, not overlapping. */
  windows: readonly (readonly [number, number])[];
}

/** NAB's scaled sigmoid: ~1 well before a window's end, 0 at the end, −1 far after. */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

/** Rows ignored at the start of a series of n rows (NAB's probationary period). */
export function probationRows(n: number): number {
  return Math.min(Math.floor(0.15 * n), 0.15 * 5000);
}

interface RowWeights {
  /** For rows inside a window: the window's index, else −1. */
  windowOf: Int32Array;
  /** The row's contribution when it is a detection (TP weight inside windows, FP cost outside). */
  weight: Float64Array;
  /** Windows that have rows after probation (the ones that count). */
  scoredWindows: number;
}

function rowWeights(n: number, windows: LabelledScores['windows'], p: CostProfile): RowWeights {
  const windowOf = new Int32Array(n).fill(-1);
  const weight = new Float64Array(n);
  const probation = probationRows(n);
  const sigNeg1 = scaledSigmoid(-1);
  let scoredWindows = 0;
  windows.forEach(([start, end], k) => {
    if (end >= probation) scoredWindows++;
    const w = end - start + 1;
    for (let i = Math.max(start, 0); i <= end && i < n; i++) {
      windowOf[i] = k;
      weight[i] = (scaledSigmoid(-(end - i + 1) / w) * p.tp) / sigNeg1;
    }
  });
  let prevEnd = -1;
  let prevWidth = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    while (k < windows.length && windows[k][1] < i) {
      prevEnd = windows[k][1];
      prevWidth = windows[k][1] - windows[k][0] + 1;
      k++;
    }
    if (windowOf[i] !== -1) continue;
    weight[i] = prevEnd < 0 ? -p.fp : p.fp * scaledSigmoid(Math.abs(i - prevEnd) / Math.max(1, prevWidth - 1));
  }
  for (let i = 0; i < probation && i < n; i++) {
    weight[i] = 0;
    windowOf[i] = -2; // ignored entirely
  }
  return { windowOf, weight, scoredWindows };
}

/** The raw NAB score of one series at a threshold (detection: score ≥ threshold). */
export function scoreSeries(s: LabelledScores, threshold: number, p: CostProfile): number {
  const n = s.scores.length;
  const { windowOf, weight } = rowWeights(n, s.windows, p);
  const best = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!(s.scores[i] >= threshold) || windowOf[i] === -2) continue;
    const k = windowOf[i];
    if (k === -1) total += weight[i];
    else if (!best.has(k)) best.set(k, weight[i]);
  }
  const probation = probationRows(n);
  s.windows.forEach(([, end], k) => {
    if (end < probation) return;
    total += best.get(k) ?? -p.fn;
  });
  return total;
}

export interface CorpusScore {
  threshold: number;
  raw: number;
  nullScore: number;
  perfectScore: number;
  /** 100 · (raw − null) / (perfect − null). */
  normalized: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

/**
 * The best single threshold for a corpus, trying every distinct score value: the total is a step
 * function of the threshold, so we sweep thresholds from high to low, adding each row's change.
 */
export function optimizeThreshold(corpus: readonly LabelledScores[], p: CostProfile): CorpusScore {
  const evVal: number[] = [];
  const evDelta: number[] = [];
  let nullScore = 0;
  let windowCount = 0;
  for (const s of corpus) {
    const n = s.scores.length;
    const { windowOf, weight, scoredWindows } = rowWeights(n, s.windows, p);
    nullScore -= p.fn * scoredWindows;
    windowCount += scoredWindows;
    for (let i = 0; i < n; i++) {
      if (windowOf[i] === -1) {
        const v = s.scores[i];
        if (Number.isFinite(v)) {
          evVal.push(v);
          evDelta.push(weight[i]);
        }
      }
    }
    // Per window: the earliest detection at threshold t is the first prefix-max record ≥ t.
    const probation = probationRows(n);
    for (const [start, end] of s.windows) {
      if (end < probation) continue;
      const recIdx: number[] = [];
      let m = -Infinity;
      for (let i = Math.max(start, probation); i <= end && i < n; i++) {
        const v = s.scores[i];
        if (Number.isFinite(v) && v > m) {
          m = v;
          recIdx.push(i);
        }
      }
      let prev = -p.fn;
      for (let r = recIdx.length - 1; r >= 0; r--) {
        const i = recIdx[r];
        evVal.push(s.scores[i]);
        evDelta.push(weight[i] - prev);
        prev = weight[i];
      }
    }
  }
  const order = Array.from(evVal.keys()).sort((a, b) => evVal[b] - evVal[a]);
  let cur = nullScore;
  let bestRaw = nullScore;
  let bestT = Infinity;
  for (let j = 0; j < order.length; ) {
    const v = evVal[order[j]];
    while (j < order.length && evVal[order[j]] === v) cur += evDelta[order[j++]];
    if (cur > bestRaw + 1e-12) {
      bestRaw = cur;
      bestT = v;
    }
  }
  const perfectScore = p.tp * windowCount;
  const counts = countOutcomes(corpus, bestT);
  return {
    threshold: bestT,
    raw: bestRaw,
    nullScore,
    perfectScore,
    normalized: perfectScore === nullScore ? 0 : (100 * (bestRaw - nullScore)) / (perfectScore - nullScore),
    ...counts,
  };
}

function countOutcomes(corpus: readonly LabelledScores[], t: number) {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (const s of corpus) {
    const n = s.scores.length;
    const probation = probationRows(n);
    const inWin = new Int32Array(n).fill(-1);
    s.windows.forEach(([a, b], k) => {
      for (let i = a; i <= b && i < n; i++) inWin[i] = k;
    });
    for (let i = probation; i < n; i++) if (s.scores[i] >= t && inWin[i] === -1) falsePositives++;
    for (const [a, b] of s.windows) {
      if (b < probation) continue;
      let hit = false;
      for (let i = Math.max(a, probation); i <= b && i < n && !hit; i++) hit = s.scores[i] >= t;
      if (hit) truePositives++;
      else falseNegatives++;
    }
  }
  return { truePositives, falsePositives, falseNegatives };
}
