/**
 * Shapes the rows of a series query (label columns g0, g1, ..., `bucket` and `v`) into Series.
 * Shared by both stores' raw and rollup series queries, which all select these columns.
 */
import type { RowValues } from './rows.js';
import type { Series, SpanSeriesQuery } from './store.js';

type Row = Record<string, unknown>;

/** The span column behind each span series grouping (the same in spans and in the rollup tables). */
export const SPAN_GROUP_COLUMN: Record<NonNullable<SpanSeriesQuery['groupBy']>, string> = {
  model: 'model',
  agent: 'agent_id',
  kind: 'kind',
  service: 'service_name',
  provider: 'provider',
};

/** Rows ordered by group then bucket; a null `v` (e.g. a percentile of nothing) is no point. */
export function toSeries(rows: readonly Row[], labelKeys: string[], v: RowValues): Series[] {
  const byKey = new Map<string, Series>();
  for (const r of rows) {
    const labels: Record<string, string> = {};
    for (let i = 0; i < labelKeys.length; i++) labels[labelKeys[i]] = (r[`g${i}`] as string | null) ?? '';
    const key = JSON.stringify(labels);
    let s = byKey.get(key);
    if (!s) {
      s = { labels, points: [] };
      byKey.set(key, s);
    }
    const value = v.numOrNull(r.v);
    if (value != null) s.points.push([v.num(r.bucket), value]);
  }
  return [...byKey.values()];
}
