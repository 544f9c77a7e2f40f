/**
 * Column-major bulk writer: fills DuckDB data chunks (2048 rows) straight from JS typed arrays and
 * hands each chunk to the appender in one call. Compared with the row appender (one native call
 * per value, a BigInt per timestamp) numbers and timestamps cost one memcpy per column per chunk;
 * only strings still need a native call each. bench/store measures both paths; the row appender
 * came out as fast or faster (strings dominate, and a chunk's strings get copied twice), so the
 * store uses rows and this stays as the bench's comparison.
 *
 * Uses the raw @duckdb/node-bindings (the engine under @duckdb/node-api, same version) for vector
 * memory access, which the high-level API only offers per value.
 */

import {
  DOUBLE,
  type DuckDBAppender,
  DuckDBDataChunk,
  type DuckDBType,
  INTEGER,
  TIMESTAMP,
  VARCHAR,
} from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { LogRecord, MetricPoint, SpanRecord } from '@vigil/core';
import { attrsJson, eventsJson, labelsJson } from '../../packages/core/src/store/duckdb/row-writers.js';

export type ColumnKind = 'varchar' | 'timestamp' | 'double' | 'integer';

export interface ColumnSpec<R> {
  kind: ColumnKind;
  /** Value of this column for a row; null/undefined writes NULL. Timestamps are epoch µs numbers. */
  get(row: R): string | number | null | undefined;
}

const TYPES: Record<ColumnKind, DuckDBType> = {
  varchar: VARCHAR,
  timestamp: TIMESTAMP,
  double: DOUBLE,
  integer: INTEGER,
};
const TWO32 = 4294967296;

export class ChunkWriter<R> {
  private readonly size = duckdb.vector_size();
  private readonly f64 = new Float64Array(this.size);
  /** int64 timestamps written as two int32 halves: no BigInt per value. */
  private readonly i32pair = new Int32Array(this.size * 2);
  private readonly i32 = new Int32Array(this.size);
  private readonly validity = new Uint32Array(Math.ceil(this.size / 32));

  private chunk: DuckDBDataChunk | null = null;

  constructor(private readonly columns: readonly ColumnSpec<R>[]) {}

  /**
   * Appends rows[from, to) to the appender (which must be on a table with exactly these columns).
   * Not reentrant: one writer serves one connection (its chunk and buffers are reused).
   */
  write(appender: DuckDBAppender, rows: readonly R[], from = 0, to = rows.length): void {
    this.chunk ??= DuckDBDataChunk.create(this.columns.map((c) => TYPES[c.kind]));
    const chunk = this.chunk;
    for (let start = from; start < to; start += this.size) {
      const n = Math.min(this.size, to - start);
      chunk.reset();
      duckdb.data_chunk_set_size(chunk.chunk, n);
      for (let c = 0; c < this.columns.length; c++) this.fillColumn(chunk, c, rows, start, n);
      appender.appendDataChunk(chunk);
    }
  }

  private fillColumn(chunk: DuckDBDataChunk, c: number, rows: readonly R[], start: number, n: number): void {
    const col = this.columns[c];
    const vec = duckdb.data_chunk_get_vector(chunk.chunk, c);
    const validity = this.validity;
    // Whole 64-bit validity words, as DuckDB stores them.
    const words = Math.ceil(n / 64) * 2;
    validity.fill(0xffffffff, 0, words);
    let nulls = false;
    switch (col.kind) {
      case 'varchar': {
        for (let i = 0; i < n; i++) {
          const v = col.get(rows[start + i]) as string | null | undefined;
          if (v == null) {
            validity[i >>> 5] &= ~(1 << (i & 31));
            nulls = true;
          } else duckdb.vector_assign_string_element(vec, i, v);
        }
        break;
      }
      case 'double': {
        const out = this.f64;
        for (let i = 0; i < n; i++) {
          const v = col.get(rows[start + i]) as number | null | undefined;
          if (v == null || Number.isNaN(v)) {
            validity[i >>> 5] &= ~(1 << (i & 31));
            nulls = true;
            out[i] = 0;
          } else out[i] = v;
        }
        duckdb.copy_data_to_vector(vec, 0, out.buffer, 0, n * 8);
        break;
      }
      case 'integer': {
        const out = this.i32;
        for (let i = 0; i < n; i++) {
          const v = col.get(rows[start + i]) as number | null | undefined;
          if (v == null) {
            validity[i >>> 5] &= ~(1 << (i & 31));
            nulls = true;
            out[i] = 0;
          } else out[i] = Math.round(v);
        }
        duckdb.copy_data_to_vector(vec, 0, out.buffer, 0, n * 4);
        break;
      }
      case 'timestamp': {
        const out = this.i32pair;
        for (let i = 0; i < n; i++) {
          const v = col.get(rows[start + i]) as number | null | undefined;
          if (v == null) {
            validity[i >>> 5] &= ~(1 << (i & 31));
            nulls = true;
            out[2 * i] = 0;
            out[2 * i + 1] = 0;
          } else {
            // Little-endian int64 from a safe-integer double: low 32 bits, then the (signed) high part.
            const us = Math.round(v);
            const hi = Math.floor(us / TWO32);
            out[2 * i] = us - hi * TWO32;
            out[2 * i + 1] = hi;
          }
        }
        duckdb.copy_data_to_vector(vec, 0, out.buffer, 0, n * 8);
        break;
      }
    }
    if (nulls) {
      duckdb.vector_ensure_validity_writable(vec);
      duckdb.copy_data_to_vector_validity(vec, 0, validity.buffer, 0, Math.ceil(n / 64) * 8);
    }
  }
}

/** The spans table's columns for the chunk writer, in table order (see migrations.ts). */
export const SPAN_CHUNK_COLUMNS: readonly ColumnSpec<SpanRecord>[] = [
  { kind: 'varchar', get: (s) => s.project },
  { kind: 'timestamp', get: (s) => s.startUs },
  { kind: 'timestamp', get: (s) => s.endUs },
  { kind: 'double', get: (s) => (s.endUs - s.startUs) / 1000 },
  { kind: 'varchar', get: (s) => s.traceId },
  { kind: 'varchar', get: (s) => s.spanId },
  { kind: 'varchar', get: (s) => s.parentSpanId },
  { kind: 'varchar', get: (s) => s.serviceName },
  { kind: 'varchar', get: (s) => s.name },
  { kind: 'varchar', get: (s) => s.kind },
  { kind: 'varchar', get: (s) => s.status },
  { kind: 'varchar', get: (s) => s.statusMessage },
  { kind: 'varchar', get: (s) => s.model },
  { kind: 'varchar', get: (s) => s.provider },
  { kind: 'integer', get: (s) => s.inputTokens },
  { kind: 'integer', get: (s) => s.outputTokens },
  { kind: 'double', get: (s) => s.costUsd },
  { kind: 'varchar', get: (s) => s.agentId },
  { kind: 'varchar', get: (s) => s.agentName },
  { kind: 'varchar', get: (s) => s.agentVersion },
  { kind: 'varchar', get: (s) => s.sessionId },
  { kind: 'varchar', get: (s) => s.userId },
  { kind: 'varchar', get: (s) => attrsJson(s.attributes) },
  { kind: 'varchar', get: (s) => eventsJson(s.events) },
  { kind: 'varchar', get: (s) => s.input },
  { kind: 'varchar', get: (s) => s.output },
];

export const METRIC_CHUNK_COLUMNS: readonly ColumnSpec<MetricPoint>[] = [
  { kind: 'varchar', get: (m) => m.project },
  { kind: 'timestamp', get: (m) => m.timeUs },
  { kind: 'varchar', get: (m) => m.name },
  { kind: 'varchar', get: (m) => m.type },
  { kind: 'varchar', get: (m) => m.unit ?? '' },
  { kind: 'double', get: (m) => (Number.isFinite(m.value) ? m.value : 0) },
  { kind: 'varchar', get: (m) => (m.histogram == null ? null : JSON.stringify(m.histogram)) },
  { kind: 'varchar', get: (m) => labelsJson(m.labels) },
  { kind: 'varchar', get: (m) => m.serviceName ?? '' },
];

export const LOG_CHUNK_COLUMNS: readonly ColumnSpec<LogRecord>[] = [
  { kind: 'varchar', get: (l) => l.project },
  { kind: 'timestamp', get: (l) => l.timeUs },
  { kind: 'integer', get: (l) => l.severity | 0 },
  { kind: 'varchar', get: (l) => l.severityText ?? '' },
  { kind: 'varchar', get: (l) => l.body ?? '' },
  { kind: 'varchar', get: (l) => l.traceId },
  { kind: 'varchar', get: (l) => l.spanId },
  { kind: 'varchar', get: (l) => l.serviceName ?? '' },
  { kind: 'varchar', get: (l) => attrsJson(l.attributes) },
];
