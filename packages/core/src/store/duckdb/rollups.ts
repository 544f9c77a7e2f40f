/**
 * Hourly span rollups, the way Prometheus-style systems pre-aggregate: one row per (project, hour,
 * kind, model, provider, agent id, agent name, service, status) with the span count, duration sum,
 * min and max, tokens, cost and a DDSketch latency histogram (rollup-sketch.ts). Dashboard
 * statistics and hourly series read these instead of every span (rollup-queries.ts).
 *
 * Maintenance: committed spans are accumulated into partial rows in JS (RollupAccumulator) and
 * appended about once a second and before every rollup query (rollup-write-behind.ts, which also
 * keeps them crash-consistent with the spans). Partial rows of one key are merged at query time by
 * SUM/GROUP BY; RollupCompactor folds them into one row per key for hours that received several
 * flushes, so the table stays about as small as the number of distinct keys per hour.
 *
 * agent_name is part of the key because series filter agents by id or name; it is almost always a
 * function of the agent id, so it adds no rows.
 */
import { type DuckDBAppender, type DuckDBConnection, DuckDBTimestampValue } from '@duckdb/node-api';
import type { SpanRecord } from '../../model/telemetry.js';
import { sketchKey, sketchKeySql } from './rollup-sketch.js';
import { inTransaction, tsLit } from './sql.js';

export const HOUR_US = 3_600_000_000;

/** The rollup key columns, in table order. */
export const ROLLUP_KEY = [
  'project',
  'hour',
  'kind',
  'model',
  'provider',
  'agent_id',
  'agent_name',
  'service_name',
  'status',
] as const;

/** A rollup table and its key (project and hour first). */
export interface RollupLevel {
  table: string;
  key: readonly string[];
}

/** Every dimension: serves agent statistics and series filtered or grouped by agent or service. */
export const FINE: RollupLevel = { table: 'span_rollups', key: ROLLUP_KEY };
/**
 * Without agent and service: about 10x fewer rows, so model statistics and series by model, kind
 * or provider merge 10x fewer histogram buckets (provider is a function of the model: no rows added).
 */
export const BY_MODEL: RollupLevel = {
  table: 'span_rollups_by_model',
  key: ['project', 'hour', 'kind', 'model', 'provider', 'status'],
};
export const LEVELS: readonly RollupLevel[] = [FINE, BY_MODEL];

const KEY_TYPE: Record<string, string> = {
  project: 'VARCHAR NOT NULL',
  hour: 'TIMESTAMP NOT NULL',
  kind: 'VARCHAR NOT NULL',
  model: 'VARCHAR',
  provider: 'VARCHAR',
  agent_id: 'VARCHAR',
  agent_name: 'VARCHAR',
  service_name: 'VARCHAR NOT NULL',
  status: 'VARCHAR NOT NULL',
};

const tableSql = (l: RollupLevel) => `
CREATE TABLE ${l.table} (
  ${l.key.map((c) => `${c} ${KEY_TYPE[c]},`).join('\n  ')}
  spans BIGINT NOT NULL,
  duration_sum DOUBLE NOT NULL,
  duration_min DOUBLE NOT NULL,
  duration_max DOUBLE NOT NULL,
  input_tokens BIGINT NOT NULL,
  output_tokens BIGINT NOT NULL,
  cost_usd DOUBLE NOT NULL,
  hist_keys INTEGER[] NOT NULL,
  hist_counts INTEGER[] NOT NULL
);`;

/**
 * Rollup rows computed from the spans matching `where` (SQL over the spans table), in table column
 * order. Used to backfill, to rebuild an hour cut by retention, and (with fewer columns) for the
 * partial hours at the edges of a query range.
 */
export function rollupsFromSpansSql(where: string, cols: readonly string[] = ROLLUP_KEY, hist = true): string {
  const keyCols = cols.filter((c) => c !== 'hour');
  const inner = keyCols.map((c) => `${c}, `).join('');
  const scalars = (n: string, agg: (f: string, x: string) => string) =>
    `${agg('sum', n)}::BIGINT AS spans, ${agg('sum', 'dsum')}::DOUBLE AS duration_sum,
     ${agg('min', 'dmin')}::DOUBLE AS duration_min, ${agg('max', 'dmax')}::DOUBLE AS duration_max,
     ${agg('sum', 'tin')}::BIGINT AS input_tokens, ${agg('sum', 'tout')}::BIGINT AS output_tokens,
     ${agg('sum', 'cost')}::DOUBLE AS cost_usd`;
  const base = `SELECT date_trunc('hour', start_time) AS hour, ${inner}${hist ? `${sketchKeySql('duration_ms')} AS k, ` : ''}
      count(*) AS n, sum(duration_ms) AS dsum, min(duration_ms) AS dmin, max(duration_ms) AS dmax,
      coalesce(sum(input_tokens), 0) AS tin, coalesce(sum(output_tokens), 0) AS tout,
      coalesce(sum(cost_usd), 0) AS cost
    FROM spans WHERE ${where}
    GROUP BY ALL`;
  const select = cols.map((c) => `${c}, `).join('');
  if (!hist) return `SELECT ${select}${scalars('n', (_f, x) => x)} FROM (${base})`;
  return `SELECT ${select}${scalars('n', (f, x) => `${f}(${x})`)},
      list(k ORDER BY k) AS hist_keys, list(n::INTEGER ORDER BY k) AS hist_counts
    FROM (${base})
    GROUP BY ${cols.join(', ')}`;
}

/** Schema migration: the table, and a backfill from the spans already stored. */
export const ROLLUP_MIGRATION = {
  version: 4,
  name: 'span-rollups',
  sql: `${tableSql(FINE)}
INSERT INTO span_rollups ${rollupsFromSpansSql('TRUE')};`,
};

/** The by-model level, backfilled from the fine rollups (same totals, far fewer rows to read). */
export const ROLLUP_BY_MODEL_MIGRATION = {
  version: 5,
  name: 'span-rollups-by-model',
  sql: `${tableSql(BY_MODEL)}
INSERT INTO ${BY_MODEL.table} ${mergedRollupsSql('TRUE', FINE.table, BY_MODEL.key)};`,
};

// --- write path ---

/** One partial rollup row (one key, the spans of one commit). */
export interface RollupRow {
  project: string;
  hourUs: number;
  kind: string;
  model: string | null;
  provider: string | null;
  agentId: string | null;
  agentName: string | null;
  serviceName: string;
  status: string;
  spans: number;
  durationSum: number;
  durationMin: number;
  durationMax: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Sketch key → count. */
  hist: Map<number, number>;
}

const NUL = '\u0000';

type Level = Map<unknown, unknown>;

function descend(m: Level, key: unknown): Level {
  let next = m.get(key) as Level | undefined;
  if (next === undefined) {
    next = new Map();
    m.set(key, next);
  }
  return next;
}
const NONE = '\u0001';

/**
 * Accumulates spans into partial rollup rows, one span at a time, so a write path can fuse it into
 * its own per-span loop (the spans are then read once). Values follow what the span writer stores
 * (duration = end − start in ms, tokens rounded, NaN cost as null).
 */
export class RollupAccumulator {
  // Nested maps, one level per key field: short strings hash once (V8 caches it on the string),
  // measured ~2x cheaper than building and hashing a joined key per span.
  private readonly root: Level = new Map();
  private readonly out: RollupRow[] = [];

  add(s: SpanRecord): void {
    const hourUs = Math.floor(s.startUs / HOUR_US) * HOUR_US;
    const leaf = descend(
      descend(
        descend(
          descend(
            descend(descend(descend(descend(this.root, s.project), hourUs), s.kind), s.model ?? null),
            s.provider ?? null,
          ),
          s.agentId ?? null,
        ),
        s.agentName ?? null,
      ),
      s.serviceName,
    ) as Map<unknown, RollupRow>;
    const ms = (s.endUs - s.startUs) / 1000;
    let r = leaf.get(s.status);
    if (r === undefined) {
      r = {
        project: s.project,
        hourUs,
        kind: s.kind,
        model: s.model ?? null,
        provider: s.provider ?? null,
        agentId: s.agentId ?? null,
        agentName: s.agentName ?? null,
        serviceName: s.serviceName,
        status: s.status,
        spans: 0,
        durationSum: 0,
        durationMin: ms,
        durationMax: ms,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        hist: new Map(),
      };
      leaf.set(s.status, r);
      this.out.push(r);
    }
    r.spans++;
    r.durationSum += ms;
    if (ms < r.durationMin) r.durationMin = ms;
    if (ms > r.durationMax) r.durationMax = ms;
    if (s.inputTokens != null) r.inputTokens += Math.round(s.inputTokens);
    if (s.outputTokens != null) r.outputTokens += Math.round(s.outputTokens);
    if (s.costUsd != null && !Number.isNaN(s.costUsd)) r.costUsd += s.costUsd;
    const k = sketchKey(ms);
    r.hist.set(k, (r.hist.get(k) ?? 0) + 1);
  }

  /** The partial rows so far (one per key). */
  rows(): RollupRow[] {
    return this.out;
  }

  /** Number of keys (rows) so far. */
  get size(): number {
    return this.out.length;
  }
}

/** Partial rollup rows for a batch of spans (one pass). */
export function accumulateRollups(spans: readonly SpanRecord[]): RollupRow[] {
  const acc = new RollupAccumulator();
  for (let i = 0; i < spans.length; i++) acc.add(spans[i]);
  return acc.rows();
}

function strOrNull(a: DuckDBAppender, v: string | null): void {
  if (v == null) a.appendNull();
  else a.appendVarchar(v);
}

const KEY_VALUE: Record<string, (r: RollupRow) => string | null> = {
  project: (r) => r.project,
  kind: (r) => r.kind,
  model: (r) => r.model,
  provider: (r) => r.provider,
  agent_id: (r) => r.agentId,
  agent_name: (r) => r.agentName,
  service_name: (r) => r.serviceName,
  status: (r) => r.status,
};

/** Appends rollup rows of one level to its table's appender, in table column order. */
export function writeRollups(a: DuckDBAppender, rows: readonly RollupRow[], level: RollupLevel = FINE): void {
  const getters = level.key.map((c) => (c === 'hour' ? null : KEY_VALUE[c]));
  for (const r of rows) {
    for (const g of getters) {
      if (g === null) a.appendTimestamp(new DuckDBTimestampValue(BigInt(r.hourUs)));
      else strOrNull(a, g(r));
    }
    a.appendBigInt(BigInt(r.spans));
    a.appendDouble(r.durationSum);
    a.appendDouble(r.durationMin);
    a.appendDouble(r.durationMax);
    a.appendBigInt(BigInt(r.inputTokens));
    a.appendBigInt(BigInt(r.outputTokens));
    a.appendDouble(r.costUsd);
    // As list literals: DuckDB casts them to INTEGER[] on append, about 7x faster than list values.
    const keys = [...r.hist.keys()].sort((x, y) => x - y);
    let ks = '[';
    let cs = '[';
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) {
        ks += ',';
        cs += ',';
      }
      ks += keys[i];
      cs += r.hist.get(keys[i]);
    }
    a.appendVarchar(`${ks}]`);
    a.appendVarchar(`${cs}]`);
    a.endRow();
  }
}

/** Merges rows onto a coarser level's key (rows of dropped dimensions add up). */
export function coarsen(rows: readonly RollupRow[], level: RollupLevel): RollupRow[] {
  const getters = level.key.map((c) => (c === 'hour' ? (r: RollupRow) => String(r.hourUs) : KEY_VALUE[c]));
  const byKey = new Map<string, RollupRow>();
  for (const r of rows) {
    let key = '';
    for (const g of getters) key += (g(r) ?? NONE) + NUL;
    const m = byKey.get(key);
    if (m === undefined) {
      byKey.set(key, { ...r, hist: new Map(r.hist) });
      continue;
    }
    m.spans += r.spans;
    m.durationSum += r.durationSum;
    if (r.durationMin < m.durationMin) m.durationMin = r.durationMin;
    if (r.durationMax > m.durationMax) m.durationMax = r.durationMax;
    m.inputTokens += r.inputTokens;
    m.outputTokens += r.outputTokens;
    m.costUsd += r.costUsd;
    for (const [k, c] of r.hist) m.hist.set(k, (m.hist.get(k) ?? 0) + c);
  }
  return [...byKey.values()];
}

/**
 * Appends partial rollup rows (from a RollupAccumulator) to every level, in the caller's
 * transaction. Only the key columns of a coarser level are meaningful on its rows.
 */
export async function appendRollups(c: DuckDBConnection, rows: readonly RollupRow[]): Promise<void> {
  if (rows.length === 0) return;
  for (const level of LEVELS) {
    const a = await c.createAppender(level.table);
    try {
      writeRollups(a, level === FINE ? rows : coarsen(rows, level), level);
      a.flushSync();
    } finally {
      try {
        a.closeSync();
      } catch {
        // close flushes again; after a failed write the transaction is rolled back anyway.
      }
    }
  }
}

// --- compaction ---

/** SQL merging the rollup rows matching `where` into one row per key (table column order). */
export function mergedRollupsSql(where: string, from = FINE.table, key: readonly string[] = FINE.key): string {
  const KEY_LIST = key.join(', ');
  const KEY_JOIN = key.map((c) => `s.${c} IS NOT DISTINCT FROM hl.${c}`).join(' AND ');
  return `WITH src AS (SELECT * FROM ${from} WHERE ${where}),
    h AS (
      SELECT ${KEY_LIST}, k, sum(c)::INTEGER AS c
      FROM (SELECT ${KEY_LIST}, unnest(hist_keys) AS k, unnest(hist_counts) AS c FROM src)
      GROUP BY ALL),
    hl AS (
      SELECT ${KEY_LIST}, list(k ORDER BY k) AS hist_keys, list(c ORDER BY k) AS hist_counts
      FROM h GROUP BY ALL),
    s AS (
      SELECT ${KEY_LIST}, sum(spans)::BIGINT AS spans, sum(duration_sum) AS duration_sum,
        min(duration_min) AS duration_min, max(duration_max) AS duration_max,
        sum(input_tokens)::BIGINT AS input_tokens, sum(output_tokens)::BIGINT AS output_tokens,
        sum(cost_usd) AS cost_usd
      FROM src GROUP BY ALL)
    SELECT s.*, hl.hist_keys, hl.hist_counts FROM s JOIN hl ON ${KEY_JOIN}`;
}

/** Replaces the rows of the given project-hours by their merge. Runs in the caller's transaction. */
export async function compactHours(c: DuckDBConnection, hours: readonly { project: string; hourUs: number }[]) {
  if (hours.length === 0) return;
  const byProject = new Map<string, number[]>();
  for (const h of hours) {
    const list = byProject.get(h.project);
    if (list) list.push(h.hourUs);
    else byProject.set(h.project, [h.hourUs]);
  }
  const params: string[] = [];
  const conds: string[] = [];
  for (const [project, hs] of byProject) {
    conds.push(`(project = ? AND hour IN (${hs.map(tsLit).join(', ')}))`);
    params.push(project);
  }
  const where = conds.join(' OR ');
  for (const l of LEVELS) {
    await c.run(`CREATE OR REPLACE TEMP TABLE rollup_merge AS ${mergedRollupsSql(where, l.table, l.key)}`, params);
    await c.run(`DELETE FROM ${l.table} WHERE ${where}`, params);
    await c.run(`INSERT INTO ${l.table} SELECT * FROM rollup_merge`);
    await c.run('DROP TABLE rollup_merge');
  }
}

/**
 * Decides which hours to compact (a compaction of one hour costs ~20 ms under load, measured, so
 * the open hour is compacted only every `maxPartials` commits; queries merge partial rows anyway):
 * an hour once it got `maxPartials` commits since it was last
 * compacted, or at least 2 once a later hour of its project was written (the hour is closed, late
 * spans aside). In-memory only: after a restart, hours written before it are compacted when they
 * next receive spans, or by compactAll().
 */
const FORGET_AFTER_US = 48 * HOUR_US;

export class RollupCompactor {
  private readonly partials = new Map<string, { project: string; hourUs: number; n: number }>();
  private readonly latest = new Map<string, number>();

  constructor(private readonly maxPartials = 32) {}

  /** Records the rows of one committed flush. */
  note(rows: readonly RollupRow[]): void {
    const seen = new Set<string>();
    for (const r of rows) {
      const key = r.project + NUL + r.hourUs;
      if (seen.has(key)) continue;
      seen.add(key);
      const p = this.partials.get(key);
      if (p) p.n++;
      else this.partials.set(key, { project: r.project, hourUs: r.hourUs, n: 1 });
      if (r.hourUs > (this.latest.get(r.project) ?? Number.NEGATIVE_INFINITY)) this.latest.set(r.project, r.hourUs);
    }
  }

  /**
   * Hours due for compaction; they are forgotten (call compactHours with them). An hour with one
   * commit is kept (counts are per commit, so its rows may still be partial after late spans)
   * until it is long closed.
   */
  due(): { project: string; hourUs: number }[] {
    const out: { project: string; hourUs: number }[] = [];
    for (const [key, p] of this.partials) {
      const closed = p.hourUs < (this.latest.get(p.project) ?? p.hourUs);
      if (p.n >= this.maxPartials || (closed && p.n >= 2)) {
        out.push({ project: p.project, hourUs: p.hourUs });
        this.partials.delete(key);
      } else if (p.hourUs < (this.latest.get(p.project) ?? 0) - FORGET_AFTER_US) this.partials.delete(key);
    }
    return out;
  }

  clear(): void {
    this.partials.clear();
  }
}

/** Compacts every hour that holds more than one row for some key (maintenance, tests). */
export async function compactAll(c: DuckDBConnection): Promise<number> {
  // Levels are compacted together, so the fine level's duplicates cover the coarser ones'.
  const dup = (await (
    await c.runAndReadAll(
      `SELECT DISTINCT project, epoch_us(hour)::DOUBLE AS hour_us FROM ${FINE.table}
       GROUP BY ${FINE.key.join(', ')} HAVING count(*) > 1`,
    )
  ).getRowObjectsJS()) as { project: string; hour_us: number }[];
  if (dup.length === 0) return 0;
  await compactHours(
    c,
    dup.map((d) => ({ project: d.project, hourUs: Number(d.hour_us) })),
  );
  return dup.length;
}

// --- retention ---

/**
 * Deletes rollups of spans older than the cutoff, in the caller's transaction, after the spans
 * themselves were deleted: whole hours before it go, and the hour it cuts through is rebuilt from
 * the spans that remain, so rollups always equal the stored spans.
 */
export async function deleteRollupsBefore(c: DuckDBConnection, cutoffUs: number): Promise<void> {
  const hour = Math.floor(cutoffUs / HOUR_US) * HOUR_US;
  for (const l of LEVELS) {
    await c.run(`DELETE FROM ${l.table} WHERE hour < ${tsLit(hour)}`);
    if (cutoffUs > hour) {
      await c.run(`DELETE FROM ${l.table} WHERE hour = ${tsLit(hour)}`);
      const where = `start_time >= ${tsLit(hour)} AND start_time < ${tsLit(hour + HOUR_US)}`;
      await c.run(`INSERT INTO ${l.table} ${rollupsFromSpansSql(where, l.key)}`);
    }
  }
}

/**
 * Compacts the given hours in a transaction of its own, after the batch's commit. A failure only
 * leaves rows uncompacted (queries merge them anyway), so it must not fail the committed write.
 */
export async function compactAfterCommit(
  c: DuckDBConnection,
  hours: readonly { project: string; hourUs: number }[],
): Promise<void> {
  if (hours.length === 0) return;
  await inTransaction(c, () => compactHours(c, hours)).catch(() => {});
}
