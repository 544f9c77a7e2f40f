/**
 * DuckDB's memory_limit as a cache budget on top of what DuckDB must keep in memory.
 *
 * A fixed limit small enough to keep the server's RSS low under ingest (its block cache grows to
 * whatever the limit allows) fails once memory DuckDB cannot evict outgrows it: un-checkpointed rows
 * and a bulk load's rows live in memory (and, until migration 8, the trace_index ART index grew
 * with the data, ~120 MB at 9M spans), so a 128 MB limit made commits fail with "could not allocate
 * block" at ~8.7M spans (bench/query).
 * Instead the limit follows the unevictable part: limit = budget + (everything but the table block
 * cache), re-read every second. Growth between readings (un-checkpointed rows: ~30 MB a second at
 * 60k spans/s) comes out of the cache, which DuckDB evicts, so the budget is also the headroom.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { num, query } from './sql.js';

const MB = 1024 * 1024;
/** Changes smaller than this are not applied (SET is cheap, but need not run every tick). */
const STEP = 16 * MB;

export class MemoryBudget {
  private applied = 0;

  constructor(private readonly budgetBytes: number) {}

  /** The limit to start with, before anything was measured. */
  get initial(): string {
    return `${Math.round((this.budgetBytes + 32 * MB) / MB)}MB`;
  }

  /** Reads DuckDB's memory use and moves the limit if it drifted; returns the limit in bytes. */
  async adjust(c: DuckDBConnection): Promise<number> {
    const [row] = await query(
      c,
      `SELECT coalesce(sum(memory_usage_bytes) FILTER (WHERE tag <> 'BASE_TABLE'), 0)::DOUBLE AS pinned
       FROM duckdb_memory()`,
    );
    const limit = this.budgetBytes + Math.max(32 * MB, num(row.pinned));
    if (Math.abs(limit - this.applied) >= STEP) {
      await c.run(`SET memory_limit = '${Math.round(limit / MB)}MB'`);
      this.applied = limit;
    }
    return this.applied;
  }
}
