/**
 * Write-behind for the hourly span rollups (rollups.ts), so a group commit pays only for its spans.
 *
 * Writing each commit's partial rollup rows with the commit cost about a third of the store's
 * ingest time (at live cardinality a 4k-span commit touches ~1,400 keys, each row carrying two
 * histogram lists), so rollups of committed spans are accumulated in memory and written in one
 * transaction per flush (about every second, before any query that reads rollups, at close).
 *
 * Crash safety without logging rollups: a commit whose spans fall in an hour with no pending
 * rollups inserts a marker row (project, hour) into rollup_dirty in its own transaction, and a flush
 * deletes the markers together with writing the pending rows. After a crash, the markers name
 * exactly the hours whose rollups may miss committed spans; recoverDirtyHours recomputes those
 * hours from the spans on open. So rollups always equal the stored spans once the store is open
 * and any pending rows are flushed.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SpanRecord } from '../../model/telemetry.js';
import { appendRollups, HOUR_US, LEVELS, RollupAccumulator, type RollupRow, rollupsFromSpansSql } from './rollups.js';
import { query, tsLit } from './sql.js';

export const ROLLUP_DIRTY_MIGRATION = {
  version: 6,
  name: 'rollup-dirty-hours',
  sql: 'CREATE TABLE rollup_dirty (project VARCHAR NOT NULL, hour TIMESTAMP NOT NULL);',
};

export interface ProjectHour {
  project: string;
  hourUs: number;
}

const hourKey = (project: string, hourUs: number) => `${hourUs}\u0000${project}`;

/** The distinct (project, hour) pairs of spans' start times, after those of `more` (already distinct each). */
export function projectHours(
  spans: readonly SpanRecord[],
  more: readonly (readonly ProjectHour[])[] = [],
): ProjectHour[] {
  const out: ProjectHour[] = [];
  const seen = new Set<string>();
  const add = (project: string, hourUs: number) => {
    const key = hourKey(project, hourUs);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ project, hourUs });
  };
  for (const hours of more) for (const h of hours) add(h.project, h.hourUs);
  let lastHour = Number.NaN;
  let lastProject = '';
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    const hourUs = Math.floor(s.startUs / HOUR_US) * HOUR_US;
    // Spans of a commit nearly all share one hour and project: skip the key for repeats.
    if (hourUs === lastHour && s.project === lastProject) continue;
    lastHour = hourUs;
    lastProject = s.project;
    add(s.project, hourUs);
  }
  return out;
}

export class RollupWriteBehind {
  private acc = new RollupAccumulator();
  /** Rows accumulated elsewhere (ingest workers), taken for a flush that has not committed yet. */
  private adopted: RollupRow[] = [];
  /** Hours with a durable marker since the last flush (they need no second one). */
  private readonly marked = new Set<string>();

  /** Whether committed spans wait for their rollups to be written. */
  get pending(): boolean {
    return this.acc.size > 0 || this.adopted.length > 0;
  }

  /** Pending rollup rows (one per key): flushing early bounds memory and recovery work. */
  get pendingRows(): number {
    return this.acc.size + this.adopted.length;
  }

  /** Rows of committed spans accumulated elsewhere: written with the next flush (kept if it fails). */
  adopt(rows: readonly RollupRow[]): void {
    for (const r of rows) this.adopted.push(r);
  }

  /**
   * Those of a commit's hours (projectHours) that have no marker yet: insert them (insertMarkers)
   * before the spans are made durable, then call committed().
   */
  unmarkedHours(hours: readonly ProjectHour[]): ProjectHour[] {
    return hours.filter((h) => !this.marked.has(hourKey(h.project, h.hourUs)));
  }

  /**
   * After the commit of `spans` (with markers for `hours`): their rollups become pending. Spans
   * whose rollups accumulate elsewhere (ingest workers) pass only their hours.
   */
  committed(spans: readonly SpanRecord[], hours: readonly ProjectHour[]): void {
    for (const h of hours) this.marked.add(hourKey(h.project, h.hourUs));
    for (let i = 0; i < spans.length; i++) this.acc.add(spans[i]);
  }

  /**
   * Appends the pending rows to every level and clears the markers, in the caller's transaction.
   * Returns the rows written; call flushed() once that transaction committed.
   */
  async write(c: DuckDBConnection): Promise<RollupRow[]> {
    const own = this.acc.rows();
    const rows = this.adopted.length === 0 ? own : own.concat(this.adopted);
    await appendRollups(c, rows);
    await c.run('DELETE FROM rollup_dirty');
    return rows;
  }

  flushed(): void {
    this.acc = new RollupAccumulator();
    this.adopted = [];
    this.marked.clear();
  }
}

/** Inserts markers for hours about to receive committed spans (durable before those spans are). */
export async function insertMarkers(c: DuckDBConnection, hours: readonly ProjectHour[]): Promise<void> {
  if (hours.length === 0) return;
  // One statement: a backfill spanning days touches hundreds of hours per commit.
  const rows = hours.map((h) => `(?, ${tsLit(h.hourUs)})`).join(', ');
  await c.run(
    `INSERT INTO rollup_dirty VALUES ${rows}`,
    hours.map((h) => h.project),
  );
}

/**
 * Rebuilds the rollups of every marked hour from its spans, then clears the markers, in the
 * caller's transaction. Returns the number of hours rebuilt (0 after a clean shutdown).
 */
export async function recoverDirtyHours(c: DuckDBConnection): Promise<number> {
  const hours = await query(
    c,
    'SELECT DISTINCT project, epoch_us(hour)::DOUBLE AS hour_us FROM rollup_dirty ORDER BY hour_us',
  );
  for (const h of hours) {
    const hourUs = Number(h.hour_us);
    const project = String(h.project);
    const where = `project = ? AND start_time >= ${tsLit(hourUs)} AND start_time < ${tsLit(hourUs + HOUR_US)}`;
    for (const l of LEVELS) {
      await c.run(`DELETE FROM ${l.table} WHERE project = ? AND hour = ${tsLit(hourUs)}`, [project]);
      await c.run(`INSERT INTO ${l.table} ${rollupsFromSpansSql(where, l.key)}`, [project]);
    }
  }
  await c.run('DELETE FROM rollup_dirty');
  return hours.length;
}
