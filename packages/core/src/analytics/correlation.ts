/** Pearson and Spearman correlation with two-sided p-values (t distribution with n − 2 df). */
import { ranks, tTwoSidedP } from './stats.js';

export interface CorrelationResult {
  method: 'pearson' | 'spearman';
  /** Coefficient in [−1, 1]; 0 when undefined (constant input or fewer than 3 pairs). */
  r: number;
  pValue: number;
  /** Pairs used (pairs with a non-finite member are dropped). */
  n: number;
  /** Why r is 0 when it could not be computed. */
  note: string | null;
}

function pairs(x: readonly number[], y: readonly number[]): [number[], number[]] {
  if (x.length !== y.length) throw new RangeError(`x and y must have the same length (${x.length} vs ${y.length})`);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < x.length; i++)
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      a.push(x[i]);
      b.push(y[i]);
    }
  return [a, b];
}

function pearsonRaw(a: readonly number[], b: readonly number[]): number | null {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  if (saa === 0 || sbb === 0) return null;
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

function result(method: CorrelationResult['method'], r: number | null, n: number): CorrelationResult {
  if (n < 3) return { method, r: 0, pValue: 1, n, note: 'fewer than 3 complete pairs' };
  if (r === null) return { method, r: 0, pValue: 1, n, note: 'one of the series is constant' };
  const df = n - 2;
  const p = Math.abs(r) >= 1 ? 0 : tTwoSidedP(r * Math.sqrt(df / (1 - r * r)), df);
  return { method, r, pValue: p, n, note: null };
}

export function pearson(x: readonly number[], y: readonly number[]): CorrelationResult {
  const [a, b] = pairs(x, y);
  return result('pearson', a.length < 3 ? null : pearsonRaw(a, b), a.length);
}

/** Spearman's ρ: Pearson on average ranks, so any monotone relation scores ±1. */
export function spearman(x: readonly number[], y: readonly number[]): CorrelationResult {
  const [a, b] = pairs(x, y);
  return result('spearman', a.length < 3 ? null : pearsonRaw(ranks(a), ranks(b)), a.length);
}

export function correlation(x: readonly number[], y: readonly number[], method: 'pearson' | 'spearman' = 'pearson') {
  return method === 'spearman' ? spearman(x, y) : pearson(x, y);
}
