/**
 * Column-major bulk writer: the ingest hot path. Fills DuckDB data chunks (2,048 rows) from JS and
 * hands each chunk to an appender in one call, with a constant number of native calls per column
 * per chunk instead of one per value.
 *
 * Numbers and timestamps are written into typed arrays and copied into the vector in one memcpy.
 * Strings are the bulk of a span, and the C API only offers one call per string; instead each
 * column's `duckdb_string_t` array is built in JS: strings of up to 12 bytes are inlined in the
 * 16-byte struct (DuckDB's own layout), longer ones are UTF-8 encoded back to back into one arena
 * that is handed to the vector's string heap as a single string; its address, read back from the
 * vector, plus each string's offset gives the pointers. The arena lives in the vector's heap until
 * the chunk is reset, after the appender has copied the chunk. Measured in bench/store against the
 * row appender (one native call per value, a BigInt per timestamp).
 *
 * The chunk takes the appender's own column types, so JSON columns receive JSON vectors (same
 * layout as VARCHAR) and DuckDB does not re-validate them in a cast. TextEncoder always produces
 * valid UTF-8 (Buffer#write turns lone surrogates into U+FFFD), which DuckDB requires of VARCHAR.
 *
 * Uses the raw @duckdb/node-bindings (the engine under @duckdb/node-api, same version) for vector
 * memory access, which the high-level API only offers per value.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

export type ColumnKind = 'varchar' | 'timestamp' | 'double' | 'integer';

export interface ColumnSpec<R> {
  kind: ColumnKind;
  /** Value of this column for a row; null/undefined writes NULL. Timestamps are epoch µs numbers. */
  get(row: R): string | number | null | undefined;
}

const TWO32 = 4294967296;
/** Strings up to this many bytes live inside the 16-byte duckdb_string_t. */
const INLINE_BYTES = 12;
/** Strings up to this many UTF-16 units are copied by a JS loop when ASCII; longer ones natively. */
const SHORT_UNITS = 48;

export class ChunkWriter<R> {
  private readonly size = duckdb.vector_size();
  /** One 16-byte slot per row: duckdb_string_t, int64 timestamps, doubles and int32s all fit. */
  private readonly slots = new ArrayBuffer(this.size * 16);
  private readonly u8 = new Uint8Array(this.slots);
  private readonly u32 = new Uint32Array(this.slots);
  private readonly i32 = new Int32Array(this.slots);
  private readonly f64 = new Float64Array(this.slots);
  private readonly validity = new Uint32Array(Math.ceil(this.size / 32));
  /** Byte offset in the arena of each row's out-of-line string, -1 when inlined. */
  private readonly offsets = new Int32Array(this.size);
  private arena = Buffer.allocUnsafe(1 << 16);

  private chunk: duckdb.DataChunk | null = null;

  constructor(private readonly columns: readonly ColumnSpec<R>[]) {}

  /**
   * Appends rows[from, to) to the appender, which must be on a table whose columns match `columns`.
   * Not reentrant: a writer serves one connection (its chunk and buffers are reused), and the chunk
   * takes the first appender's column types.
   */
  write(appender: DuckDBAppender, rows: readonly R[], from = 0, to = rows.length): void {
    if (to <= from) return;
    this.chunk ??= this.createChunk(appender);
    const chunk = this.chunk;
    for (let start = from; start < to; start += this.size) {
      const n = Math.min(this.size, to - start);
      duckdb.data_chunk_reset(chunk);
      duckdb.data_chunk_set_size(chunk, n);
      for (let c = 0; c < this.columns.length; c++)
        this.fillColumn(duckdb.data_chunk_get_vector(chunk, c), c, rows, start, n);
      duckdb.append_data_chunk((appender as unknown as { appender: duckdb.Appender }).appender, chunk);
    }
  }

  private createChunk(appender: DuckDBAppender): duckdb.DataChunk {
    const raw = (appender as unknown as { appender: duckdb.Appender }).appender;
    const count = duckdb.appender_column_count(raw);
    if (count !== this.columns.length)
      throw new Error(`chunk writer has ${this.columns.length} columns, the table has ${count}`);
    const types: duckdb.LogicalType[] = [];
    for (let c = 0; c < count; c++) types.push(duckdb.appender_column_type(raw, c));
    return duckdb.create_data_chunk(types);
  }

  private fillColumn(vec: duckdb.Vector, c: number, rows: readonly R[], start: number, n: number): void {
    const col = this.columns[c];
    const validity = this.validity;
    validity.fill(0xffffffff, 0, Math.ceil(n / 64) * 2);
    let nulls = false;
    let bytes: number;
    switch (col.kind) {
      case 'varchar': {
        nulls = this.fillStrings(vec, col, rows, start, n);
        bytes = n * 16;
        break;
      }
      default: {
        // Numbers: NULL (and a NaN double) write a zero under a cleared validity bit.
        const kind = col.kind;
        for (let i = 0; i < n; i++) {
          const v = col.get(rows[start + i]) as number | null | undefined;
          if (v == null || (kind === 'double' && Number.isNaN(v))) {
            validity[i >>> 5] &= ~(1 << (i & 31));
            nulls = true;
            this.putNumber(kind, i, 0);
          } else this.putNumber(kind, i, v);
        }
        bytes = n * (kind === 'integer' ? 4 : 8);
        break;
      }
    }
    duckdb.copy_data_to_vector(vec, 0, this.slots, 0, bytes);
    if (nulls) {
      duckdb.vector_ensure_validity_writable(vec);
      duckdb.copy_data_to_vector_validity(vec, 0, validity.buffer, 0, Math.ceil(n / 64) * 8);
    }
  }

  private putNumber(kind: ColumnKind, i: number, v: number): void {
    if (kind === 'double') this.f64[i] = v;
    else if (kind === 'integer') this.i32[i] = Math.round(v);
    else {
      // Timestamp: a little-endian int64 from a safe-integer double, low 32 bits then the signed high part.
      const us = Math.round(v);
      const hi = Math.floor(us / TWO32);
      this.i32[2 * i] = us - hi * TWO32;
      this.i32[2 * i + 1] = hi;
    }
  }

  /** Builds the column's duckdb_string_t array in `slots`; returns whether any value was NULL. */
  private fillStrings(vec: duckdb.Vector, col: ColumnSpec<R>, rows: readonly R[], start: number, n: number): boolean {
    const u8 = this.u8;
    const u32 = this.u32;
    const offsets = this.offsets;
    const validity = this.validity;
    let arena = this.arena;
    let pos = 0;
    let nulls = false;
    let outOfLine = false;
    // Low-cardinality columns (service, kind, model, agent, ...) often repeat the previous row's
    // value: its slot (and arena bytes) are reused instead of encoding it again.
    let prev: string | null = null;
    let prevRow = 0;
    for (let i = 0; i < n; i++) {
      const v = col.get(rows[start + i]) as string | null | undefined;
      const slot = i << 4;
      if (v === prev && v !== null) {
        const from = prevRow << 2;
        u32[i << 2] = u32[from];
        u32[(i << 2) + 1] = u32[from + 1];
        u32[(i << 2) + 2] = u32[from + 2];
        u32[(i << 2) + 3] = u32[from + 3];
        offsets[i] = offsets[prevRow];
        continue;
      }
      offsets[i] = -1;
      if (v == null) {
        validity[i >>> 5] &= ~(1 << (i & 31));
        nulls = true;
        u32[i << 2] = 0;
        u32[(i << 2) + 1] = 0;
        u32[(i << 2) + 2] = 0;
        u32[(i << 2) + 3] = 0;
        continue;
      }
      // UTF-8 is at most 3 bytes per UTF-16 unit: make sure the whole string fits.
      const units = v.length;
      if (pos + units * 3 > arena.length) {
        const grown = Buffer.allocUnsafe(Math.max(arena.length * 2, pos + units * 3));
        arena.copy(grown, 0, 0, pos);
        arena = this.arena = grown;
      }
      let len = 0;
      if (units <= SHORT_UNITS) {
        // Short strings (ids, names, enums) are nearly always ASCII: a JS loop beats a native call.
        for (; len < units; len++) {
          const ch = v.charCodeAt(len);
          if (ch > 0x7f) break;
          arena[pos + len] = ch;
        }
        if (len < units) len = arena.write(v, pos);
      } else len = arena.write(v, pos);
      u32[i << 2] = len;
      if (len <= INLINE_BYTES) {
        // Inlined: the bytes after the length, zero-padded (DuckDB compares all 12 bytes).
        u32[(i << 2) + 1] = 0;
        u32[(i << 2) + 2] = 0;
        u32[(i << 2) + 3] = 0;
        for (let k = 0; k < len; k++) u8[slot + 4 + k] = arena[pos + k];
      } else {
        // Out of line: a 4-byte prefix, then the pointer (filled in below).
        u8[slot + 4] = arena[pos];
        u8[slot + 5] = arena[pos + 1];
        u8[slot + 6] = arena[pos + 2];
        u8[slot + 7] = arena[pos + 3];
        offsets[i] = pos;
        pos += len;
        outOfLine = true;
      }
      prev = v;
      prevRow = i;
    }
    if (outOfLine) {
      // The arena becomes one string in the vector's heap (one copy); row 0's slot carries it only
      // until the string_t array below overwrites it, the heap keeps the bytes until reset.
      duckdb.vector_assign_string_element_len(vec, 0, arena.subarray(0, pos));
      const head = new Uint32Array(duckdb.vector_get_data(vec, 16).slice().buffer);
      const baseLo = head[2];
      const baseHi = head[3];
      for (let i = 0; i < n; i++) {
        const off = offsets[i];
        if (off < 0) continue;
        const lo = baseLo + off;
        u32[(i << 2) + 2] = lo >>> 0;
        u32[(i << 2) + 3] = lo >= TWO32 ? baseHi + 1 : baseHi;
      }
    }
    return nulls;
  }
}
