/**
 * A commit slot: one writer connection with a long-lived appender and chunk writer per telemetry
 * table. Appenders outlive transactions (a flush lands in whatever transaction the connection has
 * open), so a group commit costs three event-loop round trips (BEGIN, COMMIT, and marker inserts
 * when an hour turns) instead of one more per table; under load each round trip waits behind
 * request decoding on the JS thread, which made commits several times slower than their work.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { ChunkWriter, type ColumnSpec } from './chunk-writer.js';
import {
  AGENT_RUN_COLUMNS,
  AGENT_RUN_END_COLUMNS,
  LOG_COLUMNS,
  METRIC_COLUMNS,
  SPAN_COLUMNS,
  TRACE_INDEX_COLUMNS,
} from './table-columns.js';

/** Appends rows to one table through its chunk writer; flushing puts them in the open transaction. */
export class TableSink<R> {
  private readonly writer: ChunkWriter<R>;
  constructor(
    private readonly appender: DuckDBAppender,
    columns: readonly ColumnSpec<R>[],
  ) {
    this.writer = new ChunkWriter(columns);
  }

  append(rows: readonly R[]): void {
    if (rows.length === 0) return;
    this.writer.write(this.appender, rows);
    this.appender.flushSync();
  }

  close(): void {
    try {
      // Drops anything unflushed first: after a failure it belongs to a rolled-back commit.
      this.appender.clear();
      this.appender.closeSync();
    } catch {
      // An appender that failed may refuse to close; the connection keeps no state of it that matters.
    }
  }
}

async function sinks(c: DuckDBConnection) {
  return {
    spans: new TableSink(await c.createAppender('spans'), SPAN_COLUMNS),
    traceIndex: new TableSink(await c.createAppender('trace_index'), TRACE_INDEX_COLUMNS),
    metrics: new TableSink(await c.createAppender('metrics'), METRIC_COLUMNS),
    logs: new TableSink(await c.createAppender('logs'), LOG_COLUMNS),
    starts: new TableSink(await c.createAppender('agent_runs'), AGENT_RUN_COLUMNS),
    ends: new TableSink(await c.createAppender('agent_run_ends'), AGENT_RUN_END_COLUMNS),
  };
}

export type Sinks = Awaited<ReturnType<typeof sinks>>;

export class CommitSlot {
  private open: Sinks | null = null;

  constructor(readonly conn: DuckDBConnection) {}

  /** The slot's table sinks, created on first use after open or after a failed commit. */
  async sinks(): Promise<Sinks> {
    this.open ??= await sinks(this.conn);
    return this.open;
  }

  /** Closes the appenders: after a failed commit (their state is unknown) and before close. */
  reset(): void {
    if (!this.open) return;
    for (const s of Object.values(this.open)) s.close();
    this.open = null;
  }
}
