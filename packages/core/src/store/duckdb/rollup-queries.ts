/**
 * Dashboard statistics and hourly span series answered from span_rollups (rollups.ts) for the
 * whole hours inside the range, plus the raw spans of the partial hours at its edges, aggregated
 * into the same shape on the fly. Counts, errors, sums, tokens, cost, min and max are exact;
 * percentiles come from the merged DDSketch histograms, within ROLLUP_RELATIVE_ACCURACY
 * (rollup-sketch.ts). Active agent runs are still counted exactly from agent_runs.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { SPAN_GROUP_COLUMN } from '../series.js';
import type { AgentStats, ModelStats, Series, SpanSeriesQuery, TimeRange } from '../store.js';
import { HIST_ENTRIES_SQL, quantilesFromEntries } from './rollup-sketch.js';
import { BY_MODEL, FINE, HOUR_US, type RollupLevel, rollupsFromSpansSql } from './rollups.js';
import { num, numOrNull, type Param, query, type Row, strOrNull, tsLit } from './sql.js';
import * as tq from './telemetry-queries.js';

interface Filter {
  sql: string;
  params: Param[];
}

/**
 * Rollup-shaped rows (hour, cols..., spans, duration_sum/min/max, tokens, cost[, hist_keys,
 * hist_counts]) for the range: stored rollups for its whole hours, raw spans for the rest. The
 * filter uses column names common to spans and span_rollups.
 */
function rollupSource(
  level: RollupLevel,
  project: string,
  range: TimeRange,
  cols: readonly string[],
  filter: Filter,
  hist: boolean,
): { sql: string; params: Param[] } {
  const hFrom = Math.ceil(range.fromUs / HOUR_US) * HOUR_US;
  const hTo = Math.floor(range.toUs / HOUR_US) * HOUR_US;
  const all = ['hour', ...cols];
  const parts: string[] = [];
  const params: Param[] = [];
  const raw = (from: number, to: number) => {
    if (to <= from) return;
    parts.push(
      rollupsFromSpansSql(
        `project = ? AND start_time >= ${tsLit(from)} AND start_time < ${tsLit(to)} AND (${filter.sql})`,
        all,
        hist,
      ),
    );
    params.push(project, ...filter.params);
  };
  if (hTo > hFrom) {
    raw(range.fromUs, hFrom);
    parts.push(
      `SELECT ${all.join(', ')}, spans, duration_sum, duration_min, duration_max, input_tokens, output_tokens,
         cost_usd${hist ? ', hist_keys, hist_counts' : ''}
       FROM ${level.table}
       WHERE project = ? AND hour >= ${tsLit(hFrom)} AND hour < ${tsLit(hTo)} AND (${filter.sql})`,
    );
    params.push(project, ...filter.params);
    raw(hTo, range.toUs);
  } else raw(range.fromUs, range.toUs);
  return { sql: parts.join('\nUNION ALL BY NAME\n'), params };
}

/** A group's histogram entries, gathered for quantilesFromEntries. */
const histEntries = (filter?: string) =>
  `flatten(list(${HIST_ENTRIES_SQL})${filter ? ` FILTER (${filter})` : ''}) AS hist`;

const quantiles = (r: Row, qs: readonly number[]) =>
  quantilesFromEntries(r.hist as unknown[] | null, num(r.dmin), num(r.dmax), qs);

const AGENT_QS = [0.5, 0.95];
const MODEL_QS = [0.5, 0.95, 0.99];

export async function agentStats(conn: DuckDBConnection, project: string, range: TimeRange): Promise<AgentStats> {
  const src = rollupSource(
    FINE,
    project,
    range,
    ['agent_id', 'agent_name', 'kind', 'status'],
    { sql: "agent_id IS NOT NULL OR kind = 'agent'", params: [] },
    true,
  );
  const [active, groups] = await Promise.all([
    query(
      conn,
      `SELECT count(*)::DOUBLE AS n FROM agent_runs r
       WHERE r.project = ? AND r.start_time >= ${tsLit(range.fromUs)} AND r.start_time < ${tsLit(range.toUs)}
         AND NOT EXISTS (SELECT 1 FROM agent_run_ends e WHERE e.project = r.project AND e.span_id = r.span_id)`,
      [project],
    ),
    query(
      conn,
      `SELECT agent_id, max(agent_name) FILTER (kind = 'agent') AS agent_name,
           coalesce(sum(spans) FILTER (kind = 'agent'), 0)::DOUBLE AS runs,
           coalesce(sum(spans) FILTER (kind = 'agent' AND status = 'error'), 0)::DOUBLE AS errors,
           coalesce(sum(duration_sum) FILTER (kind = 'agent'), 0)::DOUBLE AS run_ms,
           min(duration_min) FILTER (kind = 'agent') AS dmin, max(duration_max) FILTER (kind = 'agent') AS dmax,
           coalesce(sum(cost_usd), 0)::DOUBLE AS cost, ${histEntries("kind = 'agent'")}
       FROM (${src.sql}) GROUP BY agent_id`,
      src.params,
    ),
  ]);
  return tq.agentStatsFromGroups(num(active[0].n), groups, (g) => {
    const [p50, p95] = quantiles(g, AGENT_QS);
    return [p50, p95];
  });
}

export async function modelStats(conn: DuckDBConnection, project: string, range: TimeRange): Promise<ModelStats> {
  const src = rollupSource(
    BY_MODEL,
    project,
    range,
    ['model', 'provider', 'status'],
    { sql: 'model IS NOT NULL', params: [] },
    true,
  );
  const rows = await query(
    conn,
    `SELECT model, GROUPING(model) AS total, max(provider) AS provider, sum(spans)::DOUBLE AS calls,
         coalesce(sum(spans) FILTER (status = 'error'), 0)::DOUBLE AS errors, sum(duration_sum)::DOUBLE AS dsum,
         min(duration_min) AS dmin, max(duration_max) AS dmax,
         coalesce(sum(input_tokens), 0)::DOUBLE AS input_tokens, coalesce(sum(output_tokens), 0)::DOUBLE AS output_tokens,
         coalesce(sum(cost_usd), 0)::DOUBLE AS cost, ${histEntries()}
     FROM (${src.sql}) GROUP BY GROUPING SETS ((model), ())
     ORDER BY total DESC, calls DESC, model`,
    src.params,
  );
  const toRow = (r: Row) => {
    const calls = num(r.calls);
    const [p50, p95, p99] = quantiles(r, MODEL_QS);
    return {
      calls,
      errors: num(r.errors),
      averageLatencyMs: calls > 0 ? num(r.dsum) / calls : null,
      p50,
      p95,
      p99,
      inputTokens: num(r.input_tokens),
      outputTokens: num(r.output_tokens),
      costUsd: num(r.cost),
    };
  };
  const total = rows.find((r) => num(r.total) === 1);
  return {
    ...toRow(total ?? {}),
    byModel: rows
      .filter((r) => num(r.total) === 0)
      .map((r) => ({ model: r.model as string, provider: strOrNull(r.provider), ...toRow(r) })),
  };
}

// --- series ---

const MEASURE_SQL: Partial<Record<SpanSeriesQuery['measure'], string>> = {
  count: 'sum(spans)::DOUBLE',
  errors: "coalesce(sum(spans) FILTER (status = 'error'), 0)::DOUBLE",
  error_rate: "coalesce(sum(spans) FILTER (status = 'error'), 0)::DOUBLE / sum(spans)",
  avg_ms: 'sum(duration_sum) / sum(spans)',
  tokens: 'coalesce(sum(input_tokens + output_tokens), 0)::DOUBLE',
  cost: 'coalesce(sum(cost_usd), 0)::DOUBLE',
};

const QUANTILE: Partial<Record<SpanSeriesQuery['measure'], number>> = { p50_ms: 0.5, p95_ms: 0.95, p99_ms: 0.99 };

/** Rollups serve steps that are whole hours (bucket edges then fall on hour edges). */
export function rollupStep(stepMs: number): boolean {
  return Number.isInteger(stepMs) && stepMs > 0 && stepMs % (HOUR_US / 1000) === 0;
}

/** Span series from rollups when the step is whole hours, else exactly from spans. */
export async function spanSeries(conn: DuckDBConnection, project: string, q: SpanSeriesQuery): Promise<Series[]> {
  if (!rollupStep(q.stepMs)) return tq.spanSeries(conn, project, q);
  const conds: string[] = ['TRUE'];
  const params: Param[] = [];
  if (q.kind != null) {
    conds.push('kind = ?');
    params.push(q.kind);
  }
  if (q.model != null) {
    conds.push('model = ?');
    params.push(q.model);
  }
  if (q.agent != null) {
    conds.push('(agent_id = ? OR agent_name = ?)');
    params.push(q.agent, q.agent);
  }
  const group = q.groupBy ? SPAN_GROUP_COLUMN[q.groupBy] : null;
  if (group) conds.push(`${group} IS NOT NULL`);
  const quantile = QUANTILE[q.measure];
  const cols = group && group !== 'kind' ? [group, 'kind', 'status'] : ['kind', 'status'];
  const level = q.agent == null && (group == null || BY_MODEL.key.includes(group)) ? BY_MODEL : FINE;
  const src = rollupSource(level, project, q, cols, { sql: conds.join(' AND '), params }, quantile != null);
  const step = Math.round(q.stepMs);
  const g = group ? `${group} AS g0, ` : '';
  const bucket = `((epoch_ms(hour) // ${step}) * ${step})::DOUBLE AS bucket`;
  let rows: Row[];
  if (quantile == null) {
    rows = await query(
      conn,
      `SELECT ${g}${bucket}, ${MEASURE_SQL[q.measure]} AS v FROM (${src.sql})
       GROUP BY ALL ORDER BY ${group ? 'g0, ' : ''}bucket`,
      src.params,
    );
  } else {
    rows = await query(
      conn,
      `SELECT ${g}${bucket}, min(duration_min) AS dmin, max(duration_max) AS dmax, ${histEntries()}
       FROM (${src.sql}) GROUP BY ALL ORDER BY ${group ? 'g0, ' : ''}bucket`,
      src.params,
    );
    for (const r of rows) r.v = quantiles(r, [quantile])[0];
  }
  const byKey = new Map<string, Series>();
  for (const r of rows) {
    const label = group ? ((r.g0 as string | null) ?? '') : '';
    let s = byKey.get(label);
    if (!s) {
      s = { labels: q.groupBy ? { [q.groupBy]: label } : {}, points: [] };
      byKey.set(label, s);
    }
    const v = numOrNull(r.v);
    if (v != null) s.points.push([num(r.bucket), v]);
  }
  return [...byKey.values()];
}
