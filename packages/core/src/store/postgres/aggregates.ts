/**
 * Aggregate "insight" queries over spans (error groups, service map, cost breakdown, agent detail,
 * model errors) for the PostgreSQL store. Time bounds are inlined literals so the planner prunes
 * day partitions and uses (project, start_us); semantics mirror duckdb/aggregates.ts (the contract
 * suite checks both) and the rows go through the same assembly code (../insights-rows.ts).
 */
import {
  type AgentDetail,
  type CostBreakdown,
  type CostGroupBy,
  type ErrorGroupQuery,
  type ErrorGroups,
  type ModelErrors,
  type ServiceMap,
  TYPE_PREFIX_PATTERN,
} from '../insights.js';
import {
  assembleAgentDetail,
  assembleCost,
  assembleErrorGroups,
  assembleModelErrors,
  buildServiceMap,
  errorKindSql,
  latencyBucketSql,
  normaliseSql,
  OWN_NODE,
  sqlStr,
} from '../insights-rows.js';
import type { TimeRange } from '../store.js';
import type { Sql } from './connect.js';
import { clampLimit, intLit, jsonOr, num, type Row } from './sql-util.js';

const LOOKBACK_US = 3_600_000_000;
const DAY_US = 86_400_000_000;
const DUR_MS = '(duration_us / 1000.0)::float8';

/**
 * Self-joins over CTEs get row estimates of 1 when a partition's statistics are stale (fresh data
 * before autoanalyze), and a nested loop over two 100k-row CTE scans never finishes: joins here are
 * hash joins by construction. Runs inside the store's analytic transaction, so it is SET LOCAL.
 */
async function hashJoinsOnly(sql: Sql): Promise<void> {
  await sql.unsafe('SET LOCAL enable_nestloop = off');
}

const inRange = (col: string, r: TimeRange) => `${col} >= ${intLit(r.fromUs)} AND ${col} < ${intLit(r.toUs)}`;
const bucketMs = (col: string, stepMs: number) => {
  const stepUs = Math.max(1, Math.round(stepMs)) * 1000;
  return `((${col} / ${stepUs}) * ${stepUs / 1000})::float8`;
};

/** The span's first `exception` event's type and message as ex_type / ex_msg (a LATERAL join). */
const EXCEPTION_JOIN = `LEFT JOIN LATERAL (
    SELECT ev->'attributes'->>'exception.type' AS ex_type, ev->'attributes'->>'exception.message' AS ex_msg
    FROM json_array_elements(s.events) ev WHERE ev->>'name' = 'exception' LIMIT 1) ex ON true`;

const ERROR_TYPE = `coalesce(nullif(ex_type, ''), nullif(substring(coalesce(status_message, '') from ${sqlStr(TYPE_PREFIX_PATTERN)}), ''), kind || ' error')`;
const ERROR_MESSAGE = normaliseSql(`coalesce(nullif(ex_msg, ''), nullif(status_message, ''), '(no message)')`);

export async function errorGroups(sql: Sql, t: string, project: string, q: ErrorGroupQuery): Promise<ErrorGroups> {
  const limit = clampLimit(q.limit);
  const rows: readonly Row[] = await sql.unsafe(
    `WITH x AS (
       SELECT s.trace_id, s.span_id, s.start_us, s.kind, s.service_name, s.model, s.agent_id, s.status_message,
         ex.ex_type, ex.ex_msg
       FROM ${t}.spans s ${EXCEPTION_JOIN}
       WHERE s.project = $1 AND ${inRange('s.start_us', q)} AND s.status = 'error'
     ), e AS MATERIALIZED (
       SELECT *, ${ERROR_TYPE} AS etype, ${ERROR_MESSAGE} AS emsg FROM x
     ), g AS (
       SELECT etype, emsg, count(*)::float8 AS n, min(start_us) AS first_us, max(start_us) AS last_us,
         array_agg(DISTINCT agent_id) FILTER (WHERE agent_id IS NOT NULL) AS agents,
         array_agg(DISTINCT model) FILTER (WHERE model IS NOT NULL) AS models,
         array_agg(DISTINCT service_name) AS services,
         array_agg(DISTINCT kind) AS kinds,
         (array_agg(json_build_array(trace_id, span_id, start_us) ORDER BY start_us DESC))[1:25] AS ex
       FROM e GROUP BY etype, emsg
     ), b AS (
       SELECT etype, emsg, json_agg(json_build_array(bucket, n) ORDER BY bucket) AS buckets
       FROM (SELECT etype, emsg, ${bucketMs('start_us', q.stepMs)} AS bucket, count(*)::float8 AS n FROM e GROUP BY 1, 2, 3) z
       GROUP BY etype, emsg
     )
     SELECT g.*, b.buckets, (count(*) OVER ())::float8 AS total_groups, (sum(n) OVER ())::float8 AS total_errors
     FROM g JOIN b USING (etype, emsg)
     ORDER BY n DESC, etype COLLATE "C", emsg COLLATE "C"
     LIMIT ${limit}`,
    [project],
  );
  // Examples come back as an array of JSON arrays [trace, span, µs], buckets as JSON.
  return assembleErrorGroups(rows, num, (r) => ({
    examples: ((r.ex as unknown[]) ?? []).map((x) => {
      const [traceId, spanId, us] = jsonOr<[string, string, number]>(x, ['', '', 0]);
      return { traceId, spanId, timeUs: num(us) };
    }),
    buckets: jsonOr<number[][]>(r.buckets, []).map((p): [number, number] => [num(p[0]), num(p[1])]),
  }));
}

export async function serviceMap(sql: Sql, t: string, project: string, r: TimeRange): Promise<ServiceMap> {
  await hashJoinsOnly(sql);
  const rows: readonly Row[] = await sql.unsafe(
    `WITH n AS MATERIALIZED (
       SELECT trace_id, span_id, parent_span_id, service_name, status, ${DUR_MS} AS duration_ms, start_us, ${OWN_NODE} AS own
       FROM ${t}.spans WHERE project = $1 AND start_us >= ${intLit(r.fromUs - LOOKBACK_US)} AND start_us < ${intLit(r.toUs)}
     ), c AS (
       SELECT
         coalesce(c.own, CASE WHEN p.span_id IS NULL OR p.service_name <> c.service_name THEN 'service:' || c.service_name END) AS to_id,
         CASE WHEN p.span_id IS NULL THEN 'service:' || c.service_name
              ELSE coalesce(p.own, g.own, 'service:' || p.service_name) END AS from_id,
         c.status, c.duration_ms
       FROM n c
       LEFT JOIN n p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
       LEFT JOIN n g ON g.trace_id = p.trace_id AND g.span_id = p.parent_span_id
       WHERE c.start_us >= ${intLit(r.fromUs)}
     )
     SELECT from_id, to_id, GROUPING(from_id) AS node, count(*)::float8 AS calls,
       (count(*) FILTER (WHERE status = 'error'))::float8 AS errors, avg(duration_ms) AS avg_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
     FROM c WHERE to_id IS NOT NULL
     GROUP BY GROUPING SETS ((from_id, to_id), (to_id))`,
    [project],
  );
  return buildServiceMap(rows as Row[]);
}

const COST_KEY: Record<CostGroupBy, string> = {
  model: 's.model',
  agent: 's.agent_id',
  provider: 's.provider',
  service: 's.service_name',
  user: 'coalesce(s.user_id, tu.k)',
  session: 'coalesce(s.session_id, tu.k)',
};

export async function costBreakdown(
  sql: Sql,
  t: string,
  project: string,
  r: TimeRange,
  groupBy: CostGroupBy,
  limit: number,
): Promise<CostBreakdown> {
  const lim = clampLimit(limit);
  await hashJoinsOnly(sql);
  const traceCol = groupBy === 'user' ? 'user_id' : groupBy === 'session' ? 'session_id' : null;
  const withTrace = traceCol
    ? `WITH tu AS (
         SELECT trace_id, min(${traceCol}) AS k FROM ${t}.spans
         WHERE project = $1 AND start_us >= ${intLit(r.fromUs - LOOKBACK_US)} AND start_us < ${intLit(r.toUs)}
           AND ${traceCol} IS NOT NULL
         GROUP BY trace_id)`
    : '';
  const [groups, totals] = await Promise.all([
    sql.unsafe(
      `${withTrace}
       SELECT ${COST_KEY[groupBy]} AS gkey, coalesce(sum(s.cost_usd), 0)::float8 AS cost,
         coalesce(sum(s.input_tokens), 0)::float8 AS tin, coalesce(sum(s.output_tokens), 0)::float8 AS tout,
         count(s.model)::float8 AS calls, count(DISTINCT s.trace_id)::float8 AS traces,
         (count(*) OVER ())::float8 AS ngroups
       FROM ${t}.spans s ${traceCol ? 'LEFT JOIN tu ON tu.trace_id = s.trace_id' : ''}
       WHERE s.project = $1 AND ${inRange('s.start_us', r)} AND (s.model IS NOT NULL OR s.cost_usd IS NOT NULL)
       GROUP BY 1 ORDER BY cost DESC, (${COST_KEY[groupBy]}) COLLATE "C" NULLS LAST LIMIT ${lim}`,
      [project],
    ),
    sql.unsafe(
      `SELECT day, GROUPING(day) AS total,
         coalesce(sum(cost_usd), 0)::float8 AS cost, coalesce(sum(input_tokens), 0)::float8 AS tin,
         coalesce(sum(output_tokens), 0)::float8 AS tout, count(model)::float8 AS calls
       FROM (SELECT ${bucketMs('start_us', DAY_US / 1000)} AS day, cost_usd, input_tokens, output_tokens, model
             FROM ${t}.spans WHERE project = $1 AND ${inRange('start_us', r)} AND (model IS NOT NULL OR cost_usd IS NOT NULL)) z
       GROUP BY GROUPING SETS ((day), ()) ORDER BY total DESC, day`,
      [project],
    ),
  ]);
  return assembleCost(groupBy, groups as Row[], totals as Row[]);
}

export async function agentDetail(
  sql: Sql,
  t: string,
  project: string,
  agentId: string,
  r: TimeRange,
): Promise<AgentDetail> {
  const runs = `FROM ${t}.spans WHERE project = $1 AND ${inRange('start_us', r)} AND kind = 'agent' AND agent_id = $2`;
  const bucket = latencyBucketSql(DUR_MS);
  await hashJoinsOnly(sql);
  const [stats, sessions, parts] = await Promise.all([
    sql.unsafe(
      `SELECT ${bucket} AS bucket, agent_version AS version,
         GROUPING(${bucket}) AS gb, GROUPING(agent_version) AS gv,
         count(*)::float8 AS runs, (count(*) FILTER (WHERE status = 'error'))::float8 AS errors, avg(${DUR_MS}) AS avg_ms,
         percentile_cont(ARRAY[0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY ${DUR_MS}) AS q,
         max(agent_name) AS agent_name, min(start_us) AS first_us, max(start_us) AS last_us
       ${runs}
       GROUP BY GROUPING SETS ((), (${bucket}), (agent_version))`,
      [project, agentId],
    ),
    sql.unsafe(
      `SELECT session_id, min(user_id) AS user_id, count(*)::float8 AS runs,
         (count(*) FILTER (WHERE status = 'error'))::float8 AS errors, max(start_us) AS last_us
       ${runs} AND session_id IS NOT NULL
       GROUP BY session_id ORDER BY max(start_us) DESC, session_id COLLATE "C" LIMIT 20`,
      [project, agentId],
    ),
    sql.unsafe(
      `WITH tr AS (SELECT DISTINCT trace_id ${runs})
       SELECT CASE WHEN kind = 'tool' THEN name END AS tool, model,
         GROUPING(CASE WHEN kind = 'tool' THEN name END) AS gt, GROUPING(model) AS gm,
         count(*)::float8 AS calls, (count(*) FILTER (WHERE status = 'error'))::float8 AS errors,
         avg(${DUR_MS}) AS avg_ms, coalesce(sum(cost_usd), 0)::float8 AS cost,
         coalesce(sum(input_tokens), 0)::float8 AS tin, coalesce(sum(output_tokens), 0)::float8 AS tout
       FROM ${t}.spans
       WHERE project = $1 AND ${inRange('start_us', r)}
         AND (agent_id = $2 OR (agent_id IS NULL AND trace_id IN (SELECT trace_id FROM tr)))
       GROUP BY GROUPING SETS ((), (CASE WHEN kind = 'tool' THEN name END), (model))`,
      [project, agentId],
    ),
  ]);
  return assembleAgentDetail(agentId, stats as Row[], sessions as Row[], parts as Row[]);
}

export async function modelErrors(sql: Sql, t: string, project: string, r: TimeRange): Promise<ModelErrors> {
  const text = `lower(coalesce(ex_type, '') || ' ' || coalesce(ex_msg, '') || ' ' || coalesce(status_message, ''))`;
  const rows: readonly Row[] = await sql.unsafe(
    `WITH x AS (
       SELECT s.model, s.provider, s.status, s.status_message, ex.ex_type, ex.ex_msg
       FROM ${t}.spans s ${EXCEPTION_JOIN.replace('FROM json_array_elements(s.events) ev', "FROM json_array_elements(CASE WHEN s.status = 'error' THEN s.events ELSE '[]'::json END) ev")}
       WHERE s.project = $1 AND ${inRange('s.start_us', r)} AND s.model IS NOT NULL
     )
     SELECT model, max(provider) AS provider,
       CASE WHEN status = 'error' THEN ${errorKindSql(text, (s, p) => `${s} ~ ${p}`)} END AS ek,
       count(*)::float8 AS n
     FROM x GROUP BY 1, 3`,
    [project],
  );
  return assembleModelErrors(rows as Row[]);
}
