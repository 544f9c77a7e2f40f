/** Helpers that turn API series into chart-ready columns. */
import type { Series } from '../api/types.js';

export interface Aligned {
  /** Epoch seconds (uPlot's x unit). */
  xs: number[];
  ys: (number | null)[][];
  labels: string[];
}

export function seriesLabel(s: Series, fallback = 'all'): string {
  const vals = Object.values(s.labels ?? {});
  return vals.length ? vals.join(' · ') : fallback;
}

/**
 * Puts several series on one time grid. With `grid` (from, to, step) every bucket is present and
 * missing buckets become 0 when `fillZero` (counts, cost) or null (latency: a gap, not a dip).
 */
export function align(
  series: Series[],
  opts: { grid?: { from: number; to: number; step: number }; fillZero?: boolean; fallbackLabel?: string } = {},
): Aligned {
  const times = new Set<number>();
  if (opts.grid) {
    const { from, to, step } = opts.grid;
    for (let t = Math.floor(from / step) * step; t < to; t += step) times.add(t);
  }
  for (const s of series) for (const [t] of s.points) times.add(t);
  const sorted = [...times].sort((a, b) => a - b);
  const index = new Map(sorted.map((t, i) => [t, i]));
  const empty = opts.fillZero ? 0 : null;
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(sorted.length).fill(empty);
    for (const [t, v] of s.points) col[index.get(t)!] = Number.isFinite(v) ? v : null;
    return col;
  });
  return { xs: sorted.map((t) => t / 1000), ys, labels: series.map((s) => seriesLabel(s, opts.fallbackLabel)) };
}

/** Keeps the `n` series with the largest totals and folds the rest into "other". */
export function topN(series: Series[], n: number): Series[] {
  if (series.length <= n) return series;
  const total = (s: Series) => s.points.reduce((a, [, v]) => a + (Number.isFinite(v) ? v : 0), 0);
  const sorted = [...series].sort((a, b) => total(b) - total(a));
  const rest = sorted.slice(n);
  const sum = new Map<number, number>();
  for (const s of rest) for (const [t, v] of s.points) sum.set(t, (sum.get(t) ?? 0) + v);
  return [
    ...sorted.slice(0, n),
    { labels: { group: 'other' }, points: [...sum.entries()].sort((a, b) => a[0] - b[0]) },
  ];
}

export function values(s: Series | undefined): number[] {
  return s ? s.points.map(([, v]) => v) : [];
}

export const PALETTE = [
  '#4f7cff',
  '#f59e0b',
  '#10b981',
  '#ef4444',
  '#a855f7',
  '#06b6d4',
  '#ec4899',
  '#84cc16',
  '#64748b',
];
