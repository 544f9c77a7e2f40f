/**
 * Aggregate "insight" queries over spans (error groups, service map, cost breakdown, agent detail,
 * model errors) for the DuckDB store. Like telemetry-queries.ts every query filters by project and
 * bounds time with inlined literals so zone maps prune row groups outside the range; the shapes and
 * rules (message normalisation, error kinds, histogram buckets) are defined in ../insights.ts.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
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
  sqlStr,
} from '../insights-rows.js';
import type { TimeRange } from '../store.js';
import * as rq from './rollup-queries.js';
import { num, type Param, query, type Row, tsLit, usCol } from './sql.js';

/** Parents may start this long before the window (same lookback as the trace list). */
const LOOKBACK_US = 3_600_000_000;
const DAY_US = 86_400_000_000;

const inRange = (col: string, r: TimeRange) => `${col} >= ${tsLit(r.fromUs)} AND ${col} < ${tsLit(r.toUs)}`;
const bucketMs = (col: string, stepMs: number) => {
  const stepUs = Math.max(1, Math.round(stepMs)) * 1000;
  return `((epoch_us(${col}) // ${stepUs}) * ${stepUs / 1000})::DOUBLE`;
};

/** [exception type, exception message] of the span's first `exception` event, or NULL. */
const EXCEPTION = `json_extract_string(
    list_filter(json_extract(events, '$[*]'), ev -> json_extract_string(ev, '$.name') = 'exception')[1],
    ['$.attributes."exception.type"', '$.attributes."exception.message"'])`;

const ERROR_TYPE = `coalesce(nullif(ex[1], ''), nullif(regexp_extract(coalesce(status_message, ''), ${sqlStr(TYPE_PREFIX_PATTERN)}, 1), ''), kind || ' error')`;
const ERROR_MESSAGE = normaliseSql(`coalesce(nullif(ex[2], ''), nullif(status_message, ''), '(no message)')`);

export async function errorGroups(conn: DuckDBConnection, project: string, q: ErrorGroupQuery): Promise<ErrorGroups> {
  const limit = Math.max(1, Math.min(1000, Math.floor(q.limit)));
  const rows = await query(
    conn,
    `WITH x AS (
       SELECT trace_id, span_id, start_time, kind, service_name, model, agent_id, status_message, ${EXCEPTION} AS ex
       FROM spans WHERE project = ? AND ${inRange('start_time', q)} AND status = 'error'
     ), e AS MATERIALIZED (
       SELECT *, ${ERROR_TYPE} AS etype, ${ERROR_MESSAGE} AS emsg FROM x
     ), g AS (
       SELECT etype, emsg, count(*)::DOUBLE AS n,
         ${usCol('min(start_time)')} AS first_us, ${usCol('max(start_time)')} AS last_us,
         list(DISTINCT agent_id) FILTER (agent_id IS NOT NULL) AS agents,
         list(DISTINCT model) FILTER (model IS NOT NULL) AS models,
         list(DISTINCT service_name) AS services,
         list(DISTINCT kind) AS kinds,
         arg_max(struct_pack(t := trace_id, s := span_id, us := epoch_us(start_time)::DOUBLE), start_time, 25) AS ex
       FROM e GROUP BY etype, emsg
     ), b AS (
       SELECT etype, emsg, list([bucket, n] ORDER BY bucket) AS buckets
       FROM (SELECT etype, emsg, ${bucketMs('start_time', q.stepMs)} AS bucket, count(*)::DOUBLE AS n FROM e GROUP BY ALL)
       GROUP BY etype, emsg
     )
     SELECT g.*, b.buckets, count(*) OVER ()::DOUBLE AS total_groups, sum(n) OVER ()::DOUBLE AS total_errors
     FROM g JOIN b USING (etype, emsg)
     ORDER BY n DESC, etype, emsg
     LIMIT ${limit}`,
    [project],
  );
  // Examples come back as a list of structs, buckets as a list of [bucket, n] lists.
  return assembleErrorGroups(rows, num, (r) => ({
    examples: ((r.ex as { t: string; s: string; us: number }[] | null) ?? []).map((x) => ({
      traceId: x.t,
      spanId: x.s,
      timeUs: num(x.us),
    })),
    buckets: ((r.buckets as number[][] | null) ?? []).map((p): [number, number] => [num(p[0]), num(p[1])]),
  }));
}

// --- service map ---

/** Node type codes: ids are built from (type, name) after aggregation, not per span. */
const NODE_TYPE = `CASE kind WHEN 'agent' THEN 1 WHEN 'llm' THEN 2 WHEN 'embedding' THEN 2 WHEN 'tool' THEN 3 WHEN 'retrieval' THEN 4 END`;
const NODE_NAME = `CASE kind WHEN 'agent' THEN coalesce(agent_id, agent_name, name) WHEN 'llm' THEN coalesce(model, name)
  WHEN 'embedding' THEN coalesce(model, name) WHEN 'tool' THEN name WHEN 'retrieval' THEN name END`;
const nodeId = (t: string, nm: string) =>
  `CASE ${t} WHEN 1 THEN 'agent:' WHEN 2 THEN 'model:' WHEN 3 THEN 'tool:' WHEN 4 THEN 'retrieval:' ELSE 'service:' END || ${nm}`;

/**
 * Edges link each span that is an entity (agent, model, tool, retrieval, or a span entering another
 * service) to the entity of its parent, looking through one unnamed (http/chain/internal) parent to
 * the grandparent; a root links from its service. Same rules as OWN_NODE in ../insights-rows.ts.
 *
 * Speed (this is the one self-join of the insight queries): parents are found through a 64-bit
 * hash of (trace id, span id) instead of the two strings, and node ids are assembled only after
 * aggregation. A hash collision (odds about n²/2⁶⁵, 5e-8 for a day of 10M spans a week) would
 * attach one span to a wrong parent.
 */
export async function serviceMap(conn: DuckDBConnection, project: string, r: TimeRange): Promise<ServiceMap> {
  const rows = await query(
    conn,
    `WITH n AS MATERIALIZED (
       SELECT hash(trace_id, span_id) AS k,
         CASE WHEN parent_span_id IS NOT NULL THEN hash(trace_id, parent_span_id) END AS pk,
         ${NODE_TYPE} AS t, ${NODE_NAME} AS nm, service_name AS svc, status, duration_ms, start_time
       FROM spans WHERE project = ? AND start_time >= ${tsLit(r.fromUs - LOOKBACK_US)} AND start_time < ${tsLit(r.toUs)}
     ), e AS (
       SELECT
         CASE WHEN c.t IS NOT NULL THEN c.t WHEN p.k IS NULL OR p.svc <> c.svc THEN 0 END AS to_t,
         CASE WHEN c.t IS NOT NULL THEN c.nm ELSE c.svc END AS to_nm,
         CASE WHEN p.k IS NULL THEN 0 WHEN p.t IS NOT NULL THEN p.t WHEN g.t IS NOT NULL THEN g.t ELSE 0 END AS from_t,
         CASE WHEN p.k IS NULL THEN c.svc WHEN p.t IS NOT NULL THEN p.nm WHEN g.t IS NOT NULL THEN g.nm ELSE p.svc END AS from_nm,
         c.status, c.duration_ms
       FROM n c LEFT JOIN n p ON p.k = c.pk LEFT JOIN n g ON g.k = p.pk
       WHERE c.start_time >= ${tsLit(r.fromUs)}
     ), a AS (
       SELECT from_t, from_nm, to_t, to_nm, GROUPING(from_t) AS node, count(*)::DOUBLE AS calls,
         count(*) FILTER (status = 'error')::DOUBLE AS errors, avg(duration_ms) AS avg_ms,
         quantile_cont(duration_ms, 0.95) AS p95
       FROM e WHERE to_t IS NOT NULL
       GROUP BY GROUPING SETS ((from_t, from_nm, to_t, to_nm), (to_t, to_nm))
     )
     SELECT ${nodeId('from_t', 'from_nm')} AS from_id, ${nodeId('to_t', 'to_nm')} AS to_id, node, calls, errors, avg_ms, p95
     FROM a`,
    [project],
  );
  return buildServiceMap(rows);
}

// --- cost ---

const COST_KEY: Record<CostGroupBy, string> = {
  model: 's.model',
  agent: 's.agent_id',
  provider: 's.provider',
  service: 's.service_name',
  user: 'coalesce(s.user_id, tu.k)',
  session: 'coalesce(s.session_id, tu.k)',
};

export async function costBreakdown(
  conn: DuckDBConnection,
  project: string,
  r: TimeRange,
  groupBy: CostGroupBy,
  limit: number,
): Promise<CostBreakdown> {
  const lim = Math.max(1, Math.min(1000, Math.floor(limit)));
  // Users and sessions are usually set on the trace's root only: a span without one takes its trace's.
  // Traces are matched and counted by a 64-bit hash of the id (integer joins; collisions ~n²/2⁶⁵).
  const traceCol = groupBy === 'user' ? 'user_id' : groupBy === 'session' ? 'session_id' : null;
  const withTrace = traceCol
    ? `WITH tu AS (
         SELECT hash(trace_id) AS h, min(${traceCol}) AS k FROM spans
         WHERE project = ? AND start_time >= ${tsLit(r.fromUs - LOOKBACK_US)} AND start_time < ${tsLit(r.toUs)}
           AND ${traceCol} IS NOT NULL
         GROUP BY h)`
    : '';
  const params: Param[] = traceCol ? [project, project] : [project];
  const from = `FROM spans s ${traceCol ? 'LEFT JOIN tu ON tu.h = hash(s.trace_id)' : ''}
    WHERE s.project = ? AND ${inRange('s.start_time', r)} AND (s.model IS NOT NULL OR s.cost_usd IS NOT NULL)`;
  // Totals come with the groups (window sums over all of them, before the LIMIT); the daily series
  // from the hourly rollups (raw spans only for the partial hours at the range's edges).
  const [groups, daily] = await Promise.all([
    query(
      conn,
      `${withTrace}
       SELECT ${COST_KEY[groupBy]} AS gkey, coalesce(sum(s.cost_usd), 0)::DOUBLE AS cost,
         coalesce(sum(s.input_tokens), 0)::DOUBLE AS tin, coalesce(sum(s.output_tokens), 0)::DOUBLE AS tout,
         count(s.model)::DOUBLE AS calls, count(DISTINCT hash(s.trace_id))::DOUBLE AS traces,
         count(*) OVER ()::DOUBLE AS ngroups,
         sum(sum(s.cost_usd)) OVER ()::DOUBLE AS t_cost, sum(sum(s.input_tokens)) OVER ()::DOUBLE AS t_tin,
         sum(sum(s.output_tokens)) OVER ()::DOUBLE AS t_tout, sum(count(s.model)) OVER ()::DOUBLE AS t_calls
       ${from}
       GROUP BY 1 ORDER BY cost DESC, gkey NULLS LAST LIMIT ${lim}`,
      params,
    ),
    rq.spanSeries(conn, project, { ...r, stepMs: DAY_US / 1000, measure: 'cost' }),
  ]);
  const t = groups[0];
  const totals: Row[] = [
    { total: 1, cost: t?.t_cost, tin: t?.t_tin, tout: t?.t_tout, calls: t?.t_calls },
    ...(daily[0]?.points ?? []).map(([day, cost]) => ({ total: 0, day, cost })),
  ];
  return assembleCost(groupBy, groups, totals);
}

// --- agent detail ---

export async function agentDetail(
  conn: DuckDBConnection,
  project: string,
  agentId: string,
  r: TimeRange,
): Promise<AgentDetail> {
  const runs = `FROM spans WHERE project = ? AND ${inRange('start_time', r)} AND kind = 'agent' AND agent_id = ?`;
  const [stats, sessions, parts] = await Promise.all([
    query(
      conn,
      `SELECT ${latencyBucketSql('duration_ms')} AS bucket, agent_version AS version,
         GROUPING(bucket) AS gb, GROUPING(version) AS gv,
         count(*)::DOUBLE AS runs, count(*) FILTER (status = 'error')::DOUBLE AS errors, avg(duration_ms) AS avg_ms,
         quantile_cont(duration_ms, [0.5, 0.9, 0.95, 0.99]) AS q, max(agent_name) AS agent_name,
         ${usCol('min(start_time)')} AS first_us, ${usCol('max(start_time)')} AS last_us
       ${runs}
       GROUP BY GROUPING SETS ((), (bucket), (version))`,
      [project, agentId],
    ),
    query(
      conn,
      `SELECT session_id, min(user_id) AS user_id, count(*)::DOUBLE AS runs,
         count(*) FILTER (status = 'error')::DOUBLE AS errors, ${usCol('max(start_time)')} AS last_us
       ${runs} AND session_id IS NOT NULL
       GROUP BY session_id ORDER BY max(start_time) DESC, session_id LIMIT 20`,
      [project, agentId],
    ),
    query(
      conn,
      `WITH t AS (SELECT DISTINCT trace_id ${runs})
       SELECT CASE WHEN kind = 'tool' THEN name END AS tool, model,
         GROUPING(tool) AS gt, GROUPING(model) AS gm,
         count(*)::DOUBLE AS calls, count(*) FILTER (status = 'error')::DOUBLE AS errors, avg(duration_ms) AS avg_ms,
         coalesce(sum(cost_usd), 0)::DOUBLE AS cost, coalesce(sum(input_tokens), 0)::DOUBLE AS tin,
         coalesce(sum(output_tokens), 0)::DOUBLE AS tout
       FROM spans
       WHERE project = ? AND ${inRange('start_time', r)}
         AND (agent_id = ? OR (agent_id IS NULL AND trace_id IN (SELECT trace_id FROM t)))
       GROUP BY GROUPING SETS ((), (tool), (model))`,
      [project, agentId, project, agentId],
    ),
  ]);
  return assembleAgentDetail(agentId, stats, sessions, parts);
}

// --- model errors ---

export async function modelErrors(conn: DuckDBConnection, project: string, r: TimeRange): Promise<ModelErrors> {
  const text = `lower(coalesce(ex[1], '') || ' ' || coalesce(ex[2], '') || ' ' || coalesce(status_message, ''))`;
  const rows = await query(
    conn,
    `WITH x AS (
       SELECT model, provider, status, status_message, CASE WHEN status = 'error' THEN ${EXCEPTION} END AS ex
       FROM spans WHERE project = ? AND ${inRange('start_time', r)} AND model IS NOT NULL
     )
     SELECT model, max(provider) AS provider,
       CASE WHEN status = 'error' THEN ${errorKindSql(text, (s, p) => `regexp_matches(${s}, ${p})`)} END AS ek,
       count(*)::DOUBLE AS n
     FROM x GROUP BY model, ek`,
    [project],
  );
  return assembleModelErrors(rows);
}
