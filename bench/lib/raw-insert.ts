/**
 * Raw DuckDB insert rate for spans, without the pipeline or HTTP: the ceiling the server's ingest
 * throughput is compared with. Each batch is one durable transaction, as a group commit would be.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { SpanRecord } from '@vigil/core';
import { MIGRATIONS } from '../../packages/core/src/store/duckdb/migrations.js';
import { writeSpans } from '../../packages/core/src/store/duckdb/row-writers.js';
import { ChunkWriter, SPAN_CHUNK_COLUMNS } from './chunk-writer.js';

export interface RawInsertOptions {
  /** 'row-appender' (default: what DuckDbStore uses, and the fastest measured) or 'chunks'. */
  method?: 'chunks' | 'row-appender';
  /** Spans per committed transaction (default 10,000). */
  batchSize?: number;
}

/** Inserts `spans` into a fresh spans table in the DuckDB file at `path`; returns the rate. */
export async function rawInsertRate(
  path: string,
  spans: readonly SpanRecord[],
  opts: RawInsertOptions = {},
): Promise<{ rowsPerS: number; seconds: number; rowsPerCpuS: number }> {
  const method = opts.method ?? 'row-appender';
  const batchSize = opts.batchSize ?? 10_000;
  // Same checkpoint threshold as DuckDbStore, so the baseline pays the same checkpoint costs.
  const instance = await DuckDBInstance.create(path, { checkpoint_threshold: '256MB' });
  const c = await instance.connect();
  await c.run(MIGRATIONS[0].sql);
  const writer = new ChunkWriter(SPAN_CHUNK_COLUMNS);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < spans.length; i += batchSize) {
    const end = Math.min(spans.length, i + batchSize);
    await c.run('BEGIN TRANSACTION');
    const a = await c.createAppender('spans');
    if (method === 'chunks') writer.write(a, spans, i, end);
    else writeSpans(a, spans.slice(i, end));
    a.closeSync();
    await c.run('COMMIT');
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  c.closeSync();
  instance.closeSync();
  return { rowsPerS: spans.length / seconds, seconds, rowsPerCpuS: spans.length / ((cpu.user + cpu.system) / 1e6) };
}
