/**
 * Daily range partitions for the telemetry tables. Partitions are created ahead (today and the
 * next days) and on demand before an insert touches a day that has none, so an insert never fails
 * for want of a partition. Creation and dropping take a transaction-level advisory lock per schema
 * so that several instances never race on the same DDL. Retention drops whole partitions.
 */
import type { Sql } from './connect.js';
import { quoteIdent } from './migrations.js';

export const PARTITIONED_TABLES = ['spans', 'metrics', 'logs'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

export const DAY_US = 86_400_000_000;

/** Day number (days since epoch, UTC) of an epoch-µs time. */
export function dayOf(us: number): number {
  return Math.floor(us / DAY_US);
}

export function partitionName(table: PartitionedTable, day: number): string {
  const d = new Date(day * 86_400_000);
  const ymd = d.toISOString().slice(0, 10).replaceAll('-', '');
  return `${table}_p${ymd}`;
}

const PARTITION_RE = /^(spans|metrics|logs)_p(\d{4})(\d{2})(\d{2})$/;

function dayOfPartition(name: string): { table: PartitionedTable; day: number } | null {
  const m = PARTITION_RE.exec(name);
  if (!m) return null;
  return {
    table: m[1] as PartitionedTable,
    day: Math.floor(Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4])) / 86_400_000),
  };
}

export class PartitionManager {
  /** `${table}:${day}` of partitions known to exist. */
  private known = new Set<string>();
  private loaded = false;

  constructor(
    private readonly sql: Sql,
    private readonly schema: string,
  ) {}

  private lockKey(): string {
    return `vigil:partitions:${this.schema}`;
  }

  /** Re-reads which partitions exist (after an insert found one missing, e.g. dropped elsewhere). */
  async refresh(): Promise<void> {
    const rows = await this.sql`
      select c.relname as name
      from pg_inherits i
      join pg_class c on c.oid = i.inhrelid
      join pg_class p on p.oid = i.inhparent
      join pg_namespace n on n.oid = p.relnamespace
      where n.nspname = ${this.schema} and p.relname in ('spans', 'metrics', 'logs')`;
    this.known.clear();
    for (const r of rows) {
      const p = dayOfPartition(String(r.name));
      if (p) this.known.add(`${p.table}:${p.day}`);
    }
    this.loaded = true;
  }

  /** Makes sure each (table, day) has a partition. Cheap when they all exist already. */
  async ensure(needs: Iterable<[PartitionedTable, number]>): Promise<void> {
    if (!this.loaded) await this.refresh();
    const missing: [PartitionedTable, number][] = [];
    for (const [table, day] of needs) if (!this.known.has(`${table}:${day}`)) missing.push([table, day]);
    if (missing.length === 0) return;
    const q = quoteIdent(this.schema);
    await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${this.lockKey()}))`;
      for (const [table, day] of missing) {
        const from = day * DAY_US;
        const to = from + DAY_US;
        await tx.unsafe(
          `CREATE TABLE IF NOT EXISTS ${q}.${quoteIdent(partitionName(table, day))}
             PARTITION OF ${q}.${table} FOR VALUES FROM (${from}) TO (${to})`,
        );
      }
    });
    for (const [table, day] of missing) this.known.add(`${table}:${day}`);
  }

  /** Creates partitions for every table from `fromDay` through `toDay` inclusive. */
  async ensureRange(fromDay: number, toDay: number): Promise<void> {
    const needs: [PartitionedTable, number][] = [];
    for (let d = fromDay; d <= toDay; d++) for (const t of PARTITIONED_TABLES) needs.push([t, d]);
    await this.ensure(needs);
  }

  /**
   * Drops partitions lying wholly before the cutoff's day and returns how many rows each table
   * lost (exact counts, taken under the lock just before the drop).
   */
  async dropBefore(cutoffUs: number): Promise<Record<PartitionedTable, number>> {
    const cutoffDay = dayOf(cutoffUs);
    const q = quoteIdent(this.schema);
    const removed: Record<PartitionedTable, number> = { spans: 0, metrics: 0, logs: 0 };
    await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${this.lockKey()}))`;
      const rows = await tx`
        select c.relname as name
        from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
        join pg_class p on p.oid = i.inhparent
        join pg_namespace n on n.oid = p.relnamespace
        where n.nspname = ${this.schema} and p.relname in ('spans', 'metrics', 'logs')`;
      for (const r of rows) {
        const name = String(r.name);
        const p = dayOfPartition(name);
        if (!p || p.day >= cutoffDay) continue;
        const [{ n }] = await tx.unsafe(`SELECT count(*)::bigint AS n FROM ${q}.${quoteIdent(name)}`);
        removed[p.table] += Number(n);
        await tx.unsafe(`DROP TABLE ${q}.${quoteIdent(name)}`);
        this.known.delete(`${p.table}:${p.day}`);
      }
    });
    return removed;
  }
}
