/**
 * DuckDB implementation of the Store: one file, writer connections (group commits run concurrently,
 * one per commit slot, every other write alone: writer-gate.ts), a loader connection that moves
 * acknowledged rows into the tables in bulk, and a few reader connections so dashboard queries
 * run in parallel and never wait behind a group commit.
 *
 * Durability: a group commit is durable once its rows are fsynced in the ingest log beside the
 * file (ingest-log.ts); the bulk loader (bulk-loader.ts) then moves them into DuckDB in large
 * transactions, and every telemetry read first waits for the rows acknowledged before it. Every
 * other write is a DuckDB transaction (DuckDB fsyncs its WAL before COMMIT returns). Both survive
 * kill -9 (tested in duckdb-store.test.ts and tests/e2e).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { AlertRule, DeliveryRecord, NotificationChannel, Silence } from '../../alerting/types.js';
import type { AgentRunStart, LogRecord, MetricPoint, SpanRecord } from '../../model/telemetry.js';
import type { CostGroupBy, ErrorGroupQuery } from '../insights.js';
import { rowToAlert, rowToAnomaly, rowToApiKey, rowToProject } from '../rows.js';
import type {
  AgentStats,
  AlertRecord,
  AlertState,
  AnomalyRecord,
  ApiKeyRecord,
  Appender,
  EncodedSpans,
  MetricSeriesQuery,
  ModelStats,
  Page,
  Project,
  RetentionResult,
  Series,
  SpanSeriesQuery,
  Store,
  TimeRange,
  TraceDecoder,
  TraceDecoderOptions,
  TraceQuery,
  TraceSummary,
} from '../store.js';
import * as agg from './aggregates.js';
import * as al from './alerting.js';
import { BulkLoader } from './bulk-loader.js';
import { ChunkEncoder } from './chunk-writer.js';
import { type DurableFrame, type FrameLog, IngestLog, inMemoryFrame, type LogFrame, MemoryLog } from './ingest-log.js';
import { IngestWorkers, WorkerSpans } from './ingest-workers.js';
import { MemoryBudget } from './memory-budget.js';
import { MIGRATIONS } from './migrations.js';
import * as rq from './rollup-queries.js';
import {
  insertMarkers,
  type ProjectHour,
  projectHours,
  RollupWriteBehind,
  recoverDirtyHours,
} from './rollup-write-behind.js';
import { compactAfterCommit, compactAll, deleteRollupsBefore, RollupCompactor } from './rollups.js';
import { SpanSeriesCache } from './series-cache.js';
import { inTransaction, num, type Param, query, tsLit, usCol, values } from './sql.js';
import { traceIndexRows } from './table-columns.js';
import { frameMeta, ImageScans, TABLES } from './table-sinks.js';
import * as tq from './telemetry-queries.js';
import { WriterGate } from './writer-gate.js';

export interface DuckDbStoreOptions {
  /** Reader connections for concurrent queries (default 4). */
  readers?: number;
  /** DuckDB threads (default: DuckDB's own, the number of cores). */
  threads?: number;
  /** DuckDB memory_limit, e.g. "2GB" (fixed; overrides cacheMemory). */
  memoryLimit?: string;
  /**
   * DuckDB's block cache budget in bytes: the memory limit follows what DuckDB must keep in memory
   * (indexes, un-checkpointed rows) plus this (memory-budget.ts). Without it (and without
   * memoryLimit) DuckDB's own limit applies: 80% of RAM.
   */
  cacheMemoryBytes?: number;
  /**
   * WAL size that triggers a checkpoint (default "16MB", DuckDB's own). Rows committed in small
   * transactions (trace_index, agent_run_ends, rollups) stay in memory until checkpointed, so this
   * bounds memory. Since loads are exactly one row group (bulk-loader.ts), a checkpoint has no spans
   * to rewrite and is cheap: measured at 4 connections over 60 s, 16MB against 64MB kept
   * throughput (112.8k / 113.0k spans/s) and the peak RSS went from 525-529 to 475-504 MB.
   */
  checkpointThreshold?: string;
  /**
   * Answer agentStats, modelStats and whole-hour span series from the hourly rollups (default
   * true; percentiles within 1%). false computes them exactly from spans, much slower on big data;
   * rollups are maintained either way.
   */
  rollupQueries?: boolean;
  /**
   * How often rollups of committed spans are written (ms, default 1000; 0: only before rollup
   * queries, at close, or when many are pending). See rollup-write-behind.ts.
   */
  rollupFlushMs?: number;
  /**
   * Group commits that may run at once, each on its own connection (default 2: one encodes its
   * rows while the other is fsynced; writer-gate.ts).
   */
  commitSlots?: number;
  /**
   * Span rows that make the bulk loader start a transaction (default ROW_GROUP_ROWS: one DuckDB
   * row group, which DuckDB writes straight into the file). See bulk-loader.ts.
   */
  loadRows?: number;
  /** Longest an acknowledged row waits for the bulk loader when no query asks for it (ms, default 5000). */
  loadDelayMs?: number;
  /**
   * Span rows that may wait for the bulk loader before ingest is refused with 429 (default 8
   * loads' worth: 491,520; loadBacklog). See bulk-loader.ts.
   */
  maxLoadBacklogRows?: number;
  /**
   * Worker threads that decode and encode OTLP trace requests (traceDecoder; default 0: they are
   * decoded on the JS thread; workers start at the first request). See ingest-workers.ts.
   */
  ingestWorkers?: number;
}

export class DuckDbStore implements Store {
  readonly backend = 'duckdb' as const;
  private readerBusy: number[];
  private closed = false;
  /** Exact per-bucket results cache for span series; this connection set is the only writer. */
  readonly seriesCache = new SpanSeriesCache();
  /** Picks the hours whose partial rollup rows to merge after commits (rollups.ts). */
  private readonly rollupCompactor = new RollupCompactor();
  /** Rollups of committed spans not yet written (rollup-write-behind.ts). */
  private readonly rollups = new RollupWriteBehind();
  private rollupTimer: NodeJS.Timeout | null = null;
  private budgetTimer: NodeJS.Timeout | null = null;
  /** The rollup flush in progress on rollupConn, if any. */
  private rollupFlush: Promise<void> | null = null;
  /** Concurrent group commits, one per writer connection; every other write alone (writer-gate.ts). */
  private readonly gate: WriterGate<DuckDBConnection>;
  /** Where group commits become durable, and what moves them into the tables (set by open). */
  private log!: FrameLog;
  private loader!: BulkLoader;
  /** Commits encode synchronously, so they can share one encoder. */
  private readonly encoder = new ChunkEncoder();
  /** The trace decoder's workers, once asked for (traceDecoder). */
  private workers: IngestWorkers | null = null;
  /** Rebuilds of rollups dead ingest workers took with them (the last one queued), and whether one waits. */
  private rollupRebuild: Promise<void> | null = null;
  private rebuildQueued = false;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly writers: DuckDBConnection[],
    private readonly readers: DuckDBConnection[],
    /** Where write-behind rollup flushes run (flushRollupsOwn). */
    private readonly rollupConn: DuckDBConnection,
    private readonly stats: Pick<typeof rq, 'agentStats' | 'modelStats' | 'spanSeries'> = rq,
    private readonly workerCount = 0,
  ) {
    this.readerBusy = readers.map(() => 0);
    this.gate = new WriterGate(writers);
  }

  /** Opens (creating if needed) the database file and runs pending migrations. */
  static async open(path: string, opts: DuckDbStoreOptions = {}): Promise<DuckDbStore> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const config: Record<string, string> = {};
    if (opts.threads) config.threads = String(opts.threads);
    const budget = !opts.memoryLimit && opts.cacheMemoryBytes ? new MemoryBudget(opts.cacheMemoryBytes) : null;
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    else if (budget) config.memory_limit = budget.initial;
    config.checkpoint_threshold = opts.checkpointThreshold ?? '16MB';
    // Memory under steady ingest: DuckDB's allocator hands freed memory back sooner (its default
    // keeps 128 MB), and a bulk insert buffers one row group before writing, not five.
    config.allocator_flush_threshold = '16MB';
    config.write_buffer_row_group_count = '1';
    // Spill files beside the database, where DuckDB puts them for a file it opens itself.
    if (path !== ':memory:') config.temp_directory = `${path}.tmp`;
    // The file is attached to an instance of its own rather than opened as its main database:
    // only ATTACH takes a row group size (it holds for what is written while attached).
    const instance = await DuckDBInstance.create(':memory:', config);
    const attach = await instance.connect();
    try {
      await attach.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${DB} (ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`);
    } catch (e) {
      attach.closeSync();
      instance.closeSync();
      throw e;
    }
    attach.closeSync();
    const connect = () => storeConnection(instance);
    const writers: DuckDBConnection[] = [];
    for (let i = 0; i < Math.max(1, opts.commitSlots ?? 2); i++) writers.push(await connect());
    const readers: DuckDBConnection[] = [];
    for (let i = 0; i < (opts.readers ?? 4); i++) readers.push(await connect());
    const store = new DuckDbStore(
      path,
      instance,
      writers,
      readers,
      await connect(),
      opts.rollupQueries === false ? tq : rq,
      opts.ingestWorkers ?? 0,
    );
    await store.migrate();
    await store.openIngestLog(await connect(), opts);
    // After the log's replay: rebuilt hours must count the replayed spans.
    await store.recoverRollups();
    const every = opts.rollupFlushMs ?? 1000;
    if (every > 0) {
      store.rollupTimer = setInterval(() => store.flushRollups().catch(() => {}), every);
      store.rollupTimer.unref();
    }
    if (budget) {
      await store.read((c) => budget.adjust(c));
      store.budgetTimer = setInterval(() => store.read((c) => budget.adjust(c)).catch(() => {}), BUDGET_EVERY_MS);
      store.budgetTimer.unref();
    }
    return store;
  }

  /** Opens the ingest log, loading what a crash left in it, and starts the bulk loader. */
  private async openIngestLog(conn: DuckDBConnection, opts: DuckDbStoreOptions): Promise<void> {
    const [state] = await query(conn, 'SELECT applied_lsn, applied_rows FROM ingest_log_state');
    const applied = num(state.applied_lsn);
    // Replay on open loads before the log is set: it deletes its segments itself.
    const scans = await ImageScans.register(conn);
    const loader = new BulkLoader(conn, scans, { lsn: applied, rows: num(state.applied_rows) }, () => this.log, {
      maxRows: opts.loadRows ?? ROW_GROUP_ROWS,
      maxDelayMs: opts.loadDelayMs,
      maxBacklogRows: opts.maxLoadBacklogRows,
    });
    this.loader = loader;
    const onDurable = (frame: DurableFrame) => loader.add(frame);
    // Replayed frames come with their payloads.
    const replay = (frames: LogFrame[]) =>
      loader.loadNow(frames.map((f) => inMemoryFrame(f.lsn, f.payload, frameMeta(f.payload))));
    this.log =
      this.path === ':memory:'
        ? new MemoryLog(onDurable)
        : await IngestLog.open(`${this.path}.ingest`, applied, replay, onDurable);
  }

  /** Runs a telemetry read once every acknowledged row is in the tables. */
  private async readTelemetry<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    this.assertOpen();
    await this.loader.sync();
    return this.read(fn);
  }

  loadBacklog(): { rows: number; maxRows: number } {
    return this.loader.backlog();
  }

  /** Waits until every acknowledged row is in the tables (tests, benchmarks, maintenance). */
  async syncIngest(): Promise<void> {
    await this.loader.sync();
  }

  /** Runs fn on the least busy reader connection. */
  private async read<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    this.assertOpen();
    let best = 0;
    for (let i = 1; i < this.readers.length; i++) if (this.readerBusy[i] < this.readerBusy[best]) best = i;
    this.readerBusy[best]++;
    try {
      return await fn(this.readers[best]);
    } finally {
      this.readerBusy[best]--;
    }
  }

  /** Runs a write alone on the writer connection (no commit runs meanwhile). */
  private write<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.gate.alone(fn);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store is closed');
  }

  async migrate(): Promise<void> {
    await this.write(async (c) => {
      await c.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied TIMESTAMP NOT NULL DEFAULT current_timestamp)`);
      const done = new Set((await query(c, 'SELECT version FROM schema_migrations')).map((r) => num(r.version)));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await inTransaction(c, async () => {
          await c.run(m.sql);
          await c.run('INSERT INTO schema_migrations (version, name) VALUES (?, ?)', [m.version, m.name]);
        });
      }
    });
  }

  async ping(): Promise<void> {
    await this.read((c) => c.run('SELECT 1'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.rollupTimer) clearInterval(this.rollupTimer);
    if (this.budgetTimer) clearInterval(this.budgetTimer);
    // Everything acknowledged goes into the tables first, so the log is empty at the next open.
    await this.loader.close();
    await this.rollupFlush?.catch(() => {});
    await this.log.close();
    await this.rollupRebuild?.catch(() => {});
    // Wait for the last write, write pending rollups, then checkpoint so the next open does not
    // replay the WAL (or recompute hours: a failed flush leaves markers for the next open).
    await this.gate.alone(async (conn) => {
      await this.flushRollupsLocked(conn).catch(() => {});
      await conn.run('CHECKPOINT').catch(() => {});
    });
    await this.workers?.close();
    this.closed = true;
    for (const r of this.readers) r.closeSync();
    for (const w of this.writers) w.closeSync();
    this.rollupConn.closeSync();
    this.instance.closeSync();
  }

  appender(): Appender {
    this.assertOpen();
    return new DuckDbAppender({
      gate: this.gate,
      rollups: this.rollups,
      log: this.log,
      encoder: this.encoder,
      afterCommit: (c) => this.afterCommit(c),
    });
  }

  /** OTLP trace requests decoded and encoded on worker threads (ingest-workers.ts); null with 0 workers. */
  traceDecoder(opts: TraceDecoderOptions): TraceDecoder | null {
    this.assertOpen();
    if (this.workerCount <= 0) return null;
    // One set of workers per store (they hold its rollups): a second caller shares the first's options.
    this.workers ??= new IngestWorkers(this.workerCount, opts, () => this.rebuildLostRollups());
    return this.workers;
  }

  /**
   * After a group commit: its spans' rollups become pending (here, or in the ingest worker that
   * decoded them: rollup-write-behind.ts), caches learn of their hours.
   */
  private afterCommit(c: CommittedRows): void {
    this.rollups.committed(c.spans, c.unmarked);
    for (const e of c.encoded) e.committed();
    // Only after COMMIT: invalidating earlier could let a query cache pre-commit results.
    this.seriesCache.noteHours(c.hours);
    // Outside the commit slot: a flush runs alone, after the commits in flight.
    if (this.rollups.pendingRows + (this.workers?.rollupRows ?? 0) >= MAX_PENDING_ROLLUP_ROWS)
      this.flushRollups().catch(() => {});
  }

  /** Whether rollups of committed spans wait to be written, here or in ingest workers. */
  private get rollupsPending(): boolean {
    return this.rollups.pending || (this.workers?.holdsRollups ?? false);
  }

  /**
   * An ingest worker died with rollups of committed spans: every hour with pending rollups has a
   * marker, so, as on open after a crash, those hours are rebuilt from their spans and what is
   * pending elsewhere for them is dropped. Runs alone, after the commits in flight.
   */
  private rebuildLostRollups(): void {
    if (this.rebuildQueued || this.closed) return;
    this.rebuildQueued = true;
    this.rollupRebuild = (this.rollupRebuild ?? Promise.resolve())
      .then(() =>
        this.gate.alone(async (c) => {
          // From here on, a later loss needs a rebuild of its own.
          this.rebuildQueued = false;
          // Alone: no commit adds frames, so this loads every acknowledged span.
          await this.loader.sync();
          const others = (await this.workers?.takeRollups()) ?? [];
          await inTransaction(c, () => recoverDirtyHours(c)).catch((e) => {
            // The markers stay: the next open rebuilds those hours.
            this.rollups.adopt(others);
            throw e;
          });
          this.rollups.flushed();
        }),
      )
      .catch((err) => {
        console.warn(
          `vigil: rebuilding rollups after an ingest worker failed: ${err instanceof Error ? err.message : err}`,
        );
      });
  }

  /** Writes the rollups of every committed span (rollup-write-behind.ts); a no-op when none wait. */
  async flushRollups(): Promise<void> {
    // One at a time: each runs its transaction on the rollup connection.
    while (this.rollupFlush) await this.rollupFlush.catch(() => {});
    if (!this.rollupsPending || this.closed) return;
    this.rollupFlush = this.flushRollupsOwn(this.rollupConn);
    try {
      await this.rollupFlush;
    } finally {
      this.rollupFlush = null;
    }
  }

  /**
   * A flush on its own connection: it waits for DuckDB's write lock (a checkpoint in the bulk
   * loader's COMMIT can hold it for a second) before taking the gate, so group commits never wait
   * behind that; holding the gate it only writes the rows and commits.
   */
  private flushRollupsOwn(c: DuckDBConnection): Promise<void> {
    return this.writeRollups(c, (fn) => this.gate.alone(fn));
  }

  /** A flush inside a write that already holds the gate (close, retention, compaction). */
  private async flushRollupsLocked(c: DuckDBConnection): Promise<void> {
    if (this.rollupsPending) await this.writeRollups(c, (fn) => fn());
  }

  /**
   * Writes the pending rollups and clears the markers in one transaction on `c`; `exclusive` runs
   * the part that must not interleave with group commits (rollup-write-behind.ts markers). Then
   * compacts the hours due, outside it: commits never touch rollup tables, and a failed compaction
   * only leaves partial rows for later (rollups.ts).
   */
  private async writeRollups(c: DuckDBConnection, exclusive: <T>(fn: () => Promise<T>) => Promise<T>): Promise<void> {
    // The rollup rows go in through an appender, synchronously: take the write lock first.
    await c.run(BEGIN_WRITE);
    let rows: Awaited<ReturnType<RollupWriteBehind['write']>>;
    try {
      rows = await exclusive(async () => {
        // Inside: no commit can add worker rows between taking them and clearing the markers.
        if (this.workers?.holdsRollups) this.rollups.adopt(await this.workers.takeRollups());
        const r = await this.rollups.write(c);
        await c.run('COMMIT');
        this.rollups.flushed();
        return r;
      });
    } catch (e) {
      await c.run('ROLLBACK').catch(() => {});
      throw e;
    }
    this.rollupCompactor.note(rows);
    await compactAfterCommit(c, this.rollupCompactor.due());
  }

  /** Rebuilds rollups of hours whose pending rows a crash lost (rollup-write-behind.ts). */
  private async recoverRollups(): Promise<void> {
    await this.write((c) => inTransaction(c, () => recoverDirtyHours(c)));
  }

  /** Reads rollup tables: committed spans' rollups are written first, so answers include every ack. */
  private async readRollups<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    await this.flushRollups();
    return this.readTelemetry(fn);
  }

  /** Merges every hour's partial rollup rows into one row per key (maintenance; commits do it as they go). */
  compactRollups(): Promise<number> {
    return this.write(async (c) => {
      await this.flushRollupsLocked(c);
      return inTransaction(c, () => compactAll(c));
    });
  }

  // --- telemetry queries ---

  listTraces(project: string, q: TraceQuery): Promise<Page<TraceSummary>> {
    return this.readTelemetry((c) => tq.listTraces(c, project, q));
  }
  getTrace(project: string, traceId: string): Promise<SpanRecord[]> {
    return this.readTelemetry((c) => tq.getTrace(c, project, traceId));
  }
  agentStats(project: string, range: TimeRange): Promise<AgentStats> {
    return this.readRollups((c) => this.stats.agentStats(c, project, range));
  }
  modelStats(project: string, range: TimeRange): Promise<ModelStats> {
    return this.readRollups((c) => this.stats.modelStats(c, project, range));
  }
  metricSeries(project: string, q: MetricSeriesQuery): Promise<Series[]> {
    return this.readTelemetry((c) => tq.metricSeries(c, project, q));
  }
  spanSeries(project: string, q: SpanSeriesQuery): Promise<Series[]> {
    const compute = (qq: SpanSeriesQuery) => this.readRollups((c) => this.stats.spanSeries(c, project, qq));
    return SpanSeriesCache.cacheable(q.stepMs) ? this.seriesCache.spanSeries(project, q, compute) : compute(q);
  }
  latestMetrics(project: string, range: TimeRange, prefix: string): Promise<MetricPoint[]> {
    return this.readTelemetry((c) => tq.latestMetrics(c, project, range, prefix));
  }
  errorGroups(project: string, q: ErrorGroupQuery) {
    return this.readTelemetry((c) => agg.errorGroups(c, project, q));
  }
  serviceMap(project: string, range: TimeRange) {
    return this.readTelemetry((c) => agg.serviceMap(c, project, range));
  }
  costBreakdown(project: string, range: TimeRange, groupBy: CostGroupBy, limit: number) {
    return this.readRollups((c) => agg.costBreakdown(c, project, range, groupBy, limit));
  }
  agentDetail(project: string, agentId: string, range: TimeRange) {
    return this.readTelemetry((c) => agg.agentDetail(c, project, agentId, range));
  }
  modelErrors(project: string, range: TimeRange) {
    return this.readTelemetry((c) => agg.modelErrors(c, project, range));
  }
  async *exportSpans(project: string, range: TimeRange, batchSize?: number): AsyncIterable<SpanRecord[]> {
    this.assertOpen();
    await this.loader.sync();
    // A dedicated connection: a long export must not occupy a shared reader between batches.
    const c = await storeConnection(this.instance);
    try {
      yield* tq.exportSpans(c, project, range, batchSize);
    } finally {
      c.closeSync();
    }
  }
  listLogs(
    project: string,
    q: TimeRange & { traceId?: string; minSeverity?: number; text?: string; limit: number; cursor?: string | null },
  ): Promise<Page<LogRecord>> {
    return this.readTelemetry((c) => tq.listLogs(c, project, q));
  }

  // --- tenancy and keys ---

  async createProject(p: Project): Promise<void> {
    await this.write((c) =>
      c.run(`INSERT INTO projects (id, name, created) VALUES (?, ?, ${tsLit(p.createdUs)})`, [p.id, p.name]),
    );
  }
  async getProject(id: string): Promise<Project | null> {
    const rows = await this.read((c) =>
      query(c, `SELECT id, name, ${usCol('created')} AS created_us FROM projects WHERE id = ?`, [id]),
    );
    return rows.length ? rowToProject(rows[0], values) : null;
  }
  async listProjects(): Promise<Project[]> {
    const rows = await this.read((c) =>
      query(c, `SELECT id, name, ${usCol('created')} AS created_us FROM projects ORDER BY created, id`),
    );
    return rows.map((r) => rowToProject(r, values));
  }
  async createApiKey(k: ApiKeyRecord): Promise<void> {
    await this.write((c) =>
      c.run(
        `INSERT INTO api_keys (id, project, name, role, prefix, hash, created, last_used, revoked)
         VALUES (?, ?, ?, ?, ?, ?, ${tsLit(k.createdUs)}, ${optTs(k.lastUsedUs)}, ${optTs(k.revokedUs)})`,
        [k.id, k.project, k.name, k.role, k.prefix, k.hash],
      ),
    );
  }
  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const rows = await this.read((c) => query(c, `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE hash = ?`, [hash]));
    return rows.length ? rowToApiKey(rows[0], values) : null;
  }
  async listApiKeys(project: string): Promise<ApiKeyRecord[]> {
    const rows = await this.read((c) =>
      query(c, `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE project = ? ORDER BY created, id`, [project]),
    );
    return rows.map((r) => rowToApiKey(r, values));
  }
  async revokeApiKey(project: string, id: string, atUs: number): Promise<boolean> {
    const r = await this.write((c) =>
      c.run(`UPDATE api_keys SET revoked = ${tsLit(atUs)} WHERE project = ? AND id = ? AND revoked IS NULL`, [
        project,
        id,
      ]),
    );
    return r.rowsChanged > 0;
  }
  async touchApiKey(id: string, atUs: number): Promise<void> {
    await this.write((c) => c.run(`UPDATE api_keys SET last_used = ${tsLit(atUs)} WHERE id = ?`, [id]));
  }

  // --- analysis results ---

  async insertAnomalies(rows: readonly AnomalyRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await this.write((c) =>
      inTransaction(c, async () => {
        for (const a of rows) {
          await c.run(
            `INSERT OR REPLACE INTO anomalies (id, project, metric, labels, time, value, expected, lower, upper, score,
             severity, confidence, detector, description, created)
           VALUES (?, ?, ?, ?, ${tsLit(a.timeUs)}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${tsLit(a.createdUs)})`,
            [
              a.id,
              a.project,
              a.metric,
              JSON.stringify(a.labels ?? {}),
              a.value,
              a.expected,
              a.lower,
              a.upper,
              a.score,
              a.severity,
              a.confidence,
              a.detector,
              a.description,
            ],
          );
        }
      }),
    );
  }
  async listAnomalies(project: string, q: TimeRange & { metric?: string; limit: number }): Promise<AnomalyRecord[]> {
    const params: Param[] = [project];
    let metric = '';
    if (q.metric != null) {
      metric = 'AND metric = ?';
      params.push(q.metric);
    }
    const rows = await this.read((c) =>
      query(
        c,
        `SELECT id, project, metric, labels, ${usCol('time')} AS time_us, value, expected, lower, upper, score, severity,
           confidence, detector, description, ${usCol('created')} AS created_us
         FROM anomalies WHERE project = ? AND time >= ${tsLit(q.fromUs)} AND time < ${tsLit(q.toUs)} ${metric}
         ORDER BY time DESC, id LIMIT ${Math.max(0, Math.floor(q.limit))}`,
        params,
      ),
    );
    return rows.map((r) => rowToAnomaly(r, values));
  }
  async upsertAlert(a: AlertRecord): Promise<void> {
    await this.write((c) =>
      c.run(
        `INSERT OR REPLACE INTO alerts (id, project, rule_id, name, severity, state, message, labels, value, started,
           updated, resolved, acknowledged_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::DOUBLE, ${tsLit(a.startedUs)}, ${tsLit(a.updatedUs)}, ${optTs(a.resolvedUs)}, ?)`,
        [
          a.id,
          a.project,
          a.ruleId,
          a.name,
          a.severity,
          a.state,
          a.message,
          JSON.stringify(a.labels ?? {}),
          a.value,
          a.acknowledgedBy,
        ],
      ),
    );
  }
  async listAlerts(project: string, q: { states?: AlertState[]; limit: number }): Promise<AlertRecord[]> {
    const params: Param[] = [project];
    let states = '';
    if (q.states && q.states.length > 0) {
      states = `AND state IN (${q.states.map(() => '?').join(', ')})`;
      params.push(...q.states);
    }
    const rows = await this.read((c) =>
      query(
        c,
        `SELECT id, project, rule_id, name, severity, state, message, labels, value, ${usCol('started')} AS started_us,
           ${usCol('updated')} AS updated_us, ${usCol('resolved')} AS resolved_us, acknowledged_by
         FROM alerts WHERE project = ? ${states}
         ORDER BY updated DESC, id LIMIT ${Math.max(0, Math.floor(q.limit))}`,
        params,
      ),
    );
    return rows.map((r) => rowToAlert(r, values));
  }

  // --- alerting configuration and delivery log (SQL in alerting.ts) ---

  upsertAlertRule(r: AlertRule): Promise<void> {
    return this.write((c) => al.upsertAlertRule(c, r));
  }
  listAlertRules(project: string): Promise<AlertRule[]> {
    return this.read((c) => al.listAlertRules(c, project));
  }
  deleteAlertRule(project: string, id: string): Promise<boolean> {
    return this.write((c) => al.deleteAlertRule(c, project, id));
  }
  upsertChannel(ch: NotificationChannel): Promise<void> {
    return this.write((c) => al.upsertChannel(c, ch));
  }
  listChannels(project: string): Promise<NotificationChannel[]> {
    return this.read((c) => al.listChannels(c, project));
  }
  deleteChannel(project: string, id: string): Promise<boolean> {
    return this.write((c) => al.deleteChannel(c, project, id));
  }
  upsertSilence(s: Silence): Promise<void> {
    return this.write((c) => al.upsertSilence(c, s));
  }
  listSilences(project: string, q?: { activeAtUs?: number }): Promise<Silence[]> {
    return this.read((c) => al.listSilences(c, project, q));
  }
  deleteSilence(project: string, id: string): Promise<boolean> {
    return this.write((c) => al.deleteSilence(c, project, id));
  }
  insertDeliveries(rows: readonly DeliveryRecord[]): Promise<void> {
    return this.write((c) => al.insertDeliveries(c, rows));
  }
  listDeliveries(
    project: string,
    q: { alertId?: string; channelId?: string; limit: number },
  ): Promise<DeliveryRecord[]> {
    return this.read((c) => al.listDeliveries(c, project, q));
  }

  /**
   * Retention. DuckDB has no partitions; rows were appended in time order, so the deleted rows fill
   * whole row groups, which the next checkpoint drops and whose space DuckDB reuses.
   */
  async deleteBefore(cutoffUs: number): Promise<RetentionResult> {
    const cut = tsLit(cutoffUs);
    // Acknowledged rows older than the cut must not be loaded after it.
    await this.loader.sync();
    return this.write(async (c) => {
      // Pending rollups of spans about to go must not be written after the cut.
      await this.flushRollupsLocked(c);
      const removed = await inTransaction(c, async () => {
        const spans = (await c.run(`DELETE FROM spans WHERE start_time < ${cut}`)).rowsChanged;
        await deleteRollupsBefore(c, cutoffUs);
        await c.run(`DELETE FROM trace_index WHERE max_start < ${cut}`);
        const metrics = (await c.run(`DELETE FROM metrics WHERE time < ${cut}`)).rowsChanged;
        const logs = (await c.run(`DELETE FROM logs WHERE time < ${cut}`)).rowsChanged;
        await c.run(
          // Ends of runs that go, and ends recorded before the cut whose run never started here
          // (OTLP agent spans end runs the SDK may not have started).
          `DELETE FROM agent_run_ends
           WHERE end_time < ${cut} OR span_id IN (SELECT span_id FROM agent_runs WHERE start_time < ${cut})`,
        );
        await c.run(`DELETE FROM agent_runs WHERE start_time < ${cut}`);
        await c.run(`DELETE FROM anomalies WHERE time < ${cut}`);
        return { spans, metrics, logs };
      });
      this.seriesCache.clear();
      return removed;
    });
  }
}

/** Rows added but not yet written, kept as the caller's arrays (no copying). */
interface PendingBatch {
  spans: (readonly SpanRecord[])[];
  encoded: WorkerSpans[];
  metrics: (readonly MetricPoint[])[];
  logs: (readonly LogRecord[])[];
  starts: (readonly AgentRunStart[])[];
  ends: (readonly { project: string; spanId: string }[])[];
}

/**
 * BEGIN, then a write of no rows: it takes the transaction's write lock now, on DuckDB's thread. A
 * checkpoint (run inside another COMMIT) holds that lock; without this the first append, which
 * runs synchronously on the JS thread, would wait for it there and freeze the event loop for the
 * whole checkpoint (measured: a 2,000-row append took 244 ms instead of 13).
 */
const BEGIN_WRITE = 'BEGIN TRANSACTION; INSERT INTO rollup_dirty SELECT * FROM rollup_dirty WHERE false';

const emptyBatch = (): PendingBatch => ({ spans: [], encoded: [], metrics: [], logs: [], starts: [], ends: [] });

/** What a group commit wrote, for what follows it (DuckDbStore.afterCommit). */
interface CommittedRows {
  /** Spans encoded here; their rollups accumulate here. */
  spans: readonly SpanRecord[];
  /** Spans ingest workers encoded; their rollups accumulate there. */
  encoded: readonly WorkerSpans[];
  /** Every hour the commit's spans fall in, and those of them that got a marker. */
  hours: readonly ProjectHour[];
  unmarked: readonly ProjectHour[];
}

interface AppenderContext {
  gate: WriterGate<DuckDBConnection>;
  rollups: RollupWriteBehind;
  log: FrameLog;
  encoder: ChunkEncoder;
  afterCommit(c: CommittedRows): void;
}

/**
 * One group commit: the rows added, encoded as chunk images into one ingest-log frame; durable
 * (and visible to every later read) once the log has fsynced it.
 */
class DuckDbAppender implements Appender {
  private pending = emptyBatch();

  constructor(private readonly ctx: AppenderContext) {}

  spans(rows: readonly SpanRecord[]): void {
    if (rows.length) this.pending.spans.push(rows);
  }
  encodedSpans(batch: EncodedSpans): void {
    if (!(batch instanceof WorkerSpans)) throw new Error('encoded spans from another store');
    this.pending.encoded.push(batch);
  }
  metrics(rows: readonly MetricPoint[]): void {
    if (rows.length) this.pending.metrics.push(rows);
  }
  logs(rows: readonly LogRecord[]): void {
    if (rows.length) this.pending.logs.push(rows);
  }
  agentRunStarts(rows: readonly AgentRunStart[]): void {
    if (rows.length) this.pending.starts.push(rows);
  }
  agentRunEnds(rows: readonly { project: string; spanId: string }[]): void {
    if (rows.length) this.pending.ends.push(rows);
  }

  async commit(): Promise<void> {
    const b = this.pending;
    this.pending = emptyBatch();
    const { encoded } = b;
    if (!b.spans.length && !encoded.length && !b.metrics.length && !b.logs.length && !b.starts.length && !b.ends.length)
      return;
    const spans = flatten(b.spans);
    try {
      // A slot: a rollup flush (which clears the markers) runs alone, so it cannot fall between the
      // markers of this commit's hours and its rollups becoming pending.
      await this.ctx.gate.commit(async (conn) => {
        // Every hour of the commit's spans, whoever encoded them.
        const hours = projectHours(
          spans,
          encoded.map((e) => e.hours),
        );
        const unmarked = this.ctx.rollups.unmarkedHours(hours);
        const payload = this.encode(b, spans);
        // Durable before the rows are: after a crash, the marked hours are rebuilt from the spans.
        await insertMarkers(conn, unmarked);
        await this.ctx.log.append(payload, frameMeta(payload));
        this.ctx.afterCommit({ spans, encoded, hours, unmarked });
      });
    } catch (err) {
      for (const e of encoded) e.discard();
      throw err;
    }
  }

  /**
   * The batch as chunk images of every table it touches, in one buffer (synchronous: the encoder
   * is shared), after the images ingest workers made.
   */
  private encode(b: PendingBatch, spans: readonly SpanRecord[]): Buffer {
    const e = this.ctx.encoder;
    const own = spans.length + b.metrics.length + b.logs.length + b.starts.length + b.ends.length > 0;
    if (!own) return b.encoded.length === 1 ? b.encoded[0].payload : Buffer.concat(b.encoded.map((x) => x.payload));
    try {
      if (spans.length) {
        e.add(TABLES.spans, spans);
        e.add(TABLES.traceIndex, traceIndexRows(spans));
      }
      for (const rows of b.metrics) e.add(TABLES.metrics, rows);
      for (const rows of b.logs) e.add(TABLES.logs, rows);
      for (const rows of b.starts) e.add(TABLES.agentRuns, rows);
      if (b.ends.length) {
        // The commit's time stands for the run's end.
        const endUs = Date.now() * 1000;
        e.add(
          TABLES.agentRunEnds,
          flatten(b.ends).map((r) => ({ project: r.project, spanId: r.spanId, endUs })),
        );
      }
    } catch (err) {
      // A refused row (a NOT NULL column without a value) fails the whole commit, as a DuckDB
      // transaction would: nothing of it may reach the log.
      e.reset();
      throw err;
    }
    return b.encoded.length === 0 ? e.take() : Buffer.concat([...b.encoded.map((x) => x.payload), e.take()]);
  }

  async rollback(): Promise<void> {
    for (const e of this.pending.encoded) e.discard();
    this.pending = emptyBatch();
  }
}

/** The store's database as its connections name it (USE). */
const DB = 'vigil';
/**
 * Rows per DuckDB row group: half DuckDB's default, and exactly what a bulk load inserts
 * (bulk-loader.ts). A load holds the row group it builds in memory until DuckDB writes it, so this
 * halves that share of the server's memory under ingest; scans read twice as many zone maps,
 * which is still few.
 */
export const ROW_GROUP_ROWS = 61_440;

/** A connection whose unqualified names are the store's tables. */
async function storeConnection(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const c = await instance.connect();
  await c.run(`USE ${DB}`);
  return c;
}

/** How often the memory limit follows DuckDB's unevictable memory (memory-budget.ts). */
const BUDGET_EVERY_MS = 1000;

/** Pending rollup rows (keys) that trigger a flush right after a commit: bounds memory and recovery. */
const MAX_PENDING_ROLLUP_ROWS = 50_000;

function flatten<T>(parts: (readonly T[])[]): readonly T[] {
  if (parts.length === 1) return parts[0];
  const out: T[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i]);
  return out;
}

function optTs(us: number | null | undefined): string {
  return us == null ? 'NULL' : tsLit(us);
}

const API_KEY_COLUMNS = `id, project, name, role, prefix, hash, ${usCol('created')} AS created_us,
  ${usCol('last_used')} AS last_used_us, ${usCol('revoked')} AS revoked_us`;
