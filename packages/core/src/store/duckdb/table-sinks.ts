/**
 * The telemetry tables as the ingest path writes them: each table's columns and its id in chunk
 * images (chunk-writer.ts), and the staging area the bulk loader (bulk-loader.ts) loads images
 * into.
 *
 * Why staging: appending to a table runs on the calling thread, and an append that completes one
 * of DuckDB's row groups compresses and writes it there (measured: ~430 ms per 122,880 spans, the
 * JS thread frozen meanwhile and every request waiting). So images are
 * appended (synchronously, but only copied) into same-shaped tables of an in-memory database
 * attached to the instance, `ingest_stage`, and one statement per table moves them on: INSERT ...
 * SELECT runs on DuckDB's threads, and that is where the row groups are compressed and written.
 * Each load stages into tables of its own (`<table>_<n>`), dropped once it committed or failed,
 * which frees their memory (see drop). They live only in memory: after a crash the ingest log
 * replays what had not been committed.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { ChunkLoader, type ColumnSpec, readImageHeader } from './chunk-writer.js';
import type { FrameMeta } from './ingest-log.js';
import {
  AGENT_RUN_COLUMNS,
  AGENT_RUN_END_COLUMNS,
  LOG_COLUMNS,
  METRIC_COLUMNS,
  SPAN_COLUMNS,
  TRACE_INDEX_COLUMNS,
} from './table-columns.js';

/**
 * The telemetry tables the ingest path writes, with their ids in chunk images. The ids are stored
 * in the ingest log: never renumber one.
 */
export const TABLES = {
  spans: { id: 0, name: 'spans', columns: SPAN_COLUMNS },
  traceIndex: { id: 1, name: 'trace_index', columns: TRACE_INDEX_COLUMNS },
  metrics: { id: 2, name: 'metrics', columns: METRIC_COLUMNS },
  logs: { id: 3, name: 'logs', columns: LOG_COLUMNS },
  agentRuns: { id: 4, name: 'agent_runs', columns: AGENT_RUN_COLUMNS },
  agentRunEnds: { id: 5, name: 'agent_run_ends', columns: AGENT_RUN_END_COLUMNS },
} as const;

/** The tables by id (ids are their positions). */
const BY_ID = Object.values(TABLES);

/** What the loader must know of a payload of chunk images: its span rows and its tables (a bit mask of ids). */
export function frameMeta(payload: Buffer): FrameMeta {
  let tables = 0;
  let rows = 0;
  for (let at = 0; at < payload.length; ) {
    const info = readImageHeader(payload, at);
    if (!BY_ID[info.table]) throw new Error(`chunk image for unknown table ${info.table}`);
    tables |= 1 << info.table;
    if (info.table === TABLES.spans.id) rows += info.rows;
    at += info.bytes;
  }
  return { rows, tables };
}

const STAGE = 'ingest_stage';

interface Sink {
  appender: DuckDBAppender;
  loader: ChunkLoader;
  /** The staging table, `ingest_stage.<table>_<n>`. */
  stage: string;
  table: string;
  /** Rows appended since the last flush (a flush of nothing still costs a native round). */
  dirty: boolean;
}

/** One load's staging tables and their appenders, on the staging connection (autocommit). */
export class StagedLoad {
  private sinks: Sink[] = [];
  private static next = 0;

  private constructor(private readonly conn: DuckDBConnection) {}

  /** Attaches the staging database (once per instance; it lives as long as the instance). */
  static async attach(conn: DuckDBConnection): Promise<void> {
    await conn.run(`ATTACH IF NOT EXISTS ':memory:' AS ${STAGE}`);
  }

  /** Staging tables and appenders for the tables in a mask of TABLES ids (frameMeta). */
  static async open(conn: DuckDBConnection, tables: number): Promise<StagedLoad> {
    const load = new StagedLoad(conn);
    const ids = BY_ID.filter((t) => tables & (1 << t.id)).map((t) => t.id);
    const n = StagedLoad.next++;
    try {
      for (const id of ids) {
        const t = BY_ID[id];
        const stage = `${STAGE}.${t.name}_${n}`;
        // Same columns and types (JSON included), no constraints: the encoder checked NOT NULL.
        await conn.run(`CREATE TABLE ${stage} AS SELECT * FROM ${t.name} LIMIT 0`);
        load.sinks[id] = {
          appender: await conn.createAppender(`${t.name}_${n}`, 'main', STAGE),
          loader: new ChunkLoader(t.columns as readonly ColumnSpec<unknown>[]),
          stage,
          table: t.name,
          dirty: false,
        };
      }
    } catch (e) {
      await load.drop();
      throw e;
    }
    return load;
  }

  /** Appends every chunk image in a log frame's payload to its staging table's appender. */
  loadFrame(payload: Buffer): void {
    for (let at = 0; at < payload.length; ) {
      const info = readImageHeader(payload, at);
      const sink = this.sinks[info.table];
      if (!sink) throw new Error(`chunk image for table ${info.table}, which this load did not stage`);
      at += sink.loader.load(sink.appender, payload, at, info);
      sink.dirty = true;
    }
  }

  /** Commits the appended rows into the staging tables (a copy in memory, nothing compressed). */
  flush(): void {
    for (const s of this.sinks) {
      if (!s?.dirty) continue;
      s.appender.flushSync();
      s.dirty = false;
    }
  }

  /** Statements moving the staged rows into their tables, for the caller's transaction. */
  moveSql(): string {
    return this.sinks
      .filter((s) => s)
      .map((s) => `INSERT INTO ${s.table} SELECT * FROM ${s.stage};`)
      .join('\n');
  }

  /** Closes the appenders and drops the staging tables (their memory goes with them). */
  async drop(): Promise<void> {
    for (const s of this.sinks) {
      if (!s) continue;
      try {
        // Drops anything unflushed first: after a failure it belongs to a rolled-back load.
        s.appender.clear();
        s.appender.closeSync();
      } catch {
        // An appender that failed may refuse to close; dropping its table is what matters.
      }
      await this.conn.run(`DROP TABLE IF EXISTS ${s.stage}`);
    }
    this.sinks = [];
    // DuckDB frees a dropped table's memory when the next transaction on its database ends: one
    // that does nothing, now, so an idle store does not keep the last load's rows (~130 MB).
    await this.conn.run(`DROP TABLE IF EXISTS ${STAGE}.none`);
  }
}
