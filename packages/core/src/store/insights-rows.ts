/**
 * Turns the rows of the aggregate insight queries into their result shapes. Shared by the DuckDB and
 * PostgreSQL stores, whose SQL returns the same columns, so the two cannot drift apart here.
 */
import {
  type AgentDetail,
  type CostBreakdown,
  type CostGroupBy,
  ERROR_KIND_PATTERNS,
  ERROR_KINDS,
  type ErrorGroups,
  type ErrorKind,
  LATENCY_BUCKETS_MS,
  type ModelErrors,
  NORMALISE_PATTERNS,
  type ServiceMap,
  type ServiceMapNode,
} from './insights.js';

type Row = Record<string, unknown>;

function num(v: unknown): number {
  if (v == null) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isNaN(n) ? 0 : n;
}

function numOrNull(v: unknown): number | null {
  if (v == null) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isNaN(n) ? null : n;
}

const strOrNull = (v: unknown): string | null => (v == null ? null : String(v));

function numLit(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`invalid number ${v}`);
  return String(v);
}

/** Newest first, one example per trace, at most 5. */
export function distinctExamples<T extends { traceId: string; timeUs: number }>(xs: T[]): T[] {
  const sorted = [...xs].sort((a, b) => b.timeUs - a.timeUs || (a.traceId < b.traceId ? -1 : 1));
  const seen = new Set<string>();
  const out: T[] = [];
  for (const x of sorted) {
    if (seen.has(x.traceId)) continue;
    seen.add(x.traceId);
    out.push(x);
    if (out.length === 5) break;
  }
  return out;
}

/** An error group's example spans and per-bucket counts, as the backend's driver returns them. */
export interface ErrorGroupColumns {
  examples: { traceId: string; spanId: string; timeUs: number }[];
  buckets: [number, number][];
}

/**
 * Rows of the error groups query: one per (etype, emsg) with n, first_us, last_us, the distinct
 * agents/models/services/kinds, and total_errors / total_groups over all groups on every row.
 */
export function assembleErrorGroups(
  rows: readonly Row[],
  toNum: (v: unknown) => number,
  unpack: (r: Row) => ErrorGroupColumns,
): ErrorGroups {
  return {
    totalErrors: rows.length ? toNum(rows[0].total_errors) : 0,
    totalGroups: rows.length ? toNum(rows[0].total_groups) : 0,
    groups: rows.map((r) => {
      const { examples, buckets } = unpack(r);
      return {
        type: r.etype as string,
        message: r.emsg as string,
        count: toNum(r.n),
        firstSeenUs: toNum(r.first_us),
        lastSeenUs: toNum(r.last_us),
        agents: sortedStrings(r.agents),
        models: sortedStrings(r.models),
        services: sortedStrings(r.services),
        kinds: sortedStrings(r.kinds),
        examples: distinctExamples(examples),
        buckets,
      };
    }),
  };
}

/** rows of (from_id, to_id, node flag, calls, errors, avg_ms, p95). */
export function buildServiceMap(rows: Row[]): ServiceMap {
  const nodes = new Map<string, ServiceMapNode>();
  const node = (id: string): ServiceMapNode => {
    let n = nodes.get(id);
    if (!n) {
      const i = id.indexOf(':');
      n = {
        id,
        type: id.slice(0, i) as ServiceMapNode['type'],
        label: id.slice(i + 1),
        calls: 0,
        errors: 0,
        p95Ms: null,
      };
      nodes.set(id, n);
    }
    return n;
  };
  const edges: ServiceMap['edges'] = [];
  for (const r of rows) {
    const to = r.to_id as string;
    if (num(r.node) === 1) {
      const n = node(to);
      n.calls = num(r.calls);
      n.errors = num(r.errors);
      n.p95Ms = numOrNull(r.p95);
      continue;
    }
    const from = r.from_id as string;
    node(from);
    if (from === to) continue;
    const calls = num(r.calls);
    const errors = num(r.errors);
    edges.push({
      from,
      to,
      calls,
      errors,
      errorRate: calls ? errors / calls : 0,
      avgMs: numOrNull(r.avg_ms),
      p95Ms: numOrNull(r.p95),
    });
  }
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    nodes: [...nodes.values()].sort((a, b) => b.calls - a.calls || byId(a, b)),
    edges: edges.sort(
      (a, b) => b.calls - a.calls || byId({ id: a.from }, { id: b.from }) || byId({ id: a.to }, { id: b.to }),
    ),
  };
}

/** top groups (gkey, cost, tin, tout, calls, traces, ngroups) and day/total rows. */
export function assembleCost(groupBy: CostGroupBy, groups: Row[], totals: Row[]): CostBreakdown {
  const t = totals.find((x) => num(x.total) === 1);
  const total = {
    costUsd: num(t?.cost),
    inputTokens: num(t?.tin),
    outputTokens: num(t?.tout),
    calls: num(t?.calls),
  };
  const rows = groups.map((g) => ({
    key: strOrNull(g.gkey),
    costUsd: num(g.cost),
    inputTokens: num(g.tin),
    outputTokens: num(g.tout),
    calls: num(g.calls),
    traces: num(g.traces),
  }));
  const ngroups = groups.length ? num(groups[0].ngroups) : 0;
  const sum = (f: (x: (typeof rows)[number]) => number) => rows.reduce((a, x) => a + f(x), 0);
  const other =
    ngroups > rows.length
      ? {
          groups: ngroups - rows.length,
          costUsd: Math.max(0, total.costUsd - sum((x) => x.costUsd)),
          inputTokens: Math.max(0, total.inputTokens - sum((x) => x.inputTokens)),
          outputTokens: Math.max(0, total.outputTokens - sum((x) => x.outputTokens)),
          calls: Math.max(0, total.calls - sum((x) => x.calls)),
        }
      : null;
  return {
    groupBy,
    total,
    groups: rows,
    other,
    daily: totals
      .filter((x) => num(x.total) === 0 && num(x.cost) !== 0)
      .map((x): [number, number] => [num(x.day), num(x.cost)]),
  };
}

/** Agent detail from its three queries: run stats (grouping sets), sessions, spans (grouping sets). */
export function assembleAgentDetail(agentId: string, stats: Row[], sessions: Row[], parts: Row[]): AgentDetail {
  const total = stats.find((x) => num(x.gb) === 1 && num(x.gv) === 1);
  const q = (total?.q as (number | null)[] | null) ?? [null, null, null, null];
  const runs = num(total?.runs);
  const errors = num(total?.errors);
  const counts = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const x of stats) if (num(x.gb) === 0) counts[num(x.bucket)] = num(x.runs);
  const partTotal = parts.find((x) => num(x.gt) === 1 && num(x.gm) === 1);
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    agentId,
    agentName: strOrNull(total?.agent_name),
    runs,
    errors,
    successRate: runs ? (runs - errors) / runs : null,
    averageMs: numOrNull(total?.avg_ms),
    p50Ms: numOrNull(q[0]),
    p90Ms: numOrNull(q[1]),
    p95Ms: numOrNull(q[2]),
    p99Ms: numOrNull(q[3]),
    histogram: { boundsMs: [...LATENCY_BUCKETS_MS], counts },
    costUsd: num(partTotal?.cost),
    inputTokens: num(partTotal?.tin),
    outputTokens: num(partTotal?.tout),
    tools: parts
      .filter((x) => num(x.gt) === 0 && x.tool != null)
      .map((x) => ({ name: x.tool as string, calls: num(x.calls), errors: num(x.errors), avgMs: numOrNull(x.avg_ms) }))
      .sort((a, b) => b.calls - a.calls || byName(a.name, b.name)),
    models: parts
      .filter((x) => num(x.gm) === 0 && x.model != null)
      .map((x) => ({ model: x.model as string, calls: num(x.calls), errors: num(x.errors), costUsd: num(x.cost) }))
      .sort((a, b) => b.calls - a.calls || byName(a.model, b.model)),
    versions: stats
      .filter((x) => num(x.gv) === 0 && x.version != null)
      .map((x) => ({
        version: x.version as string,
        runs: num(x.runs),
        errors: num(x.errors),
        errorRate: num(x.runs) ? num(x.errors) / num(x.runs) : 0,
        firstSeenUs: num(x.first_us),
        lastSeenUs: num(x.last_us),
      }))
      .sort((a, b) => b.lastSeenUs - a.lastSeenUs || byName(a.version, b.version)),
    sessions: sessions.map((x) => ({
      sessionId: x.session_id as string,
      userId: strOrNull(x.user_id),
      runs: num(x.runs),
      errors: num(x.errors),
      lastSeenUs: num(x.last_us),
    })),
  };
}

const zeroKinds = (): Record<ErrorKind, number> =>
  Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;

/** rows of (model, provider, ek or NULL for successes, n). */
export function assembleModelErrors(rows: Row[]): ModelErrors {
  const byModel = new Map<string, ModelErrors['byModel'][number]>();
  const out: ModelErrors = { calls: 0, errors: 0, byKind: zeroKinds(), byModel: [] };
  for (const r of rows) {
    const model = r.model as string;
    let m = byModel.get(model);
    if (!m) {
      m = { model, provider: null, calls: 0, errors: 0, byKind: zeroKinds() };
      byModel.set(model, m);
    }
    m.provider = m.provider ?? strOrNull(r.provider);
    const n = num(r.n);
    m.calls += n;
    out.calls += n;
    if (r.ek != null) {
      const k = r.ek as ErrorKind;
      m.errors += n;
      m.byKind[k] += n;
      out.errors += n;
      out.byKind[k] += n;
    }
  }
  out.byModel = [...byModel.values()].sort(
    (a, b) => b.errors - a.errors || b.calls - a.calls || (a.model < b.model ? -1 : 1),
  );
  return out;
}

// --- portable SQL fragments (DuckDB and PostgreSQL accept the same text) ---

export const sqlStr = (s: string) => `'${s.replace(/'/g, "''")}'`;
export function normaliseSql(expr: string): string {
  let out = expr;
  for (const [p, r] of NORMALISE_PATTERNS) out = `regexp_replace(${out}, ${sqlStr(p)}, ${sqlStr(r)}, 'g')`;
  return `left(trim(${out}), 300)`;
}

/** The entity a span is on the map; NULL for http/chain/internal spans (they belong to their service). */
export const OWN_NODE = `CASE kind
    WHEN 'agent' THEN 'agent:' || coalesce(agent_id, agent_name, name)
    WHEN 'llm' THEN 'model:' || coalesce(model, name)
    WHEN 'embedding' THEN 'model:' || coalesce(model, name)
    WHEN 'tool' THEN 'tool:' || name
    WHEN 'retrieval' THEN 'retrieval:' || name
  END`;

export function latencyBucketSql(col: string): string {
  const whens = LATENCY_BUCKETS_MS.map((b, i) => `WHEN ${col} <= ${numLit(b)} THEN ${i}`).join(' ');
  return `CASE ${whens} ELSE ${LATENCY_BUCKETS_MS.length} END`;
}

export function errorKindSql(text: string, regexMatch: (s: string, p: string) => string): string {
  const whens = ERROR_KIND_PATTERNS.map(([k, p]) => `WHEN ${regexMatch(text, sqlStr(p))} THEN '${k}'`).join(' ');
  return `CASE ${whens} ELSE 'other' END`;
}

export function sortedStrings(v: unknown, max = 20): string[] {
  return ((v as (string | null)[] | null) ?? [])
    .filter((x): x is string => x != null)
    .sort()
    .slice(0, max);
}
