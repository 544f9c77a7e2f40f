/**
 * Two-sample tests for evals and regression detection: Welch's t (unequal variances), the
 * Mann-Whitney U (rank-based, for skewed latencies; normal approximation with tie correction),
 * and a percentile bootstrap confidence interval for any statistic.
 */
import { finiteValues, mean, normalTail, quantileSorted, ranks, seededRandom, tTwoSidedP, variance } from './stats.js';

export interface TestResult {
  statistic: number;
  pValue: number;
  /** Degrees of freedom (Welch) or null. */
  df: number | null;
  /** Effect: difference of means (b − a) for Welch; common-language effect P(b > a) for U. */
  effect: number;
  significant: boolean;
  nA: number;
  nB: number;
  note: string | null;
}

/** Welch's t-test of mean(b) − mean(a) = 0. */
export function welchTTest(aIn: readonly number[], bIn: readonly number[], alpha = 0.05): TestResult {
  const a = finiteValues(aIn);
  const b = finiteValues(bIn);
  const base = { nA: a.length, nB: b.length };
  if (a.length < 2 || b.length < 2)
    return {
      statistic: 0,
      pValue: 1,
      df: null,
      effect: 0,
      significant: false,
      ...base,
      note: 'each sample needs at least 2 values',
    };
  const ma = mean(a);
  const mb = mean(b);
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    const differ = ma !== mb;
    return {
      statistic: 0,
      pValue: differ ? 0 : 1,
      df: null,
      effect: mb - ma,
      significant: differ,
      ...base,
      note: 'both samples are constant',
    };
  }
  const t = (mb - ma) / se;
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const p = tTwoSidedP(t, df);
  return { statistic: t, pValue: p, df, effect: mb - ma, significant: p < alpha, ...base, note: null };
}

/** Mann-Whitney U test (two-sided). `effect` is P(B > A) + ½P(B = A). */
export function mannWhitneyU(aIn: readonly number[], bIn: readonly number[], alpha = 0.05): TestResult {
  const a = finiteValues(aIn);
  const b = finiteValues(bIn);
  const n1 = a.length;
  const n2 = b.length;
  const base = { nA: n1, nB: n2 };
  if (n1 === 0 || n2 === 0)
    return { statistic: 0, pValue: 1, df: null, effect: 0.5, significant: false, ...base, note: 'a sample is empty' };
  const all = [...a, ...b];
  const r = ranks(all);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += r[i];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const n = n1 + n2;
  const counts = new Map<number, number>();
  for (const v of all) counts.set(v, (counts.get(v) ?? 0) + 1);
  let tie = 0;
  for (const t of counts.values()) tie += t ** 3 - t;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tie / (n * (n - 1) || 1)));
  const mu = (n1 * n2) / 2;
  if (!(sigma > 0))
    return {
      statistic: u2,
      pValue: 1,
      df: null,
      effect: 0.5,
      significant: false,
      ...base,
      note: 'all values are tied',
    };
  const z = (Math.abs(u2 - mu) - 0.5) / sigma;
  const p = Math.min(1, 2 * normalTail(Math.max(0, z)));
  return { statistic: u2, pValue: p, df: null, effect: u2 / (n1 * n2), significant: p < alpha, ...base, note: null };
}

export interface BootstrapInterval {
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
  resamples: number;
}

/** Percentile bootstrap CI of `stat` (default: mean), reproducible through `seed`. */
export function bootstrapCI(
  xsIn: readonly number[],
  opts: { stat?: (xs: number[]) => number; confidence?: number; resamples?: number; seed?: number } = {},
): BootstrapInterval {
  const xs = finiteValues(xsIn);
  const stat = opts.stat ?? ((v: number[]) => mean(v));
  const confidence = opts.confidence ?? 0.95;
  const resamples = Math.max(100, Math.floor(opts.resamples ?? 2000));
  if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must be in (0, 1)');
  if (xs.length === 0) throw new RangeError('bootstrapCI needs at least one finite value');
  const rnd = seededRandom(opts.seed ?? 1);
  const est = stat(xs);
  const out = new Float64Array(resamples);
  const buf = new Array<number>(xs.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < xs.length; i++) buf[i] = xs[Math.floor(rnd() * xs.length)];
    out[r] = stat(buf);
  }
  out.sort();
  const tail = (1 - confidence) / 2;
  return {
    estimate: est,
    lower: quantileSorted(out, tail),
    upper: quantileSorted(out, 1 - tail),
    confidence,
    resamples,
  };
}
