/**
 * Read queries over spans, metrics and logs. Every query filters by project and bounds time with
 * inlined literals, so the planner prunes day partitions at plan time and uses the
 * (project, start_us) indexes. Semantics mirror the DuckDB store (the contract suite checks both).
 */
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
import type { Sql } from './connect.js';
import { unescapeNul } from './copy.js';
import { values } from './row-values.js';
import { clampLimit, intLit, jsonOr, lit, num, numOrNull, Params, type Row, strOrNull } from './sql-util.js';

export const SPAN_SELECT = `project, trace_id, span_id, parent_span_id, service_name, name, kind, start_us, end_us,
  status, status_message, model, provider, input_tokens, output_tokens, cost_usd, agent_id, agent_name,
  agent_version, session_id, user_id, attributes, events, input, output`;

const toSpan = (r: Row): SpanRecord => rowToSpan(r, values);

function range(col: string, r: TimeRange): string {
  return `${col} >= ${intLit(r.fromUs)} AND ${col} < ${intLit(r.toUs)}`;
}

export async function getTrace(sql: Sql, t: string, project: string, traceId: string): Promise<SpanRecord[]> {
  const rows = await sql.unsafe(
    `SELECT ${SPAN_SELECT} FROM ${t}.spans WHERE trace_id = $1 AND project = $2 ORDER BY start_us, span_id`,
    [traceId, project],
  );
  return rows.map(toSpan);
}

export async function* exportSpans(
  sql: Sql,
  t: string,
  project: string,
  r: TimeRange,
  batchSize = 10_000,
): AsyncIterable<SpanRecord[]> {
  // Keyset pagination on (start_us, trace_id, span_id): bounded memory, stable under inserts.
  let after: { t: number; trace: string; span: string } | null = null;
  const size = Math.max(1, Math.floor(batchSize));
  for (;;) {
    const p = new Params();
    const proj = p.add(project);
    let cond = '';
    if (after) {
      cond = `AND (start_us > ${intLit(after.t)} OR (start_us = ${intLit(after.t)} AND (trace_id, span_id) > (${p.add(after.trace)}, ${p.add(after.span)})))`;
    }
    const rows: readonly Row[] = await sql.unsafe(
      `SELECT ${SPAN_SELECT} FROM ${t}.spans
       WHERE project = ${proj} AND start_us >= ${intLit(after ? after.t : r.fromUs)} AND start_us < ${intLit(r.toUs)} ${cond}
       ORDER BY start_us, trace_id COLLATE "C", span_id COLLATE "C" LIMIT ${size}`,
      p.values as never,
    );
    if (rows.length === 0) return;
    const spans: SpanRecord[] = rows.map(toSpan);
    yield spans;
    if (rows.length < size) return;
    const last: SpanRecord = spans[spans.length - 1];
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
 * and minCostUsd apply to the trace's totals. The window before the upper bound starts at one hour
 * and widens 8x until the page is full or the range is exhausted.
 */
export async function listTraces(sql: Sql, t: string, project: string, q: TraceQuery): Promise<Page<TraceSummary>> {
  const cursor = decodeCursor(q.cursor, isTraceCursor);
  const limit = clampLimit(q.limit);
  const hi = cursor ? Math.min(q.toUs, cursor.t + 1) : q.toUs;
  // "any span matches" filters, as HAVING conditions over a trace's spans.
  const anySpan = (p: Params): string[] => {
    const c: string[] = [];
    if (q.agent != null) {
      const a = p.add(q.agent);
      c.push(`bool_or(agent_id = ${a} OR agent_name = ${a})`);
    }
    if (q.model != null) c.push(`bool_or(model = ${p.add(q.model)})`);
    if (q.kind != null) c.push(`bool_or(kind = ${p.add(q.kind)})`);
    if (q.service != null) c.push(`bool_or(service_name = ${p.add(q.service)})`);
    const who = q as TraceQuery & { userId?: string; sessionId?: string };
    if (who.userId != null) c.push(`bool_or(user_id = ${p.add(who.userId)})`);
    if (who.sessionId != null) c.push(`bool_or(session_id = ${p.add(who.sessionId)})`);
    if (q.text != null && q.text !== '') {
      const x = p.add(q.text.toLowerCase());
      c.push(
        `bool_or(strpos(lower(name), ${x}) > 0 OR strpos(lower(coalesce(status_message, '')), ${x}) > 0
          OR strpos(lower(coalesce(input, '')), ${x}) > 0 OR strpos(lower(coalesce(output, '')), ${x}) > 0)`,
      );
    }
    return c;
  };
  // Only "status ok/unset" needs the root span's status; every other filter is decided from cheap
  // per-trace aggregates, so the page's trace ids are found first and only they are rolled up.
  const light = q.status == null || q.status === 'error';
  const scanTo = (lo: number) =>
    `start_us >= ${intLit(lo - TRACE_LOOKBACK_US)} AND start_us < ${intLit(hi + TRACE_LOOKAHEAD_US)}`;
  let width = 3_600_000_000;
  for (;;) {
    const lo = Math.max(q.fromUs, hi - width);
    let rows: readonly Row[];
    if (light) {
      const p = new Params();
      const conds = anySpan(p);
      if (q.status === 'error') conds.push(`count(*) FILTER (WHERE status = 'error') > 0`);
      if (q.minDurationMs != null) conds.push(`max(end_us) - min(start_us) >= ${lit(q.minDurationMs * 1000)}`);
      if (q.minCostUsd != null) conds.push(`coalesce(sum(cost_usd), 0) >= ${lit(q.minCostUsd)}`);
      if (cursor) {
        conds.push(
          `(min(start_us) < ${intLit(cursor.t)} OR (min(start_us) = ${intLit(cursor.t)} AND trace_id COLLATE "C" < ${p.add(cursor.id)}))`,
        );
      }
      // Without filters on whole traces, spans after the window cannot matter: scan less.
      const needsLookahead = conds.length > (cursor ? 1 : 0);
      const ids = await sql.unsafe(
        `SELECT trace_id, min(start_us) AS start_us FROM ${t}.spans
         WHERE project = ${p.add(project)} AND ${needsLookahead ? scanTo(lo) : `start_us >= ${intLit(lo - TRACE_LOOKBACK_US)} AND start_us < ${intLit(hi)}`}
         GROUP BY trace_id
         HAVING min(start_us) >= ${intLit(lo)} AND min(start_us) < ${intLit(hi)} ${conds.map((c) => `AND ${c}`).join(' ')}
         ORDER BY start_us DESC, trace_id COLLATE "C" DESC LIMIT ${limit + 1}`,
        p.values as never,
      );
      if (!(ids.length > limit || lo <= q.fromUs)) {
        width *= 8;
        continue;
      }
      rows =
        ids.length === 0
          ? []
          : await sql.unsafe(
              `WITH t AS (
                ${TRACE_AGGREGATES}
                FROM ${t}.spans
                WHERE project = $1 AND ${scanTo(lo)} AND trace_id = ANY($2::text[])
                GROUP BY trace_id
              )
              SELECT *, CASE WHEN error_count > 0 THEN 'error' ELSE root->>4 END AS status FROM t
              ORDER BY start_us DESC, trace_id COLLATE "C" DESC`,
              [project, ids.map((r) => r.trace_id as string)] as never,
            );
    } else {
      const p = new Params();
      const proj = p.add(project);
      const having = anySpan(p);
      const outer = [`status = ${p.add(q.status)}`];
      if (q.minDurationMs != null) outer.push(`(end_us - start_us) >= ${lit(q.minDurationMs * 1000)}`);
      if (q.minCostUsd != null) outer.push(`cost_usd >= ${lit(q.minCostUsd)}`);
      if (cursor) {
        outer.push(
          `(start_us < ${intLit(cursor.t)} OR (start_us = ${intLit(cursor.t)} AND trace_id COLLATE "C" < ${p.add(cursor.id)}))`,
        );
      }
      rows = await sql.unsafe(
        `WITH t AS (
          ${TRACE_AGGREGATES}
          FROM ${t}.spans
          WHERE project = ${proj} AND ${scanTo(lo)}
          GROUP BY trace_id
          HAVING min(start_us) >= ${intLit(lo)} AND min(start_us) < ${intLit(hi)}
            ${having.map((h) => `AND ${h}`).join(' ')}
        ), s AS (
          SELECT *, CASE WHEN error_count > 0 THEN 'error' ELSE root->>4 END AS status FROM t
        )
        SELECT * FROM s WHERE ${outer.join(' AND ')}
        ORDER BY start_us DESC, trace_id COLLATE "C" DESC
        LIMIT ${limit + 1}`,
        p.values as never,
      );
      if (!(rows.length > limit || lo <= q.fromUs)) {
        width *= 8;
        continue;
      }
    }
    return tracePage(rows, limit, toTraceSummary);
  }
}

/** Per-trace roll-ups over its spans (the SELECT list of the trace list's GROUP BY trace_id). */
const TRACE_AGGREGATES = `SELECT trace_id,
          (array_agg(jsonb_build_array(span_id, name, kind, service_name, status)
             ORDER BY (parent_span_id IS NOT NULL), start_us, span_id))[1] AS root,
          min(start_us) AS start_us,
          max(end_us) AS end_us,
          count(*)::float8 AS span_count,
          (count(*) FILTER (WHERE status = 'error'))::float8 AS error_count,
          (array_agg(agent_id ORDER BY start_us) FILTER (WHERE agent_id IS NOT NULL))[1] AS agent_id,
          (array_agg(agent_name ORDER BY start_us) FILTER (WHERE agent_name IS NOT NULL))[1] AS agent_name,
          array_agg(DISTINCT model ORDER BY model) FILTER (WHERE model IS NOT NULL) AS models,
          coalesce(sum(input_tokens), 0)::float8 AS input_tokens,
          coalesce(sum(output_tokens), 0)::float8 AS output_tokens,
          coalesce(sum(cost_usd), 0)::float8 AS cost_usd`;

function toTraceSummary(r: Row): TraceSummary {
  const root = jsonOr<string[]>(r.root, []);
  return rowToTraceSummary(
    r,
    { spanId: root[0], name: unescapeNul(root[1]), kind: root[2], serviceName: root[3] },
    values,
  );
}

// --- dashboard statistics (exact, from raw spans; see rollups.ts for long ranges) ---

const DUR_MS = '(duration_us / 1000.0)::float8';

/**
 * Agent runs in range. Completed and failed runs are agent spans (kind 'agent') by status; active
 * runs are runs started in range with no end recorded. Per-agent cost sums every span carrying the
 * agent id (its LLM calls, tools...).
 */
export async function agentStats(sql: Sql, t: string, project: string, r: TimeRange): Promise<AgentStats> {
  const [active, totals, byAgent] = await Promise.all([
    activeRuns(sql, t, project, r),
    sql.unsafe(
      `SELECT count(*)::float8 AS runs, (count(*) FILTER (WHERE status = 'error'))::float8 AS failed,
         avg(${DUR_MS}) AS avg_ms
       FROM ${t}.spans WHERE project = $1 AND ${range('start_us', r)} AND kind = 'agent'`,
      [project],
    ),
    sql.unsafe(
      `SELECT agent_id, max(agent_name) FILTER (WHERE kind = 'agent') AS agent_name,
         (count(*) FILTER (WHERE kind = 'agent'))::float8 AS runs,
         (count(*) FILTER (WHERE kind = 'agent' AND status = 'error'))::float8 AS errors,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ${DUR_MS}) FILTER (WHERE kind = 'agent') AS p50,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY ${DUR_MS}) FILTER (WHERE kind = 'agent') AS p95,
         coalesce(sum(cost_usd), 0)::float8 AS cost
       FROM ${t}.spans WHERE project = $1 AND ${range('start_us', r)} AND agent_id IS NOT NULL
       GROUP BY agent_id
       HAVING count(*) FILTER (WHERE kind = 'agent') > 0
       ORDER BY runs DESC, agent_id COLLATE "C"`,
      [project],
    ),
  ]);
  const runs = num(totals[0].runs);
  const failed = num(totals[0].failed);
  return {
    activeAgents: active,
    totalRuns: runs + active,
    completedRuns: runs - failed,
    failedRuns: failed,
    averageRunMs: numOrNull(totals[0].avg_ms),
    byAgent: byAgent.map((x) => ({
      agentId: x.agent_id as string,
      agentName: strOrNull(x.agent_name),
      runs: num(x.runs),
      errors: num(x.errors),
      p50Ms: numOrNull(x.p50),
      p95Ms: numOrNull(x.p95),
      costUsd: num(x.cost),
    })),
  };
}

export async function activeRuns(sql: Sql, t: string, project: string, r: TimeRange): Promise<number> {
  const rows = await sql.unsafe(
    `SELECT count(*)::float8 AS n FROM ${t}.agent_runs a
     WHERE a.project = $1 AND ${range('a.start_us', r)}
       AND NOT EXISTS (SELECT 1 FROM ${t}.agent_run_ends e WHERE e.project = a.project AND e.span_id = a.span_id)`,
    [project],
  );
  return num(rows[0].n);
}

/** Model calls are spans with a model; latency percentiles are continuous (interpolated). */
export async function modelStats(sql: Sql, t: string, project: string, r: TimeRange): Promise<ModelStats> {
  const rows = await sql.unsafe(
    `SELECT model, max(provider) AS provider, count(*)::float8 AS calls,
       (count(*) FILTER (WHERE status = 'error'))::float8 AS errors, avg(${DUR_MS}) AS avg_ms,
       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ${DUR_MS}) AS q,
       coalesce(sum(input_tokens), 0)::float8 AS input_tokens, coalesce(sum(output_tokens), 0)::float8 AS output_tokens,
       coalesce(sum(cost_usd), 0)::float8 AS cost,
       GROUPING(model) AS total
     FROM ${t}.spans WHERE project = $1 AND ${range('start_us', r)} AND model IS NOT NULL
     GROUP BY GROUPING SETS ((model), ())
     ORDER BY total DESC, calls DESC, model COLLATE "C"`,
    [project],
  );
  const toRow = (x: Row) => rowToModelCallStats(x, values);
  const total = rows.find((x) => num(x.total) === 1 && num(x.calls) > 0);
  return {
    ...(total ? toRow(total) : EMPTY_MODEL_TOTALS),
    byModel: rows
      .filter((x) => num(x.total) === 0)
      .map((x) => ({ model: x.model as string, provider: strOrNull(x.provider), ...toRow(x) })),
  };
}

// --- series ---

const SPAN_MEASURE_SQL: Record<SpanSeriesQuery['measure'], string> = {
  count: 'count(*)::float8',
  errors: "(count(*) FILTER (WHERE status = 'error'))::float8",
  error_rate: "(count(*) FILTER (WHERE status = 'error'))::float8 / count(*)",
  avg_ms: `avg(${DUR_MS})`,
  p50_ms: `percentile_cont(0.5) WITHIN GROUP (ORDER BY ${DUR_MS})`,
  p95_ms: `percentile_cont(0.95) WITHIN GROUP (ORDER BY ${DUR_MS})`,
  p99_ms: `percentile_cont(0.99) WITHIN GROUP (ORDER BY ${DUR_MS})`,
  tokens: 'coalesce(sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)), 0)::float8',
  cost: 'coalesce(sum(cost_usd), 0)::float8',
};

/** Bucket start in epoch ms (floor division, also right for times before 1970). */
function bucketExpr(col: string, stepMs: number): string {
  const stepUs = Math.max(1, Math.round(stepMs)) * 1000;
  return `(floor(${col}::float8 / ${stepUs}) * ${stepUs / 1000})::float8`;
}

/** Span measures per time bucket; grouped series skip spans whose group value is null. */
export async function spanSeries(sql: Sql, t: string, project: string, q: SpanSeriesQuery): Promise<Series[]> {
  const p = new Params();
  const where = [`project = ${p.add(project)}`, range('start_us', q)];
  if (q.kind != null) where.push(`kind = ${p.add(q.kind)}`);
  if (q.model != null) where.push(`model = ${p.add(q.model)}`);
  if (q.agent != null) {
    const a = p.add(q.agent);
    where.push(`(agent_id = ${a} OR agent_name = ${a})`);
  }
  const group = q.groupBy ? SPAN_GROUP_COLUMN[q.groupBy] : null;
  if (group) where.push(`${group} IS NOT NULL`);
  const rows = await sql.unsafe(
    `SELECT ${group ? `${group} AS g0, ` : ''}${bucketExpr('start_us', q.stepMs)} AS bucket, ${SPAN_MEASURE_SQL[q.measure]} AS v
     FROM ${t}.spans WHERE ${where.join(' AND ')}
     GROUP BY ${group ? 'g0, ' : ''}bucket ORDER BY ${group ? 'g0, ' : ''}bucket`,
    p.values as never,
  );
  return toSeries(rows, q.groupBy ? [q.groupBy] : [], values);
}

const METRIC_AGG_SQL: Record<SeriesAggregation, string> = {
  avg: 'avg(value)',
  sum: 'sum(value)',
  min: 'min(value)',
  max: 'max(value)',
  count: 'count(*)::float8',
  last: '(array_agg(value ORDER BY time_us DESC))[1]',
  rate: '',
  p50: 'percentile_cont(0.5) WITHIN GROUP (ORDER BY value)',
  p90: 'percentile_cont(0.9) WITHIN GROUP (ORDER BY value)',
  p95: 'percentile_cont(0.95) WITHIN GROUP (ORDER BY value)',
  p99: 'percentile_cont(0.99) WITHIN GROUP (ORDER BY value)',
};

/**
 * Metric points per bucket. `rate` is per-second increase within each series and bucket:
 * (last − first) / step, or last / step after a counter reset.
 */
export async function metricSeries(sql: Sql, t: string, project: string, q: MetricSeriesQuery): Promise<Series[]> {
  const groupBy = q.groupBy ?? [];
  const p = new Params();
  const groupCols = groupBy.map((k, i) => `labels ->> ${p.add(k)} AS g${i}`);
  const where = [`project = ${p.add(project)}`, `name = ${p.add(q.name)}`, range('time_us', q)];
  for (const [k, v] of Object.entries(q.labels ?? {})) where.push(`labels ->> ${p.add(k)} = ${p.add(v)}`);
  const bucket = bucketExpr('time_us', q.stepMs);
  const stepS = Math.max(1, Math.round(q.stepMs)) / 1000;
  const gs = groupBy.map((_, i) => `g${i}, `).join('');
  let text: string;
  if (q.aggregation === 'rate') {
    // Per underlying series (full label set) first, then summed across the requested grouping.
    text = `WITH per AS (
        SELECT ${groupCols.length ? `${groupCols.join(', ')}, ` : ''}labels, ${bucket} AS bucket,
          (array_agg(value ORDER BY time_us DESC))[1] AS last_v, (array_agg(value ORDER BY time_us))[1] AS first_v
        FROM ${t}.metrics WHERE ${where.join(' AND ')} GROUP BY ${gs}labels, bucket)
      SELECT ${gs}bucket,
        sum(CASE WHEN last_v >= first_v THEN last_v - first_v ELSE last_v END) / ${lit(stepS)} AS v
      FROM per GROUP BY ${gs}bucket ORDER BY ${gs}bucket`;
  } else {
    text = `SELECT ${groupCols.length ? `${groupCols.join(', ')}, ` : ''}${bucket} AS bucket, ${METRIC_AGG_SQL[q.aggregation]} AS v
      FROM ${t}.metrics WHERE ${where.join(' AND ')}
      GROUP BY ${gs}bucket ORDER BY ${gs}bucket`;
  }
  const rows = await sql.unsafe(text, p.values as never);
  return toSeries(rows, groupBy, values);
}

export async function latestMetrics(
  sql: Sql,
  t: string,
  project: string,
  r: TimeRange,
  prefix: string,
): Promise<MetricPoint[]> {
  const rows = await sql.unsafe(
    `SELECT DISTINCT ON (name, labels) project, name, labels, time_us, value, type, unit, histogram, service_name
     FROM ${t}.metrics
     WHERE project = $1 AND ${range('time_us', r)} AND starts_with(name, $2)
     ORDER BY name, labels, time_us DESC`,
    [project, prefix],
  );
  return rows
    .map((x) => rowToMetric(x, values))
    .sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1,
    );
}

// --- logs ---

interface LogCursor {
  t: number;
  seq: number;
}
const isLogCursor = (v: unknown): v is LogCursor =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as LogCursor).t === 'number' &&
  typeof (v as LogCursor).seq === 'number';

/** Newest first; ties in time are broken by insertion sequence, so the cursor is exact keyset. */
export async function listLogs(
  sql: Sql,
  t: string,
  project: string,
  q: TimeRange & { traceId?: string; minSeverity?: number; text?: string; limit: number; cursor?: string | null },
): Promise<Page<LogRecord>> {
  const cursor = decodeCursor(q.cursor, isLogCursor);
  const limit = clampLimit(q.limit);
  const p = new Params();
  const where = [`project = ${p.add(project)}`, range('time_us', q)];
  if (cursor) where.push(`(time_us, seq) < (${intLit(cursor.t)}, ${intLit(cursor.seq)})`);
  if (q.traceId != null) where.push(`trace_id = ${p.add(q.traceId)}`);
  if (q.minSeverity != null) where.push(`severity >= ${intLit(Math.floor(q.minSeverity))}`);
  if (q.text != null && q.text !== '') where.push(`strpos(lower(body), ${p.add(q.text.toLowerCase())}) > 0`);
  const rows = await sql.unsafe(
    `SELECT project, time_us, seq, severity, severity_text, body, trace_id, span_id, service_name, attributes
     FROM ${t}.logs WHERE ${where.join(' AND ')}
     ORDER BY time_us DESC, seq DESC LIMIT ${limit + 1}`,
    p.values as never,
  );
  const page = rows.slice(0, limit);
  const items: LogRecord[] = page.map((r) => rowToLog(r, values));
  const last = page[page.length - 1];
  return {
    items,
    nextCursor: rows.length > limit ? encodeCursor({ t: num(last.time_us), seq: num(last.seq) }) : null,
  };
}
