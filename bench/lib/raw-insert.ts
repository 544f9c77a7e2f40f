/**
 * Raw DuckDB insert rate for spans, without the pipeline or HTTP: the ceiling the server's ingest
 * throughput is compared with. Each batch is one durable transaction, as a group commit would be.
 *
 * Only the spans table is written (no trace_index, rollups or pipeline), into a fresh file, with
 * the fastest path measured in bench/store (the core's ChunkWriter, ~1.3x the plain row appender
 * loop), so the server/raw ratio is honest: everything the server does beyond this is overhead it
 * has to earn.
 */
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SpanRecord } from '@vigil/core';
import { ChunkWriter } from '../../packages/core/src/store/duckdb/chunk-writer.js';
import { MIGRATIONS } from '../../packages/core/src/store/duckdb/migrations.js';
import { SPAN_COLUMNS } from '../../packages/core/src/store/duckdb/table-columns.js';
import { appendSpanRows } from './row-appender.js';

export interface RawInsertOptions {
  /** 'chunks' (default: the core's ChunkWriter, what DuckDbStore uses) or 'row-appender' (one call per value). */
  method?: 'chunks' | 'row-appender';
  /** Spans per committed transaction (default 10,000). */
  batchSize?: number;
  /** DuckDB checkpoint_threshold (default "256MB", DuckDbStore's default). */
  checkpointThreshold?: string;
  /** DuckDB threads (default: DuckDB's own, the number of cores). */
  threads?: number;
}

export interface RawInsertResult {
  rowsPerS: number;
  seconds: number;
  /** Rows per CPU-second of this process (all threads: JS and DuckDB's). */
  rowsPerCpuS: number;
  /** CPU µs per row on the JS thread (the appender calls) and on all other threads (DuckDB). */
  jsUsPerRow: number;
  otherUsPerRow: number;
}

/** Inserts `spans` into a fresh spans table in the DuckDB file at `path`; returns the rate. */
export async function rawInsertRate(
  path: string,
  spans: readonly SpanRecord[],
  opts: RawInsertOptions = {},
): Promise<RawInsertResult> {
  const method = opts.method ?? 'chunks';
  const batchSize = opts.batchSize ?? 10_000;
  const config: Record<string, string> = { checkpoint_threshold: opts.checkpointThreshold ?? '256MB' };
  if (opts.threads) config.threads = String(opts.threads);
  const chunks = method === 'chunks' ? new ChunkWriter(SPAN_COLUMNS) : null;
  const instance = await DuckDBInstance.create(path, config);
  const c = await instance.connect();
  await c.run(MIGRATIONS[0].sql);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const js0 = jsThreadCpuS();
  for (let i = 0; i < spans.length; i += batchSize) {
    const end = Math.min(spans.length, i + batchSize);
    await c.run('BEGIN TRANSACTION');
    const a = await c.createAppender('spans');
    if (chunks) chunks.write(a, spans, i, end);
    else appendSpanRows(a, spans, i, end);
    a.closeSync();
    await c.run('COMMIT');
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const jsS = jsThreadCpuS() - js0;
  c.closeSync();
  instance.closeSync();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    rowsPerS: spans.length / seconds,
    seconds,
    rowsPerCpuS: spans.length / cpuS,
    jsUsPerRow: (jsS / spans.length) * 1e6,
    otherUsPerRow: ((cpuS - jsS) / spans.length) * 1e6,
  };
}

/** CPU seconds of this process's JS (main) thread, from /proc (NaN where there is none). */
export function jsThreadCpuS(): number {
  return threadCpuS(process.pid, process.pid);
}

/** CPU seconds (user + system) of one thread, or of the whole process without tid; CLK_TCK = 100. */
export function threadCpuS(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
