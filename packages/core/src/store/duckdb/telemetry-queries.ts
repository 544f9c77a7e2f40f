/**
 * Read queries over spans, metrics and logs. Every query filters by project first and bounds time
 * with inlined literals (see tsLit) so zone maps prune row groups outside the range.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LogRecord, MetricPoint, SpanRecord } from '../../model/telemetry.js';
import { decodeCursor, encodeCursor, isTraceCursor, tracePage } from '../cursor.js';
import {
  EMPTY_MODEL_TOTALS,
  rowToLog,
  rowToMetric,
  rowToModelCallStats,
  rowToSpan,
  rowToTraceSummary,
} from '../rows.js';
import { SPAN_GROUP_COLUMN, toSeries } from '../series.js';
import type {
  AgentStats,
  MetricSeriesQuery,
  ModelStats,
  Page,
  Series,
  SeriesAggregation,
  SpanSeriesQuery,
  TimeRange,
  TraceQuery,
  TraceSummary,
} from '../store.js';
import {
  jsonKeyPath,
  num,
  numLit,
  numOrNull,
  type Param,
  query,
  type Row,
  strOrNull,
  tsLit,
  usCol,
  values,
} from './sql.js';
import { traceKey } from './table-columns.js';

const SPAN_COLUMNS = `project, ${usCol('start_time')} AS start_us, ${usCol('end_time')} AS end_us, trace_id, span_id,
  parent_span_id, service_name, name, kind, status, status_message, model, provider, input_tokens, output_tokens,
  cost_usd, agent_id, agent_name, agent_version, session_id, user_id, attributes, events, input, output`;

const toSpan = (r: Row): SpanRecord => rowToSpan(r, values);

export async function getTrace(conn: DuckDBConnection, project: string, traceId: string): Promise<SpanRecord[]> {
  // trace_index gives the trace's time bounds; with them the spans scan touches only the row groups
  // whose zone maps overlap the trace instead of every row group of the table. Its rows are found
  // by a scan of the BIGINT trace_key (table-columns.ts, traceKey).
  const key = traceKey(traceId);
  const hits = await query(
    conn,
    `SELECT project, ${usCol('min_start')} AS lo, ${usCol('max_start')} AS hi FROM trace_index
     WHERE ${key === null ? 'trace_key IS NULL' : `trace_key = ${key}`} AND trace_id = ?`,
    [traceId],
  );
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const h of hits) {
    if (h.project !== project) continue;
    lo = Math.min(lo, num(h.lo));
    hi = Math.max(hi, num(h.hi));
  }
  if (lo > hi) return [];
  const rows = await query(
    conn,
    `SELECT ${SPAN_COLUMNS} FROM spans
     WHERE start_time >= ${tsLit(lo)} AND start_time <= ${tsLit(hi)}
       AND trace_id = ? AND project = ?
     ORDER BY start_time, span_id`,
    [traceId, project],
  );
  return rows.map(toSpan);
}

export async function* exportSpans(
  conn: DuckDBConnection,
  project: string,
  range: TimeRange,
  batchSize = 10_000,
): AsyncIterable<SpanRecord[]> {
  // Keyset pagination on (start_time, trace_id, span_id): bounded memory, stable under inserts.
  let after: { t: number; trace: string; span: string } | null = null;
  for (;;) {
    const params: Param[] = [project];
    let cond = '';
    if (after) {
      cond = `AND (start_time > ${tsLit(after.t)} OR (start_time = ${tsLit(after.t)} AND (trace_id, span_id) > (?, ?)))`;
      params.push(after.trace, after.span);
    }
    const rows = await query(
      conn,
      `SELECT ${SPAN_COLUMNS} FROM spans
       WHERE project = ? AND start_time >= ${tsLit(after ? after.t : range.fromUs)} AND start_time < ${tsLit(range.toUs)} ${cond}
       ORDER BY start_time, trace_id, span_id LIMIT ${numLit(batchSize)}`,
      params,
    );
    if (rows.length === 0) return;
    const spans = rows.map(toSpan);
    yield spans;
    if (rows.length < batchSize) return;
    const last = spans[spans.length - 1];
    after = { t: last.startUs, trace: last.traceId, span: last.spanId };
  }
}

// --- trace list ---

/** Spans of a trace may start this long before its first span in the window (clock skew, late roots). */
const TRACE_LOOKBACK_US = 3_600_000_000;
/** Roll-ups include child spans starting up to this long after the window (long agent runs). */
const TRACE_LOOKAHEAD_US = 6 * 3_600_000_000;

/**
 * Newest traces first. A trace belongs to the range by its first span's start; its summary rolls up
 * all its spans. Filters match when any span of the trace matches (agent, model, kind, service,
 * text); status is the trace's status (error when any span failed, else the root's); minDurationMs
 * and minCostUsd apply to the trace's totals.
 *
 * The newest page is found by searching a small window before the upper bound first and widening
 * it 8x until the page is full or the range is exhausted, so a first page over 7 days costs about
 * as much as one over the last hour.
 */
export async function listTraces(conn: DuckDBConnection, project: string, q: TraceQuery): Promise<Page<TraceSummary>> {
  const cursor = decodeCursor(q.cursor, isTraceCursor);
  const limit = Math.max(1, Math.min(1000, Math.floor(q.limit)));
  const hi = cursor ? Math.min(q.toUs, cursor.t + 1) : q.toUs;
  const params: Param[] = [project];
  const having: string[] = [];
  if (q.agent != null) {
    having.push('bool_or(agent_id = ? OR agent_name = ?)');
    params.push(q.agent, q.agent);
  }
  if (q.model != null) {
    having.push('bool_or(model = ?)');
    params.push(q.model);
  }
  if (q.kind != null) {
    having.push('bool_or(kind = ?)');
    params.push(q.kind);
  }
  if (q.service != null) {
    having.push('bool_or(service_name = ?)');
    params.push(q.service);
  }
  if (q.userId != null) {
    having.push('bool_or(user_id = ?)');
    params.push(q.userId);
  }
  if (q.sessionId != null) {
    having.push('bool_or(session_id = ?)');
    params.push(q.sessionId);
  }
  if (q.text != null && q.text !== '') {
    having.push(
      `bool_or(strpos(lower(name), ?) > 0 OR strpos(lower(coalesce(status_message, '')), ?) > 0
        OR strpos(lower(coalesce(input, '')), ?) > 0 OR strpos(lower(coalesce(output, '')), ?) > 0)`,
    );
    const t = q.text.toLowerCase();
    params.push(t, t, t, t);
  }
  const outer: string[] = [];
  if (q.status != null) {
    outer.push('status = ?');
    params.push(q.status);
  }
  if (q.minDurationMs != null) outer.push(`(end_us - start_us) >= ${numLit(q.minDurationMs * 1000)}`);
  if (q.minCostUsd != null) outer.push(`cost_usd >= ${numLit(q.minCostUsd)}`);
  if (cursor) {
    outer.push(`(start_us < ${numLit(cursor.t)} OR (start_us = ${numLit(cursor.t)} AND trace_id < ?))`);
    params.push(cursor.id);
  }

  let width = 3_600_000_000;
  for (;;) {
    const lo = Math.max(q.fromUs, hi - width);
    const rows = await query(
      conn,
      `WITH t AS (
        SELECT trace_id,
          arg_min(struct_pack(span_id, name, kind, service_name, status),
                  epoch_us(start_time) + CASE WHEN parent_span_id IS NULL THEN 0 ELSE 9000000000000000 END) AS root,
          ${usCol('min(start_time)')} AS start_us,
          ${usCol('max(end_time)')} AS end_us,
          count(*)::DOUBLE AS span_count,
          count(*) FILTER (status = 'error')::DOUBLE AS error_count,
          arg_min(agent_id, start_time) FILTER (agent_id IS NOT NULL) AS agent_id,
          arg_min(agent_name, start_time) FILTER (agent_name IS NOT NULL) AS agent_name,
          list_sort(list(DISTINCT model) FILTER (model IS NOT NULL)) AS models,
          coalesce(sum(input_tokens), 0)::DOUBLE AS input_tokens,
          coalesce(sum(output_tokens), 0)::DOUBLE AS output_tokens,
          coalesce(sum(cost_usd), 0)::DOUBLE AS cost_usd
        FROM spans
        WHERE project = ? AND start_time >= ${tsLit(lo - TRACE_LOOKBACK_US)} AND start_time < ${tsLit(hi + TRACE_LOOKAHEAD_US)}
        GROUP BY trace_id
        HAVING min(start_time) >= ${tsLit(lo)} AND min(start_time) < ${tsLit(hi)}
          ${having.map((h) => `AND ${h}`).join(' ')}
      ), s AS (
        SELECT *, CASE WHEN error_count > 0 THEN 'error' ELSE root.status END AS status FROM t
      )
      SELECT * FROM s ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
      ORDER BY start_us DESC, trace_id DESC
      LIMIT ${limit + 1}`,
      params,
    );
    if (rows.length > limit || lo <= q.fromUs) return tracePage(rows, limit, toTraceSummary);
    width *= 8;
  }
}

function toTraceSummary(r: Row): TraceSummary {
  const root = r.root as { span_id: string; name: string; kind: string; service_name: string };
  return rowToTraceSummary(
    r,
    { spanId: root.span_id, name: root.name, kind: root.kind, serviceName: root.service_name },
    values,
  );
}

// --- dashboard statistics ---

function rangeCond(col: string, range: TimeRange): string {
  return `${col} >= ${tsLit(range.fromUs)} AND ${col} < ${tsLit(range.toUs)}`;
}

/**
 * Agent runs in range. Completed and failed runs are agent spans (kind 'agent') by status; active
 * runs are runs started in range with no end recorded. Per-agent cost sums every span carrying the
 * agent id (its LLM calls, tools...).
 *
 * One scan: agent spans and spans with an agent id, grouped by agent id (agent spans without an id
 * land in the NULL group); the totals are exact sums over the groups.
 */
export async function agentStats(conn: DuckDBConnection, project: string, range: TimeRange): Promise<AgentStats> {
  const active = await query(
    conn,
    `SELECT count(*)::DOUBLE AS n FROM agent_runs r
     WHERE r.project = ? AND ${rangeCond('r.start_time', range)}
       AND NOT EXISTS (SELECT 1 FROM agent_run_ends e WHERE e.project = r.project AND e.span_id = r.span_id)`,
    [project],
  );
  const groups = await query(
    conn,
    `SELECT agent_id, max(agent_name) FILTER (kind = 'agent') AS agent_name,
       count(*) FILTER (kind = 'agent')::DOUBLE AS runs,
       count(*) FILTER (kind = 'agent' AND status = 'error')::DOUBLE AS errors,
       coalesce(sum(duration_ms) FILTER (kind = 'agent'), 0)::DOUBLE AS run_ms,
       quantile_cont(duration_ms, [0.5, 0.95]) FILTER (kind = 'agent') AS q,
       coalesce(sum(cost_usd), 0)::DOUBLE AS cost
     FROM spans WHERE project = ? AND ${rangeCond('start_time', range)} AND (agent_id IS NOT NULL OR kind = 'agent')
     GROUP BY agent_id`,
    [project],
  );
  return agentStatsFromGroups(num(active[0].n), groups, (g) => {
    const q = (g.q as (number | null)[] | null) ?? [null, null];
    return [numOrNull(q[0]), numOrNull(q[1])];
  });
}

/**
 * AgentStats from the active run count and rows grouped by agent id (agent_id, agent_name, runs,
 * errors, run_ms, cost; agent spans without an id form the NULL group, counted in the totals only).
 * Shared with the rollup path (rollup-queries.ts), which gets the percentiles its own way.
 */
export function agentStatsFromGroups(
  activeAgents: number,
  groups: readonly Row[],
  percentiles: (g: Row) => [p50: number | null, p95: number | null],
): AgentStats {
  let runs = 0;
  let failed = 0;
  let runMs = 0;
  for (const g of groups) {
    runs += num(g.runs);
    failed += num(g.errors);
    runMs += num(g.run_ms);
  }
  return {
    activeAgents,
    totalRuns: runs + activeAgents,
    completedRuns: runs - failed,
    failedRuns: failed,
    averageRunMs: runs > 0 ? runMs / runs : null,
    byAgent: groups
      .filter((g) => g.agent_id != null && num(g.runs) > 0)
      .map((g) => {
        const [p50Ms, p95Ms] = percentiles(g);
        return {
          agentId: g.agent_id as string,
          agentName: strOrNull(g.agent_name),
          runs: num(g.runs),
          errors: num(g.errors),
          p50Ms,
          p95Ms,
          costUsd: num(g.cost),
        };
      })
      .sort((x, y) => y.runs - x.runs || (x.agentId < y.agentId ? -1 : 1)),
  };
}

/**
 * Model calls are spans with a model; latency percentiles are continuous (interpolated). One scan:
 * GROUPING SETS computes per-model rows and the total together (measured cheaper than a grouped
 * and an ungrouped query, which read the columns twice).
 */
export async function modelStats(conn: DuckDBConnection, project: string, range: TimeRange): Promise<ModelStats> {
  const rows = await query(
    conn,
    `SELECT model, max(provider) AS provider, count(*)::DOUBLE AS calls,
       count(*) FILTER (status = 'error')::DOUBLE AS errors, avg(duration_ms) AS avg_ms,
       quantile_cont(duration_ms, [0.5, 0.95, 0.99]) AS q,
       coalesce(sum(input_tokens), 0)::DOUBLE AS input_tokens, coalesce(sum(output_tokens), 0)::DOUBLE AS output_tokens,
       coalesce(sum(cost_usd), 0)::DOUBLE AS cost,
       GROUPING(model) AS total
     FROM spans WHERE project = ? AND ${rangeCond('start_time', range)} AND model IS NOT NULL
     GROUP BY GROUPING SETS ((model), ())
     ORDER BY total DESC, calls DESC, model`,
    [project],
  );
  const toRow = (r: Row) => rowToModelCallStats(r, values);
  const total = rows.find((r) => num(r.total) === 1);
  return {
    ...(total ? toRow(total) : EMPTY_MODEL_TOTALS),
    byModel: rows
      .filter((r) => num(r.total) === 0)
      .map((r) => ({ model: r.model as string, provider: strOrNull(r.provider), ...toRow(r) })),
  };
}

// --- series ---

const SPAN_MEASURE_SQL: Record<SpanSeriesQuery['measure'], string> = {
  count: 'count(*)::DOUBLE',
  errors: "count(*) FILTER (status = 'error')::DOUBLE",
  error_rate: "(count(*) FILTER (status = 'error'))::DOUBLE / count(*)",
  avg_ms: 'avg(duration_ms)',
  p50_ms: 'quantile_cont(duration_ms, 0.5)',
  p95_ms: 'quantile_cont(duration_ms, 0.95)',
  p99_ms: 'quantile_cont(duration_ms, 0.99)',
  tokens: 'coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)), 0)::DOUBLE',
  cost: 'coalesce(sum(cost_usd), 0)::DOUBLE',
};

/** Percentile measures in bounded memory (SpanSeriesQuery.approximate). */
const SPAN_APPROX_MEASURE_SQL: Partial<Record<SpanSeriesQuery['measure'], string>> = {
  p50_ms: 'approx_quantile(duration_ms, 0.5)',
  p95_ms: 'approx_quantile(duration_ms, 0.95)',
  p99_ms: 'approx_quantile(duration_ms, 0.99)',
};

function bucketExpr(col: string, stepMs: number): string {
  const stepUs = Math.max(1, Math.round(stepMs)) * 1000;
  return `((epoch_us(${col}) // ${stepUs}) * ${stepUs / 1000})::DOUBLE`;
}

/** Span measures per time bucket; grouped series skip spans whose group value is null. */
export async function spanSeries(conn: DuckDBConnection, project: string, q: SpanSeriesQuery): Promise<Series[]> {
  const params: Param[] = [project];
  const where = [`project = ?`, rangeCond('start_time', q)];
  if (q.kind != null) {
    where.push('kind = ?');
    params.push(q.kind);
  }
  if (q.model != null) {
    where.push('model = ?');
    params.push(q.model);
  }
  if (q.agent != null) {
    where.push('(agent_id = ? OR agent_name = ?)');
    params.push(q.agent, q.agent);
  }
  const group = q.groupBy ? SPAN_GROUP_COLUMN[q.groupBy] : null;
  if (group) where.push(`${group} IS NOT NULL`);
  const measure = (q.approximate && SPAN_APPROX_MEASURE_SQL[q.measure]) || SPAN_MEASURE_SQL[q.measure];
  const rows = await query(
    conn,
    `SELECT ${group ? `${group} AS g0, ` : ''}${bucketExpr('start_time', q.stepMs)} AS bucket, ${measure} AS v
     FROM spans WHERE ${where.join(' AND ')}
     GROUP BY ALL ORDER BY ${group ? 'g0, ' : ''}bucket`,
    params,
  );
  return toSeries(rows, q.groupBy ? [q.groupBy] : [], values);
}

const METRIC_AGG_SQL: Record<SeriesAggregation, string> = {
  avg: 'avg(value)',
  sum: 'sum(value)',
  min: 'min(value)',
  max: 'max(value)',
  count: 'count(*)::DOUBLE',
  last: 'arg_max(value, time)',
  // Increase over the bucket per second; a counter reset (negative delta) counts from zero.
  rate: '',
  p50: 'quantile_cont(value, 0.5)',
  p90: 'quantile_cont(value, 0.9)',
  p95: 'quantile_cont(value, 0.95)',
  p99: 'quantile_cont(value, 0.99)',
};

/**
 * Metric points per bucket. `rate` is per-second increase within each series and bucket:
 * (last − first) / step, or last / step after a counter reset.
 */
export async function metricSeries(conn: DuckDBConnection, project: string, q: MetricSeriesQuery): Promise<Series[]> {
  const groupBy = q.groupBy ?? [];
  const params: Param[] = [project, q.name];
  const where = ['project = ?', 'name = ?', rangeCond('time', q)];
  for (const [k, v] of Object.entries(q.labels ?? {})) {
    where.push('json_extract_string(labels, ?) = ?');
    params.push(jsonKeyPath(k), v);
  }
  const groupCols = groupBy.map((_, i) => `json_extract_string(labels, ?) AS g${i}`);
  const groupParams = groupBy.map(jsonKeyPath);
  const bucket = bucketExpr('time', q.stepMs);
  const stepS = Math.max(1, Math.round(q.stepMs)) / 1000;
  let sql: string;
  if (q.aggregation === 'rate') {
    // Per underlying series (full label set) first, then summed across the requested grouping.
    sql = `WITH per AS (
        SELECT ${groupCols.length ? `${groupCols.join(', ')}, ` : ''}labels, ${bucket} AS bucket,
          arg_max(value, time) AS last_v, arg_min(value, time) AS first_v
        FROM metrics WHERE ${where.join(' AND ')} GROUP BY ALL)
      SELECT ${groupBy.map((_, i) => `g${i}, `).join('')}bucket,
        sum(CASE WHEN last_v >= first_v THEN last_v - first_v ELSE last_v END) / ${numLit(stepS)} AS v
      FROM per GROUP BY ALL ORDER BY ${groupBy.map((_, i) => `g${i}, `).join('')}bucket`;
  } else {
    sql = `SELECT ${groupCols.length ? `${groupCols.join(', ')}, ` : ''}${bucket} AS bucket, ${METRIC_AGG_SQL[q.aggregation]} AS v
      FROM metrics WHERE ${where.join(' AND ')}
      GROUP BY ALL ORDER BY ${groupBy.map((_, i) => `g${i}, `).join('')}bucket`;
  }
  const rows = await query(conn, sql, [...groupParams, ...params]);
  return toSeries(rows, groupBy, values);
}

export async function latestMetrics(
  conn: DuckDBConnection,
  project: string,
  range: TimeRange,
  prefix: string,
): Promise<MetricPoint[]> {
  const rows = await query(
    conn,
    `SELECT project, name, labels, ${usCol('max(time)')} AS time_us,
       arg_max(value, time) AS value, arg_max(type, time) AS type, arg_max(unit, time) AS unit,
       arg_max(histogram, time) AS histogram, arg_max(service_name, time) AS service_name
     FROM metrics
     WHERE project = ? AND ${rangeCond('time', range)} AND starts_with(name, ?)
     GROUP BY project, name, labels ORDER BY name, labels`,
    [project, prefix],
  );
  return rows.map((r) => rowToMetric(r, values));
}

// --- logs ---

interface LogCursor {
  t: number;
  skip: number;
}
const isLogCursor = (v: unknown): v is LogCursor =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as LogCursor).t === 'number' &&
  typeof (v as LogCursor).skip === 'number';

/**
 * Newest first. Logs have no unique key, so the cursor is (time of the last row, how many rows at
 * exactly that time were already returned) under a total order on the row's content.
 */
export async function listLogs(
  conn: DuckDBConnection,
  project: string,
  q: TimeRange & { traceId?: string; minSeverity?: number; text?: string; limit: number; cursor?: string | null },
): Promise<Page<LogRecord>> {
  const cursor = decodeCursor(q.cursor, isLogCursor);
  const limit = Math.max(1, Math.min(1000, Math.floor(q.limit)));
  const params: Param[] = [project];
  const hi = cursor ? Math.min(q.toUs, cursor.t + 1) : q.toUs;
  const where = ['project = ?', `time >= ${tsLit(q.fromUs)}`, `time < ${tsLit(hi)}`];
  if (q.traceId != null) {
    where.push('trace_id = ?');
    params.push(q.traceId);
  }
  if (q.minSeverity != null) where.push(`severity >= ${numLit(Math.floor(q.minSeverity))}`);
  if (q.text != null && q.text !== '') {
    where.push('strpos(lower(body), ?) > 0');
    params.push(q.text.toLowerCase());
  }
  const skip = cursor ? Math.floor(cursor.skip) : 0;
  const rows = await query(
    conn,
    `SELECT project, ${usCol('time')} AS time_us, severity, severity_text, body, trace_id, span_id, service_name, attributes
     FROM logs WHERE ${where.join(' AND ')}
     ORDER BY time DESC, severity DESC, body, trace_id NULLS FIRST, span_id NULLS FIRST, service_name, attributes
     LIMIT ${limit + 1} OFFSET ${skip}`,
    params,
  );
  const items: LogRecord[] = rows.slice(0, limit).map((r) => rowToLog(r, values));
  let nextCursor: string | null = null;
  if (rows.length > limit) {
    const t = items[items.length - 1].timeUs;
    let sameTime = 0;
    for (let i = items.length - 1; i >= 0 && items[i].timeUs === t; i--) sameTime++;
    // Rows at time t before this page were skipped too when the page started at t.
    const carried = cursor && items.every((l) => l.timeUs === t) && cursor.t === t ? skip : 0;
    nextCursor = encodeCursor({ t, skip: sameTime + carried });
  }
  return { items, nextCursor };
}
