/**
 * The PostgreSQL Store: the shared backend for several Vigil instances (and Supabase). Telemetry
 * lives in day-partitioned tables under one schema (default `vigil`); writes go through COPY in one
 * transaction per commit; retention drops whole partitions.
 */
import type { AlertRule, DeliveryRecord, NotificationChannel, Silence } from '../../alerting/types.js';
import type { LogRecord, MetricPoint, SpanRecord } from '../../model/telemetry.js';
import type { CostGroupBy, ErrorGroupQuery } from '../insights.js';
import { rowToAlert, rowToAnomaly, rowToApiKey, rowToProject } from '../rows.js';
import type {
  AgentStats,
  AlertRecord,
  AlertState,
  AnomalyRecord,
  ApiKeyRecord,
  Appender,
  MetricSeriesQuery,
  ModelStats,
  Page,
  Project,
  RetentionResult,
  Series,
  SpanSeriesQuery,
  Store,
  TimeRange,
  TraceQuery,
  TraceSummary,
} from '../store.js';
import * as agg from './aggregates.js';
import * as al from './alerting.js';
import { PgAppender } from './appender.js';
import { type ClusterBus, type ClusterBusOptions, createClusterBus } from './cluster-bus.js';
import { connectPg, type PgConnectOptions, parsePgUrl, type Sql } from './connect.js';
import { jsonParam, textParam } from './copy.js';
import { createLeaderElector, type LeaderElector, type LeaderElectorOptions } from './leader.js';
import { quoteIdent, runMigrations } from './migrations.js';
import { DAY_US, dayOf, PartitionManager } from './partitions.js';
import {
  agentStatsFromSnapshot,
  HOUR_US,
  modelStatsFromSnapshot,
  type RefreshRollupsOptions,
  refreshRollups,
  type StatsSnapshot,
  seriesFromRollupsPossible,
  spanSeriesFromRollups,
  statsSnapshot,
  usableHours,
} from './rollups.js';
import { values } from './row-values.js';
import * as tq from './telemetry-queries.js';

export interface PostgresStoreOptions extends PgConnectOptions {
  /** Days of partitions to create ahead of today at migrate time and by maintain() (default 2). */
  partitionsAhead?: number;
  /**
   * work_mem for analytical queries (dashboard stats, series, trace lists), set per transaction:
   * enough to aggregate and sort a day's spans in memory instead of spilling (default '64MB').
   */
  analyticsWorkMem?: string;
}

const API_KEY_COLUMNS = 'id, project, name, role, prefix, hash, created_us, last_used_us, revoked_us';

export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  /** Quoted schema name, ready to prefix table names. */
  readonly t: string;
  readonly partitions: PartitionManager;
  private closed = false;

  constructor(
    readonly sql: Sql,
    readonly schema: string,
    private readonly opts: PostgresStoreOptions = {},
    /** The connection URL (without Vigil's own parameters), for dedicated connections. */
    readonly url: string | null = null,
  ) {
    this.t = quoteIdent(schema);
    this.partitions = new PartitionManager(sql, schema);
  }

  static open(url: string, opts: PostgresStoreOptions = {}): PostgresStore {
    const target = parsePgUrl(url, opts.schema);
    const sql = connectPg(target.url, { max: opts.max, applicationName: opts.applicationName });
    return new PostgresStore(sql, target.schema, opts, target.url);
  }

  async migrate(): Promise<void> {
    await runMigrations(this.sql, this.schema);
    await this.maintainPartitions();
  }

  /** Creates partitions for today and the next days so live ingest never waits on DDL. */
  async maintainPartitions(nowUs = Date.now() * 1000): Promise<void> {
    const today = dayOf(nowUs);
    await this.partitions.ensureRange(today, today + (this.opts.partitionsAhead ?? 2));
  }

  async ping(): Promise<void> {
    await this.sql`select 1`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sql.end({ timeout: 5 });
  }

  appender(): Appender {
    return new PgAppender(this.sql, this.schema, this.partitions);
  }

  /** Runs an analytical query with a larger work_mem (hash aggregates instead of disk sorts). */
  private analytic<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const mem = this.opts.analyticsWorkMem ?? '64MB';
    if (!/^\d+\s*(kB|MB|GB)$/.test(mem)) throw new Error(`invalid analyticsWorkMem ${mem}`);
    return this.sql.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL work_mem = '${mem}'`);
      return fn(tx as unknown as Sql);
    }) as Promise<T>;
  }

  // --- telemetry queries ---

  listTraces(project: string, q: TraceQuery): Promise<Page<TraceSummary>> {
    return this.analytic((sql) => tq.listTraces(sql, this.t, project, q));
  }
  getTrace(project: string, traceId: string): Promise<SpanRecord[]> {
    return tq.getTrace(this.sql, this.t, project, traceId);
  }
  /** Exact from raw spans, or from hourly rollups plus raw edges when the range has rolled-up hours. */
  async agentStats(project: string, range: TimeRange): Promise<AgentStats> {
    const snap = await this.snapshot(project, range);
    if (!snap) return this.exactAgentStats(project, range);
    return agentStatsFromSnapshot(snap, await tq.activeRuns(this.sql, this.t, project, range));
  }
  async modelStats(project: string, range: TimeRange): Promise<ModelStats> {
    const snap = await this.snapshot(project, range);
    return snap ? modelStatsFromSnapshot(snap) : this.exactModelStats(project, range);
  }
  /** Statistics always computed from raw spans (benchmarks compare them with the rollup path). */
  exactModelStats(project: string, range: TimeRange): Promise<ModelStats> {
    return this.analytic((sql) => tq.modelStats(sql, this.t, project, range));
  }
  exactAgentStats(project: string, range: TimeRange): Promise<AgentStats> {
    return this.analytic((sql) => tq.agentStats(sql, this.t, project, range));
  }

  /** In-flight snapshots, so the dashboard's agentStats and modelStats share one query. */
  private snapshots = new Map<string, Promise<StatsSnapshot | null>>();
  private snapshot(project: string, range: TimeRange): Promise<StatsSnapshot | null> {
    const key = `${project}\u0000${range.fromUs}\u0000${range.toUs}`;
    let p = this.snapshots.get(key);
    if (!p) {
      p = (async () => {
        const hours = await usableHours(this.sql, this.t, project, range);
        return hours.length === 0 ? null : this.analytic((sql) => statsSnapshot(sql, this.t, project, range, hours));
      })();
      this.snapshots.set(key, p);
      const forget = () => this.snapshots.delete(key);
      p.then(forget, forget);
    }
    return p;
  }

  /**
   * A leader elector scoped to this store's schema, on its own dedicated connection: instances
   * sharing the database (and schema) elect one leader per name.
   */
  leaderElector(name: string, opts: LeaderElectorOptions = {}): LeaderElector {
    return createLeaderElector(this.url ?? this.sql, `${this.schema}:${name}`, opts);
  }

  /** Publish/subscribe between the instances sharing this database and schema (LISTEN/NOTIFY). */
  clusterBus(opts?: ClusterBusOptions): Promise<ClusterBus> {
    return createClusterBus(this.sql, this.schema, opts);
  }

  /** Rolls up ended dirty hours (background job: run it on the leader only). */
  refreshRollups(opts?: RefreshRollupsOptions): Promise<{ hours: number }> {
    return refreshRollups(this.sql, this.schema, opts);
  }
  metricSeries(project: string, q: MetricSeriesQuery): Promise<Series[]> {
    return this.analytic((sql) => tq.metricSeries(sql, this.t, project, q));
  }
  /** Whole-hour steps of summing measures use rollups where they exist (same numbers, fewer rows). */
  async spanSeries(project: string, q: SpanSeriesQuery): Promise<Series[]> {
    if (seriesFromRollupsPossible(q)) {
      const hours = await usableHours(this.sql, this.t, project, q);
      if (hours.length > 0) return this.analytic((sql) => spanSeriesFromRollups(sql, this.t, project, q, hours));
    }
    return this.analytic((sql) => tq.spanSeries(sql, this.t, project, q));
  }
  errorGroups(project: string, q: ErrorGroupQuery) {
    return this.analytic((sql) => agg.errorGroups(sql, this.t, project, q));
  }
  serviceMap(project: string, range: TimeRange) {
    return this.analytic((sql) => agg.serviceMap(sql, this.t, project, range));
  }
  costBreakdown(project: string, range: TimeRange, groupBy: CostGroupBy, limit: number) {
    return this.analytic((sql) => agg.costBreakdown(sql, this.t, project, range, groupBy, limit));
  }
  agentDetail(project: string, agentId: string, range: TimeRange) {
    return this.analytic((sql) => agg.agentDetail(sql, this.t, project, agentId, range));
  }
  modelErrors(project: string, range: TimeRange) {
    return this.analytic((sql) => agg.modelErrors(sql, this.t, project, range));
  }
  latestMetrics(project: string, range: TimeRange, prefix: string): Promise<MetricPoint[]> {
    return tq.latestMetrics(this.sql, this.t, project, range, prefix);
  }
  exportSpans(project: string, range: TimeRange, batchSize?: number): AsyncIterable<SpanRecord[]> {
    return tq.exportSpans(this.sql, this.t, project, range, batchSize);
  }
  listLogs(
    project: string,
    q: TimeRange & { traceId?: string; minSeverity?: number; text?: string; limit: number; cursor?: string | null },
  ): Promise<Page<LogRecord>> {
    return tq.listLogs(this.sql, this.t, project, q);
  }

  // --- tenancy and keys ---

  async createProject(p: Project): Promise<void> {
    await this.sql.unsafe(`INSERT INTO ${this.t}.projects (id, name, created_us) VALUES ($1, $2, $3)`, [
      p.id,
      p.name,
      Math.trunc(p.createdUs),
    ]);
  }
  async getProject(id: string): Promise<Project | null> {
    const rows = await this.sql.unsafe(`SELECT id, name, created_us FROM ${this.t}.projects WHERE id = $1`, [id]);
    return rows.length ? rowToProject(rows[0], values) : null;
  }
  async listProjects(): Promise<Project[]> {
    const rows = await this.sql.unsafe(
      `SELECT id, name, created_us FROM ${this.t}.projects ORDER BY created_us, id COLLATE "C"`,
    );
    return rows.map((r) => rowToProject(r, values));
  }
  async createApiKey(k: ApiKeyRecord): Promise<void> {
    await this.sql.unsafe(
      `INSERT INTO ${this.t}.api_keys (id, project, name, role, prefix, hash, created_us, last_used_us, revoked_us)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        k.id,
        k.project,
        k.name,
        k.role,
        k.prefix,
        k.hash,
        Math.trunc(k.createdUs),
        k.lastUsedUs == null ? null : Math.trunc(k.lastUsedUs),
        k.revokedUs == null ? null : Math.trunc(k.revokedUs),
      ],
    );
  }
  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const rows = await this.sql.unsafe(`SELECT ${API_KEY_COLUMNS} FROM ${this.t}.api_keys WHERE hash = $1`, [hash]);
    return rows.length ? rowToApiKey(rows[0], values) : null;
  }
  async listApiKeys(project: string): Promise<ApiKeyRecord[]> {
    const rows = await this.sql.unsafe(
      `SELECT ${API_KEY_COLUMNS} FROM ${this.t}.api_keys WHERE project = $1 ORDER BY created_us, id COLLATE "C"`,
      [project],
    );
    return rows.map((r) => rowToApiKey(r, values));
  }
  async revokeApiKey(project: string, id: string, atUs: number): Promise<boolean> {
    const r = await this.sql.unsafe(
      `UPDATE ${this.t}.api_keys SET revoked_us = $3 WHERE project = $1 AND id = $2 AND revoked_us IS NULL`,
      [project, id, Math.trunc(atUs)],
    );
    return r.count > 0;
  }
  async touchApiKey(id: string, atUs: number): Promise<void> {
    // Never move last-used backwards (several instances touch the same key).
    await this.sql.unsafe(
      `UPDATE ${this.t}.api_keys SET last_used_us = greatest(coalesce(last_used_us, 0), $2) WHERE id = $1`,
      [id, Math.trunc(atUs)],
    );
  }

  // --- analysis results ---

  async insertAnomalies(rows: readonly AnomalyRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof AnomalyRecord>(k: K) => rows.map((a) => a[k]);
    await this.sql.unsafe(
      `INSERT INTO ${this.t}.anomalies (id, project, metric, labels, time_us, value, expected, lower, upper, score,
         severity, confidence, detector, description, created_us)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::bigint[], $6::float8[], $7::float8[],
         $8::float8[], $9::float8[], $10::float8[], $11::text[], $12::float8[], $13::text[], $14::text[], $15::bigint[])
       ON CONFLICT (id) DO UPDATE SET project = excluded.project, metric = excluded.metric, labels = excluded.labels,
         time_us = excluded.time_us, value = excluded.value, expected = excluded.expected, lower = excluded.lower,
         upper = excluded.upper, score = excluded.score, severity = excluded.severity,
         confidence = excluded.confidence, detector = excluded.detector, description = excluded.description,
         created_us = excluded.created_us`,
      [
        col('id'),
        col('project'),
        col('metric'),
        rows.map((a) => jsonParam(a.labels ?? {})),
        rows.map((a) => Math.trunc(a.timeUs)),
        col('value'),
        col('expected'),
        col('lower'),
        col('upper'),
        col('score'),
        col('severity'),
        col('confidence'),
        col('detector'),
        rows.map((a) => textParam(a.description)),
        rows.map((a) => Math.trunc(a.createdUs)),
      ] as never,
    );
  }

  async listAnomalies(project: string, q: TimeRange & { metric?: string; limit: number }): Promise<AnomalyRecord[]> {
    const params: unknown[] = [project, Math.round(q.fromUs), Math.round(q.toUs)];
    let metric = '';
    if (q.metric != null) {
      params.push(q.metric);
      metric = 'AND metric = $4';
    }
    const rows = await this.sql.unsafe(
      `SELECT id, project, metric, labels, time_us, value, expected, lower, upper, score, severity, confidence,
         detector, description, created_us
       FROM ${this.t}.anomalies WHERE project = $1 AND time_us >= $2 AND time_us < $3 ${metric}
       ORDER BY time_us DESC, id COLLATE "C" LIMIT ${Math.max(0, Math.floor(q.limit))}`,
      params as never,
    );
    return rows.map((r) => rowToAnomaly(r, values));
  }

  async upsertAlert(a: AlertRecord): Promise<void> {
    await this.sql.unsafe(
      `INSERT INTO ${this.t}.alerts (id, project, rule_id, name, severity, state, message, labels, value, started_us,
         updated_us, resolved_us, acknowledged_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13)
       ON CONFLICT (id) DO UPDATE SET project = excluded.project, rule_id = excluded.rule_id, name = excluded.name,
         severity = excluded.severity, state = excluded.state, message = excluded.message, labels = excluded.labels,
         value = excluded.value, started_us = excluded.started_us, updated_us = excluded.updated_us,
         resolved_us = excluded.resolved_us, acknowledged_by = excluded.acknowledged_by`,
      [
        a.id,
        a.project,
        a.ruleId,
        a.name,
        a.severity,
        a.state,
        textParam(a.message),
        jsonParam(a.labels ?? {}),
        a.value != null && Number.isFinite(a.value) ? a.value : null,
        Math.trunc(a.startedUs),
        Math.trunc(a.updatedUs),
        a.resolvedUs == null ? null : Math.trunc(a.resolvedUs),
        a.acknowledgedBy,
      ] as never,
    );
  }

  async listAlerts(project: string, q: { states?: AlertState[]; limit: number }): Promise<AlertRecord[]> {
    const params: unknown[] = [project];
    let states = '';
    if (q.states && q.states.length > 0) {
      params.push(q.states);
      states = 'AND state = ANY($2::text[])';
    }
    const rows = await this.sql.unsafe(
      `SELECT id, project, rule_id, name, severity, state, message, labels, value, started_us, updated_us,
         resolved_us, acknowledged_by
       FROM ${this.t}.alerts WHERE project = $1 ${states}
       ORDER BY updated_us DESC, id COLLATE "C" LIMIT ${Math.max(0, Math.floor(q.limit))}`,
      params as never,
    );
    return rows.map((r) => rowToAlert(r, values));
  }

  // --- alerting configuration and delivery log (SQL in alerting.ts) ---

  upsertAlertRule(r: AlertRule): Promise<void> {
    return al.upsertAlertRule(this.sql, this.t, r);
  }
  listAlertRules(project: string): Promise<AlertRule[]> {
    return al.listAlertRules(this.sql, this.t, project);
  }
  deleteAlertRule(project: string, id: string): Promise<boolean> {
    return al.deleteAlertRule(this.sql, this.t, project, id);
  }
  upsertChannel(c: NotificationChannel): Promise<void> {
    return al.upsertChannel(this.sql, this.t, c);
  }
  listChannels(project: string): Promise<NotificationChannel[]> {
    return al.listChannels(this.sql, this.t, project);
  }
  deleteChannel(project: string, id: string): Promise<boolean> {
    return al.deleteChannel(this.sql, this.t, project, id);
  }
  upsertSilence(s: Silence): Promise<void> {
    return al.upsertSilence(this.sql, this.t, s);
  }
  listSilences(project: string, q?: { activeAtUs?: number }): Promise<Silence[]> {
    return al.listSilences(this.sql, this.t, project, q);
  }
  deleteSilence(project: string, id: string): Promise<boolean> {
    return al.deleteSilence(this.sql, this.t, project, id);
  }
  insertDeliveries(rows: readonly DeliveryRecord[]): Promise<void> {
    return al.insertDeliveries(this.sql, this.t, rows);
  }
  listDeliveries(
    project: string,
    q: { alertId?: string; channelId?: string; limit: number },
  ): Promise<DeliveryRecord[]> {
    return al.listDeliveries(this.sql, this.t, project, q);
  }

  /**
   * Retention: partitions wholly before the cutoff's day are dropped (no row-by-row delete, no
   * bloat); only the cutoff's own day is trimmed with a DELETE, so the cut is exact.
   */
  async deleteBefore(cutoffUs: number): Promise<RetentionResult> {
    const cut = Math.round(cutoffUs);
    const dropped = await this.partitions.dropBefore(cut);
    const dayStart = dayOf(cut) * DAY_US;
    const trimmed = { spans: 0, metrics: 0, logs: 0 };
    if (cut > dayStart) {
      await this.sql.begin(async (tx) => {
        trimmed.spans = (await tx.unsafe(`DELETE FROM ${this.t}.spans WHERE start_us < $1`, [cut])).count;
        trimmed.metrics = (await tx.unsafe(`DELETE FROM ${this.t}.metrics WHERE time_us < $1`, [cut])).count;
        trimmed.logs = (await tx.unsafe(`DELETE FROM ${this.t}.logs WHERE time_us < $1`, [cut])).count;
      });
    }
    await this.sql.begin(async (tx) => {
      await tx.unsafe(
        `DELETE FROM ${this.t}.agent_run_ends e USING ${this.t}.agent_runs r
         WHERE r.project = e.project AND r.span_id = e.span_id AND r.start_us < $1`,
        [cut],
      );
      // Ends recorded before the cut whose run never started here (OTLP agent spans end runs the
      // SDK may not have started) would otherwise stay forever.
      await tx.unsafe(`DELETE FROM ${this.t}.agent_run_ends WHERE end_us < $1`, [cut]);
      await tx.unsafe(`DELETE FROM ${this.t}.agent_runs WHERE start_us < $1`, [cut]);
      await tx.unsafe(`DELETE FROM ${this.t}.anomalies WHERE time_us < $1`, [cut]);
      // Rollups: hours before the cut go; a partly trimmed hour is recomputed from what is left.
      const partial = Math.floor(cut / HOUR_US) * HOUR_US;
      if (partial < cut) {
        await tx.unsafe(
          `INSERT INTO ${this.t}.span_rollup_dirty (project, hour_us)
           SELECT project, hour_us FROM ${this.t}.span_rollup_hours WHERE hour_us = $1 ON CONFLICT DO NOTHING`,
          [partial],
        );
      }
      await tx.unsafe(`DELETE FROM ${this.t}.span_rollup_hourly WHERE hour_us < $1`, [cut]);
      await tx.unsafe(`DELETE FROM ${this.t}.span_rollup_hist WHERE hour_us < $1`, [cut]);
      await tx.unsafe(`DELETE FROM ${this.t}.span_rollup_hours WHERE hour_us < $1`, [cut]);
      await tx.unsafe(`DELETE FROM ${this.t}.span_rollup_dirty WHERE hour_us < $1`, [partial]);
    });
    return {
      spans: dropped.spans + trimmed.spans,
      metrics: dropped.metrics + trimmed.metrics,
      logs: dropped.logs + trimmed.logs,
    };
  }
}
