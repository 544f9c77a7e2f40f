/**
 * The latency histogram of the span rollups: DDSketch buckets (the same mapping as
 * analytics/sketch.ts), stored as sparse (key, count) lists so partial histograms merge by adding
 * counts per key, in SQL or here.
 *
 * Accuracy: every value in bucket k lies in (γ^(k−1), γ^k] and the bucket stands for 2γ^k/(γ+1),
 * which is within ±ROLLUP_RELATIVE_ACCURACY of it. Quantiles interpolate between the values at the
 * two ranks around q·(n−1), as quantile_cont does; both ends are within the accuracy and the
 * interpolation is a convex combination, so the result is too (for positive durations). The exact
 * min and max clamp the answer and stand for ranks 0 and n−1.
 */

/** Relative accuracy of rollup percentiles (1%). */
export const ROLLUP_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + ROLLUP_RELATIVE_ACCURACY) / (1 - ROLLUP_RELATIVE_ACCURACY);
/** ln γ, inlined into SQL so DuckDB computes the same keys as JS. */
export const LN_GAMMA = Math.log(GAMMA);
/** Durations at or below this many ms (zero, or negative from clock skew) share one bucket. */
const MIN_MS = 1e-9;
/** The key of that bucket; it sorts before every real key (|real keys| < 1,100 for 1e-9 ms..1e9 ms). */
export const ZERO_KEY = -32768;

export function sketchKey(ms: number): number {
  return ms > MIN_MS ? Math.ceil(Math.log(ms) / LN_GAMMA) : ZERO_KEY;
}

/** The same mapping in SQL, over a DOUBLE ms expression. */
export function sketchKeySql(msExpr: string): string {
  return `CASE WHEN ${msExpr} > ${MIN_MS} THEN ceil(ln(${msExpr}) / ${LN_GAMMA})::INTEGER ELSE ${ZERO_KEY} END`;
}

export function sketchValue(key: number): number {
  return key === ZERO_KEY ? 0 : (2 * GAMMA ** key) / (GAMMA + 1);
}

/** A merged histogram: keys ascending, with counts, and the exact count, min and max. */
export interface Histogram {
  keys: number[];
  counts: number[];
  n: number;
  min: number;
  max: number;
}

/** Builds a Histogram from [key, count] pairs in any order, summing counts of repeated keys. */
export function histogramFromPairs(pairs: readonly (readonly [number, number])[], min: number, max: number): Histogram {
  const m = new Map<number, number>();
  for (const [k, c] of pairs) m.set(k, (m.get(k) ?? 0) + c);
  const keys = [...m.keys()].sort((a, b) => a - b);
  const counts = keys.map((k) => m.get(k)!);
  let n = 0;
  for (const c of counts) n += c;
  return { keys, counts, n, min, max };
}

/** Continuous quantiles (as quantile_cont) for ascending qs; null when the histogram is empty. */
export function histogramQuantiles(h: Histogram, qs: readonly number[]): (number | null)[] {
  if (h.n <= 0) return qs.map(() => null);
  const at = (rank: number): number => {
    if (rank <= 0) return h.min;
    if (rank >= h.n - 1) return h.max;
    let seen = 0;
    for (let i = 0; i < h.keys.length; i++) {
      seen += h.counts[i];
      if (seen > rank) return Math.min(h.max, Math.max(h.min, sketchValue(h.keys[i])));
    }
    return h.max;
  };
  return qs.map((q) => {
    const pos = (h.n - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const vlo = at(lo);
    return hi === lo ? vlo : vlo + (at(hi) - vlo) * (pos - lo);
  });
}

/**
 * SQL: a rollup row's histogram as one list of numbers, (key + 2^16)·2^32 + count each (exact in
 * a DOUBLE). `flatten(list(HIST_ENTRIES_SQL))` then gathers a group's histograms into one list in
 * one aggregate, with key and count never separated, and only that list per group reaches JS
 * (cheaper than merging the buckets in SQL, measured: the hash aggregate and window over every
 * bucket of every group cost several times more).
 */
export const HIST_ENTRIES_SQL =
  'list_transform(range(len(hist_keys)), i -> (hist_keys[i + 1] + 65536)::DOUBLE * 4294967296 + hist_counts[i + 1])';

const TWO32 = 4294967296;
/** Dense bucket counts: slot 0 is the zero bucket, real keys k sit at k + OFFSET. */
const OFFSET = 2049;
const SLOTS = 2 * OFFSET + 1;
const dense = new Float64Array(SLOTS);

function slotValue(slot: number): number {
  return slot === 0 ? 0 : sketchValue(slot - OFFSET);
}

/**
 * Continuous quantiles (as quantile_cont, ascending qs) of the histogram made of encoded entries
 * (HIST_ENTRIES_SQL, any number of entries per key) with the exact min and max; null when empty.
 */
export function quantilesFromEntries(
  entries: readonly unknown[] | null | undefined,
  min: number,
  max: number,
  qs: readonly number[],
): (number | null)[] {
  let n = 0;
  let lo = SLOTS;
  let hi = -1;
  for (const e of entries ?? []) {
    const v = Number(e);
    const kk = Math.floor(v / TWO32);
    const c = v - kk * TWO32;
    const k = kk - 65536;
    const slot = k === ZERO_KEY ? 0 : Math.min(SLOTS - 1, Math.max(1, k + OFFSET));
    dense[slot] += c;
    n += c;
    if (slot < lo) lo = slot;
    if (slot > hi) hi = slot;
  }
  if (n <= 0) return qs.map(() => null);
  const out: (number | null)[] = [];
  // Ranks ascend with q, so one walk over the slots serves every quantile.
  let slot = lo;
  let seen = dense[lo];
  const at = (rank: number): number => {
    if (rank <= 0) return min;
    if (rank >= n - 1) return max;
    while (seen <= rank && slot < hi) seen += dense[++slot];
    return Math.min(max, Math.max(min, slotValue(slot)));
  };
  for (const q of qs) {
    const pos = (n - 1) * q;
    const l = Math.floor(pos);
    const h = Math.ceil(pos);
    const vlo = at(l);
    out.push(h === l ? vlo : vlo + (at(h) - vlo) * (pos - l));
  }
  dense.fill(0, lo, hi + 1);
  return out;
}
