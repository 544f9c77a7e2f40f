/**
 * The telemetry tables as the ingest path writes them: each table's columns, its id in chunk
 * images (chunk-writer.ts), and, on one connection, a long-lived appender that images are loaded
 * into. Appenders outlive transactions (a flush lands in whatever transaction the connection has
 * open), so a load costs only its BEGIN and COMMIT round trips.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { ChunkLoader, type ColumnSpec, readImageHeader } from './chunk-writer.js';
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

interface Sink {
  appender: DuckDBAppender;
  loader: ChunkLoader;
  /** Rows appended since the last flush (a flush of nothing still costs a native round). */
  dirty: boolean;
}

/** Appenders of every telemetry table on one connection (the loader's half). */
export class TableSinks {
  private sinks: Sink[] | null = null;

  constructor(private readonly conn: DuckDBConnection) {}

  /** Creates the appenders (after open, or after a failure reset them). */
  async open(): Promise<void> {
    if (this.sinks) return;
    const sinks: Sink[] = [];
    for (const t of Object.values(TABLES))
      sinks[t.id] = {
        appender: await this.conn.createAppender(t.name),
        loader: new ChunkLoader(t.columns as readonly ColumnSpec<unknown>[]),
        dirty: false,
      };
    this.sinks = sinks;
  }

  /** Appends every chunk image in a log frame's payload to its table's appender. */
  loadFrame(payload: Buffer): void {
    const sinks = this.sinks;
    if (!sinks) throw new Error('table sinks are not open');
    for (let at = 0; at < payload.length; ) {
      const info = readImageHeader(payload, at);
      const sink = sinks[info.table];
      if (!sink) throw new Error(`chunk image for unknown table ${info.table}`);
      at += sink.loader.load(sink.appender, payload, at, info);
      sink.dirty = true;
    }
  }

  /** Moves the appended rows into the connection's open transaction. */
  flush(): void {
    for (const s of this.sinks ?? []) {
      if (!s.dirty) continue;
      s.appender.flushSync();
      s.dirty = false;
    }
  }

  /** Closes the appenders: after a failed load (their state is unknown) and before close. */
  reset(): void {
    if (!this.sinks) return;
    for (const s of this.sinks) {
      try {
        // Drops anything unflushed first: after a failure it belongs to a rolled-back load.
        s.appender.clear();
        s.appender.closeSync();
      } catch {
        // An appender that failed may refuse to close; the connection keeps no state of it that matters.
      }
    }
    this.sinks = null;
  }
}
