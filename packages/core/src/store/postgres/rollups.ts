/**
 * Hourly span rollups for dashboards over long ranges.
 *
 * Writes: every commit marks the (project, hour) pairs it touched as dirty. The rollup job
 * (`refreshRollups`, run by the leader) recomputes each dirty hour that has ended from the raw
 * spans, one hour per transaction. A race-free hand-off between the two uses advisory locks: a
 * commit holds a SHARED lock per hour it writes (or per day, for batches spanning many hours) until
 * it commits; the job takes the EXCLUSIVE locks of the hour and its day before it claims the dirty
 * marker, so it waits for in-flight commits and sees their rows, and later commits re-mark the hour.
 *
 * Reads: a range uses rollups for the whole hours inside it that are rolled up and clean, and raw
 * spans for everything else (edges, the current hour, late data). Counts, sums, tokens and cost
 * stay exact; latency percentiles come from the merged log histograms (relative error ≤ 2%). A
 * range with no usable rollup hour is answered exactly from raw spans.
 */
import type { SpanRecord } from '../../model/telemetry.js';
import { EMPTY_MODEL_TOTALS } from '../rows.js';
import { SPAN_GROUP_COLUMN } from '../series.js';
import type { AgentStats, ModelStats, ModelStatsRow, Series, SpanSeriesQuery, TimeRange } from '../store.js';
import type { Sql, TransactionSql } from './connect.js';
import { quoteIdent } from './migrations.js';
import { intLit, num, type Row, strOrNull } from './sql-util.js';

export const HOUR_US = 3_600_000_000;
const DAY_HOURS = 24;
const GAMMA = 1.02;
const LN_GAMMA = Math.log(GAMMA);
/** Above this many distinct hours in one commit, lock whole days instead (bounded lock table use). */
const MAX_HOUR_LOCKS = 64;

/** SQL for the histogram bucket of a duration in µs. */
export function bucketSql(durationUsCol: string): string {
  return `CASE WHEN ${durationUsCol} < 1 THEN -1 ELSE floor(ln(${durationUsCol}::float8) / ${LN_GAMMA})::int END`;
}

/** The advisory-lock namespace (first int4 key) of a schema's rollup locks. */
function lockSpace(schema: string): string {
  return `hashtext(${`'vigil:rollup:${schema}'`})`;
}
const hourKey = (hour: number) => hour;
const dayKey = (day: number) => -1 - day;

/** Inside a commit's transaction: take shared hour/day locks and mark the hours dirty. */
export async function markDirty(tx: TransactionSql, schema: string, spans: readonly SpanRecord[]): Promise<void> {
  if (spans.length === 0) return;
  const pairs = new Map<string, [string, number]>();
  const hours = new Set<number>();
  for (const s of spans) {
    const h = Math.floor(s.startUs / HOUR_US);
    hours.add(h);
    const k = `${h}|${s.project}`;
    if (!pairs.has(k)) pairs.set(k, [s.project, h * HOUR_US]);
  }
  const keys =
    hours.size <= MAX_HOUR_LOCKS
      ? [...hours].map(hourKey)
      : [...new Set([...hours].map((h) => Math.floor(h / DAY_HOURS)))].map(dayKey);
  keys.sort((a, b) => a - b); // a fixed order: no deadlocks between commits
  const t = quoteIdent(schema);
  await tx.unsafe(
    `SELECT pg_advisory_xact_lock_shared(${lockSpace(schema)}, k) FROM unnest($1::int[]) AS k ORDER BY k`,
    [keys] as never,
  );
  const list = [...pairs.values()];
  await tx.unsafe(
    `INSERT INTO ${t}.span_rollup_dirty (project, hour_us)
     SELECT * FROM unnest($1::text[], $2::bigint[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING`,
    [list.map((p) => p[0]), list.map((p) => p[1])] as never,
  );
}

export interface RefreshRollupsOptions {
  /** "Now" for deciding which hours have ended (default: the clock). */
  nowUs?: number;
  /** How long after an hour ends before it is rolled up (default 5 minutes). */
  graceMs?: number;
  /** Stop after this many hours (default 1000); call again for the rest. */
  maxHours?: number;
}

/** Rolls up every dirty hour that ended more than `graceMs` ago. Idempotent; run it on one instance. */
export async function refreshRollups(
  sql: Sql,
  schema: string,
  opts: RefreshRollupsOptions = {},
): Promise<{ hours: number }> {
  const t = quoteIdent(schema);
  const cutoff = (opts.nowUs ?? Date.now() * 1000) - (opts.graceMs ?? 300_000) * 1000;
  const max = opts.maxHours ?? 1000;
  let done = 0;
  while (done < max) {
    const rolled = await sql.begin(async (tx) => {
      const [next] = await tx.unsafe(
        `SELECT project, hour_us FROM ${t}.span_rollup_dirty WHERE hour_us + ${HOUR_US} <= $1
         ORDER BY hour_us, project LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [Math.round(cutoff)],
      );
      if (!next) return false;
      const project = next.project as string;
      const hourUs = num(next.hour_us);
      const hour = Math.floor(hourUs / HOUR_US);
      // Wait for commits still writing this hour, and hold off new ones until this transaction ends.
      await tx.unsafe(
        `SELECT pg_advisory_xact_lock(${lockSpace(schema)}, $1), pg_advisory_xact_lock(${lockSpace(schema)}, $2)`,
        [hourKey(hour), dayKey(Math.floor(hour / DAY_HOURS))],
      );
      await tx.unsafe(`DELETE FROM ${t}.span_rollup_dirty WHERE project = $1 AND hour_us = $2`, [project, hourUs]);
      await tx.unsafe(`DELETE FROM ${t}.span_rollup_hourly WHERE project = $1 AND hour_us = $2`, [project, hourUs]);
      await tx.unsafe(`DELETE FROM ${t}.span_rollup_hist WHERE project = $1 AND hour_us = $2`, [project, hourUs]);
      const inHour = `project = $1 AND start_us >= ${intLit(hourUs)} AND start_us < ${intLit(hourUs + HOUR_US)}`;
      await tx.unsafe(
        `INSERT INTO ${t}.span_rollup_hourly (project, hour_us, kind, model, provider, agent_id, agent_name, service_name,
           calls, errors, duration_ms_sum, input_tokens, output_tokens, cost_usd)
         SELECT $1, $2, kind, model, provider, agent_id, max(agent_name), service_name,
           count(*), count(*) FILTER (WHERE status = 'error'), coalesce(sum(duration_us), 0) / 1000.0,
           coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), coalesce(sum(cost_usd), 0)
         FROM ${t}.spans WHERE ${inHour}
         GROUP BY kind, model, provider, agent_id, service_name`,
        [project, hourUs],
      );
      await tx.unsafe(
        `INSERT INTO ${t}.span_rollup_hist (project, hour_us, dim, key, hist_b, hist_c)
         SELECT $1, $2, dim, key, array_agg(b ORDER BY b), array_agg(c ORDER BY b)
         FROM (
           SELECT 'm' AS dim, model AS key, ${bucketSql('duration_us')} AS b, count(*) AS c
           FROM ${t}.spans WHERE ${inHour} AND model IS NOT NULL GROUP BY model, b
           UNION ALL
           SELECT 'a', agent_id, ${bucketSql('duration_us')} AS b, count(*)
           FROM ${t}.spans WHERE ${inHour} AND kind = 'agent' AND agent_id IS NOT NULL GROUP BY agent_id, b
         ) x
         GROUP BY dim, key`,
        [project, hourUs],
      );
      await tx.unsafe(
        `INSERT INTO ${t}.span_rollup_hours (project, hour_us, rolled_us) VALUES ($1, $2, $3)
         ON CONFLICT (project, hour_us) DO UPDATE SET rolled_us = excluded.rolled_us`,
        [project, hourUs, Date.now() * 1000],
      );
      return true;
    });
    if (!rolled) break;
    done++;
  }
  return { hours: done };
}

/** Whole hours inside the range whose rollups are complete and clean. */
export async function usableHours(sql: Sql, t: string, project: string, r: TimeRange): Promise<number[]> {
  const first = Math.ceil(r.fromUs / HOUR_US) * HOUR_US;
  const last = Math.floor(r.toUs / HOUR_US) * HOUR_US; // exclusive
  if (last - first < HOUR_US) return [];
  const rows = await sql.unsafe(
    `SELECT h.hour_us FROM ${t}.span_rollup_hours h
     WHERE h.project = $1 AND h.hour_us >= ${intLit(first)} AND h.hour_us < ${intLit(last)}
       AND NOT EXISTS (SELECT 1 FROM ${t}.span_rollup_dirty d WHERE d.project = h.project AND d.hour_us = h.hour_us)
     ORDER BY h.hour_us`,
    [project],
  );
  return rows.map((x) => num(x.hour_us));
}

/** The parts of the range not covered by the given sorted whole hours, as [from, to) intervals. */
export function rawIntervals(r: TimeRange, hours: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  let cur = r.fromUs;
  for (const h of hours) {
    if (h > cur) out.push([cur, h]);
    cur = Math.max(cur, h + HOUR_US);
  }
  if (cur < r.toUs) out.push([cur, r.toUs]);
  return out;
}

interface Group {
  kind: string;
  model: string | null;
  agentId: string | null;
  provider: string | null;
  agentName: string | null;
  calls: number;
  errors: number;
  durMs: number;
  inputTokens: number;
  outputTokens: number;
  cost: number;
}

export interface StatsSnapshot {
  groups: Group[];
  /** Duration histograms (bucket → count) per model and per agent (agent spans only). */
  modelHist: Map<string, Map<number, number>>;
  agentHist: Map<string, Map<number, number>>;
}

/** Rollup rows of the usable hours plus the same aggregates computed from raw spans elsewhere. */
export async function statsSnapshot(
  sql: Sql,
  t: string,
  project: string,
  r: TimeRange,
  hours: readonly number[],
): Promise<StatsSnapshot> {
  const raw = rawIntervals(r, hours);
  const rawCond = raw.length
    ? raw.map(([a, b]) => `(start_us >= ${intLit(a)} AND start_us < ${intLit(b)})`).join(' OR ')
    : 'false';
  const rows = await sql.unsafe(
    `WITH raw AS MATERIALIZED (
       SELECT kind, model, provider, agent_id, agent_name, status, duration_us, input_tokens, output_tokens, cost_usd,
         ${bucketSql('duration_us')} AS b
       FROM ${t}.spans WHERE project = $1 AND (${rawCond})
     ), g AS (
       SELECT kind, model, provider, agent_id, agent_name, calls, errors, duration_ms_sum, input_tokens,
         output_tokens, cost_usd
       FROM ${t}.span_rollup_hourly WHERE project = $1 AND hour_us = ANY($2::bigint[])
       UNION ALL
       SELECT kind, model, provider, agent_id, max(agent_name), count(*), count(*) FILTER (WHERE status = 'error'),
         coalesce(sum(duration_us), 0) / 1000.0, coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
         coalesce(sum(cost_usd), 0)
       FROM raw GROUP BY kind, model, provider, agent_id
     ), h AS (
       SELECT dim::text AS dim, key, u.b, u.c
       FROM ${t}.span_rollup_hist r, unnest(r.hist_b, r.hist_c) AS u(b, c)
       WHERE r.project = $1 AND r.hour_us = ANY($2::bigint[])
       UNION ALL
       SELECT 'm', model, b, count(*) FROM raw WHERE model IS NOT NULL GROUP BY model, b
       UNION ALL
       SELECT 'a', agent_id, b, count(*) FROM raw WHERE kind = 'agent' AND agent_id IS NOT NULL GROUP BY agent_id, b
     )
     SELECT 'g' AS t, kind, model, agent_id, max(provider) AS provider,
       max(agent_name) FILTER (WHERE kind = 'agent') AS agent_name, sum(calls)::float8 AS calls,
       sum(errors)::float8 AS errors, sum(duration_ms_sum)::float8 AS dur, sum(input_tokens)::float8 AS it,
       sum(output_tokens)::float8 AS ot, sum(cost_usd)::float8 AS cost, NULL::int AS b, NULL::float8 AS c
     FROM g GROUP BY kind, model, agent_id
     UNION ALL
     SELECT dim, NULL, CASE WHEN dim = 'm' THEN key END, CASE WHEN dim = 'a' THEN key END,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, b, sum(c)::float8
     FROM h GROUP BY dim, key, b`,
    [project, hours] as never,
  );
  const snap: StatsSnapshot = { groups: [], modelHist: new Map(), agentHist: new Map() };
  const add = (m: Map<string, Map<number, number>>, key: string, b: number, c: number) => {
    let h = m.get(key);
    if (!h) {
      h = new Map();
      m.set(key, h);
    }
    h.set(b, (h.get(b) ?? 0) + c);
  };
  for (const x of rows as readonly Row[]) {
    if (x.t === 'g') {
      snap.groups.push({
        kind: x.kind as string,
        model: strOrNull(x.model),
        agentId: strOrNull(x.agent_id),
        provider: strOrNull(x.provider),
        agentName: strOrNull(x.agent_name),
        calls: num(x.calls),
        errors: num(x.errors),
        durMs: num(x.dur),
        inputTokens: num(x.it),
        outputTokens: num(x.ot),
        cost: num(x.cost),
      });
    } else if (x.t === 'm') add(snap.modelHist, x.model as string, num(x.b), num(x.c));
    else add(snap.agentHist, x.agent_id as string, num(x.b), num(x.c));
  }
  return snap;
}

/** Continuous quantile (percentile_cont's rank) estimated from a log histogram; ms. */
export function histQuantile(h: Map<number, number> | undefined, q: number): number | null {
  if (!h || h.size === 0) return null;
  const buckets = [...h.entries()].sort((a, b) => a[0] - b[0]);
  const n = buckets.reduce((a, [, c]) => a + c, 0);
  if (n === 0) return null;
  const rank = q * (n - 1);
  let before = 0;
  for (const [b, c] of buckets) {
    if (rank < before + c) {
      if (b < 0) return 0;
      const frac = (rank - before + 0.5) / c;
      return GAMMA ** (b + frac) / 1000;
    }
    before += c;
  }
  const [b] = buckets[buckets.length - 1];
  return b < 0 ? 0 : GAMMA ** (b + 1) / 1000;
}

function mergeHists(hs: Iterable<Map<number, number>>): Map<number, number> {
  const out = new Map<number, number>();
  for (const h of hs) for (const [b, c] of h) out.set(b, (out.get(b) ?? 0) + c);
  return out;
}

export function modelStatsFromSnapshot(s: StatsSnapshot): ModelStats {
  const byModel = new Map<string, ModelStatsRow>();
  for (const g of s.groups) {
    if (g.model === null) continue;
    let m = byModel.get(g.model);
    if (!m) {
      m = { model: g.model, provider: null, ...EMPTY_MODEL_TOTALS };
      byModel.set(g.model, m);
    }
    if (g.provider !== null && (m.provider === null || g.provider > m.provider)) m.provider = g.provider;
    m.calls += g.calls;
    m.errors += g.errors;
    m.averageLatencyMs = (m.averageLatencyMs ?? 0) + g.durMs; // sum for now, divided below
    m.inputTokens += g.inputTokens;
    m.outputTokens += g.outputTokens;
    m.costUsd += g.cost;
  }
  let calls = 0;
  let errors = 0;
  let dur = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd = 0;
  const rows = [...byModel.values()];
  for (const m of rows) {
    calls += m.calls;
    errors += m.errors;
    dur += m.averageLatencyMs ?? 0;
    inputTokens += m.inputTokens;
    outputTokens += m.outputTokens;
    costUsd += m.costUsd;
    m.averageLatencyMs = m.calls > 0 ? (m.averageLatencyMs ?? 0) / m.calls : null;
    const h = s.modelHist.get(m.model);
    m.p50 = histQuantile(h, 0.5);
    m.p95 = histQuantile(h, 0.95);
    m.p99 = histQuantile(h, 0.99);
  }
  rows.sort((a, b) => b.calls - a.calls || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  const all = mergeHists(s.modelHist.values());
  return {
    calls,
    errors,
    averageLatencyMs: calls > 0 ? dur / calls : null,
    p50: histQuantile(all, 0.5),
    p95: histQuantile(all, 0.95),
    p99: histQuantile(all, 0.99),
    inputTokens,
    outputTokens,
    costUsd,
    byModel: rows,
  };
}

export function agentStatsFromSnapshot(s: StatsSnapshot, activeAgents: number): AgentStats {
  let runs = 0;
  let failed = 0;
  let dur = 0;
  const per = new Map<string, { name: string | null; runs: number; errors: number; cost: number }>();
  for (const g of s.groups) {
    if (g.kind === 'agent') {
      runs += g.calls;
      failed += g.errors;
      dur += g.durMs;
    }
    if (g.agentId === null) continue;
    let a = per.get(g.agentId);
    if (!a) {
      a = { name: null, runs: 0, errors: 0, cost: 0 };
      per.set(g.agentId, a);
    }
    a.cost += g.cost;
    if (g.kind === 'agent') {
      a.runs += g.calls;
      a.errors += g.errors;
      if (g.agentName !== null && (a.name === null || g.agentName > a.name)) a.name = g.agentName;
    }
  }
  const byAgent = [...per.entries()]
    .filter(([, a]) => a.runs > 0)
    .map(([agentId, a]) => ({
      agentId,
      agentName: a.name,
      runs: a.runs,
      errors: a.errors,
      p50Ms: histQuantile(s.agentHist.get(agentId), 0.5),
      p95Ms: histQuantile(s.agentHist.get(agentId), 0.95),
      costUsd: a.cost,
    }))
    .sort((a, b) => b.runs - a.runs || (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
  return {
    activeAgents,
    totalRuns: runs + activeAgents,
    completedRuns: runs - failed,
    failedRuns: failed,
    averageRunMs: runs > 0 ? dur / runs : null,
    byAgent,
  };
}

/** Span-series measures computable exactly from rollup sums (percentiles are not). */
const SUM_MEASURES: Partial<Record<SpanSeriesQuery['measure'], string>> = {
  count: 'sum(calls)::float8',
  errors: 'sum(errors)::float8',
  error_rate: 'sum(errors)::float8 / sum(calls)',
  avg_ms: 'sum(dur)::float8 / sum(calls)',
  tokens: 'sum(it + ot)::float8',
  cost: 'sum(cost)::float8',
};

/** Whether spanSeries can use rollups: whole-hour steps and a measure that sums. */
export function seriesFromRollupsPossible(q: SpanSeriesQuery): boolean {
  return q.stepMs >= 3_600_000 && q.stepMs % 3_600_000 === 0 && SUM_MEASURES[q.measure] !== undefined;
}

/**
 * spanSeries over rollups of the usable hours plus raw spans elsewhere; exact (the same numbers as
 * the raw query) because every measure here is a sum, and each hour falls into one bucket.
 */
export async function spanSeriesFromRollups(
  sql: Sql,
  t: string,
  project: string,
  q: SpanSeriesQuery,
  hours: readonly number[],
): Promise<Series[]> {
  const stepUs = Math.round(q.stepMs) * 1000;
  const params: unknown[] = [project, hours];
  const filters: string[] = [];
  if (q.kind != null) {
    params.push(q.kind);
    filters.push(`kind = $${params.length}`);
  }
  if (q.model != null) {
    params.push(q.model);
    filters.push(`model = $${params.length}`);
  }
  if (q.agent != null) {
    params.push(q.agent);
    filters.push(`(agent_id = $${params.length} OR agent_name = $${params.length})`);
  }
  const group = q.groupBy ? SPAN_GROUP_COLUMN[q.groupBy] : null;
  if (group) filters.push(`${group} IS NOT NULL`);
  const where = filters.map((f) => ` AND ${f}`).join('');
  const raw = rawIntervals(q, hours);
  const rawCond = raw.length
    ? raw.map(([a, b]) => `(start_us >= ${intLit(a)} AND start_us < ${intLit(b)})`).join(' OR ')
    : 'false';
  const g = group ? `${group} AS g0, ` : '';
  const gg = group ? 'g0, ' : '';
  const rows = await sql.unsafe(
    `WITH u AS (
       SELECT ${g}(floor(hour_us::float8 / ${stepUs}) * ${stepUs / 1000})::float8 AS bucket,
         calls, errors, duration_ms_sum AS dur, input_tokens AS it, output_tokens AS ot, cost_usd AS cost
       FROM ${t}.span_rollup_hourly WHERE project = $1 AND hour_us = ANY($2::bigint[])${where}
       UNION ALL
       SELECT ${g}(floor(start_us::float8 / ${stepUs}) * ${stepUs / 1000})::float8 AS bucket,
         count(*), count(*) FILTER (WHERE status = 'error'), coalesce(sum(duration_us), 0) / 1000.0,
         coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), coalesce(sum(cost_usd), 0)
       FROM ${t}.spans WHERE project = $1 AND (${rawCond})${where}
       GROUP BY ${gg}bucket
     )
     SELECT ${gg}bucket, ${SUM_MEASURES[q.measure]} AS v FROM u GROUP BY ${gg}bucket ORDER BY ${gg}bucket`,
    params as never,
  );
  const byKey = new Map<string, Series>();
  for (const r of rows as readonly Row[]) {
    const labels: Record<string, string> = q.groupBy ? { [q.groupBy]: String(r.g0) } : {};
    const key = q.groupBy ? String(r.g0) : '';
    let s = byKey.get(key);
    if (!s) {
      s = { labels, points: [] };
      byKey.set(key, s);
    }
    if (r.v != null) s.points.push([num(r.bucket), num(r.v)]);
  }
  return [...byKey.values()];
}
