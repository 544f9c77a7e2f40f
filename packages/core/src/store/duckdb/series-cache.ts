/**
 * Results cache for span series, split by time bucket (as Grafana/Cortex query caches do), exact
 * by construction: this process is the database's only writer (DuckDB locks the file), so every
 * change to spans passes through noteHours() and invalidates exactly the hours it touched.
 *
 * A bucket's cached values carry the sum of the write versions of the hours it covers, taken
 * before the query that computed them ran; a later write to any of those hours changes the sum and
 * the bucket is recomputed. A dashboard refreshing a 7-day hourly chart under live ingest then
 * rescans only the hours written since its last refresh, not 7 days of spans.
 */
import type { Series, SpanSeriesQuery } from '../store.js';
import type { ProjectHour } from './rollup-write-behind.js';

const HOUR_MS = 3_600_000;

interface Bucket {
  version: number;
  /** Group value ('' when ungrouped) → measure. */
  values: Map<string, number>;
}

export interface SeriesCacheStats {
  hits: number;
  misses: number;
  entries: number;
}

export class SpanSeriesCache {
  /** `${project}\0${hour index}` → write version. */
  private readonly versions = new Map<string, number>();
  /** Query signature → bucket start ms → values; Map order is LRU order. */
  private readonly entries = new Map<string, Map<number, Bucket>>();
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly maxEntries = 256,
    private readonly maxBucketsPerEntry = 50_000,
  ) {}

  /** Steps whose buckets are whole hours, or whole fractions of an hour, can be cached. */
  static cacheable(stepMs: number): boolean {
    return Number.isInteger(stepMs) && stepMs >= 1000 && (stepMs % HOUR_MS === 0 || HOUR_MS % stepMs === 0);
  }

  /** Records the hours committed spans fall in (call after the commit succeeded). */
  noteHours(hours: readonly ProjectHour[]): void {
    for (const h of hours) {
      const key = `${h.project}\u0000${Math.floor(h.hourUs / 1000 / HOUR_MS)}`;
      this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    }
  }

  /** Drops every cached result (retention deleted rows). */
  clear(): void {
    this.entries.clear();
  }

  stats(): SeriesCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }

  private bucketVersion(project: string, startMs: number, stepMs: number): number {
    const first = Math.floor(startMs / HOUR_MS);
    const last = Math.floor((startMs + stepMs - 1) / HOUR_MS);
    let v = 0;
    for (let h = first; h <= last; h++) v += this.versions.get(`${project}\u0000${h}`) ?? 0;
    return v;
  }

  /**
   * Answers q from cached buckets plus `compute` over what is missing: the partial buckets at the
   * range's edges (never cached) and one span covering every stale or absent full bucket.
   */
  async spanSeries(
    project: string,
    q: SpanSeriesQuery,
    compute: (q: SpanSeriesQuery) => Promise<Series[]>,
  ): Promise<Series[]> {
    const step = q.stepMs;
    const fromMs = q.fromUs / 1000;
    const toMs = q.toUs / 1000;
    const firstFull = Math.ceil(fromMs / step) * step;
    const fullEnd = Math.floor(toMs / step) * step;
    if (fullEnd <= firstFull || (fullEnd - firstFull) / step > this.maxBucketsPerEntry) return compute(q);
    const sig = JSON.stringify([
      project,
      q.measure,
      q.groupBy ?? null,
      q.kind ?? null,
      q.model ?? null,
      q.agent ?? null,
      step,
    ]);
    let entry = this.entries.get(sig);
    if (entry) this.entries.delete(sig);
    else entry = new Map();
    this.entries.set(sig, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);

    // Versions are read before any query runs: a write landing meanwhile leaves them stale, so
    // what this query computes is recomputed next time rather than trusted.
    const versions = new Map<number, number>();
    let missFrom = Number.POSITIVE_INFINITY;
    let missTo = Number.NEGATIVE_INFINITY;
    for (let b = firstFull; b < fullEnd; b += step) {
      const v = this.bucketVersion(project, b, step);
      versions.set(b, v);
      const cached = entry.get(b);
      if (cached === undefined || cached.version !== v) {
        missFrom = Math.min(missFrom, b);
        missTo = Math.max(missTo, b + step);
        this.misses++;
      } else this.hits++;
    }
    const sub = (fromMsX: number, toMsX: number) => compute({ ...q, fromUs: fromMsX * 1000, toUs: toMsX * 1000 });
    const [head, middle, tail] = await Promise.all([
      fromMs < firstFull ? sub(fromMs, firstFull) : Promise.resolve([]),
      missFrom < missTo ? sub(missFrom, missTo) : Promise.resolve(null),
      fullEnd < toMs ? sub(fullEnd, toMs) : Promise.resolve([]),
    ]);
    const groupKey = (s: Series) => (q.groupBy ? (s.labels[q.groupBy] ?? '') : '');
    if (middle) {
      const fresh = new Map<number, Bucket>();
      for (let b = missFrom; b < missTo; b += step) fresh.set(b, { version: versions.get(b)!, values: new Map() });
      for (const s of middle) for (const [b, v] of s.points) fresh.get(b)?.values.set(groupKey(s), v);
      for (const [b, bucket] of fresh) entry.set(b, bucket);
    }

    const out = new Map<string, [number, number][]>();
    const add = (g: string, b: number, v: number) => {
      const pts = out.get(g);
      if (pts) pts.push([b, v]);
      else out.set(g, [[b, v]]);
    };
    for (const s of head) for (const [b, v] of s.points) add(groupKey(s), b, v);
    for (let b = firstFull; b < fullEnd; b += step) for (const [g, v] of entry.get(b)!.values) add(g, b, v);
    for (const s of tail) for (const [b, v] of s.points) add(groupKey(s), b, v);
    return [...out.keys()]
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((g) => ({ labels: q.groupBy ? { [q.groupBy]: g } : {}, points: out.get(g)! }));
  }
}
