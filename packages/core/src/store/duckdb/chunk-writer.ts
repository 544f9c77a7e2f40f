/**
 * Column-major bulk writing: the ingest hot path, in two halves.
 *
 * `ChunkEncoder` turns rows into chunk images: for each run of up to 2,048 rows (DuckDB's vector
 * size), every column's bytes exactly as a DuckDB vector holds them. Numbers and timestamps are
 * little-endian arrays; strings are DuckDB's own 16-byte `duckdb_string_t`: up to 12 bytes inlined,
 * longer ones UTF-8 encoded back to back into one arena per column, the slot carrying the string's
 * arena offset where the pointer will go. The images are what the ingest log stores
 * (ingest-log.ts): a byte-exact, self-describing serialisation that costs nothing extra to make.
 *
 * `ChunkLoader` copies images into a data chunk and hands it to an appender: a constant number of
 * native calls per column per 2,048 rows (one memcpy for the values, one for the arena, which
 * becomes a single string in the vector's heap; its address plus each offset gives the pointers).
 * The arena lives in the vector's heap until the chunk is reset, after the appender copied it.
 *
 * The chunk takes the appender's own column types, so JSON columns receive JSON vectors (same
 * layout as VARCHAR) and DuckDB does not re-validate them in a cast. The encoder always produces
 * valid UTF-8 (Buffer#write turns lone surrogates into U+FFFD), which DuckDB requires of VARCHAR.
 *
 * Uses the raw @duckdb/node-bindings (the engine under @duckdb/node-api, same version) for vector
 * memory access, which the high-level API only offers per value.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

/** Column types; 'timestamp' (epoch µs) and 'bigint' are both little-endian int64 from a safe integer. */
export type ColumnKind = 'varchar' | 'timestamp' | 'bigint' | 'double' | 'integer';

export interface ColumnSpec<R> {
  /** The table column's name (error messages). */
  name?: string;
  kind: ColumnKind;
  /** The column is NOT NULL: a null is refused when encoding, before the rows can be acknowledged. */
  notNull?: boolean;
  /** Value of this column for a row; null/undefined writes NULL. Timestamps are epoch µs numbers. */
  get(row: R): string | number | null | undefined;
}

/** Rows per chunk image: DuckDB's vector size. */
export const CHUNK_ROWS = duckdb.vector_size();

const TWO32 = 4294967296;
/** Strings up to this many bytes live inside the 16-byte duckdb_string_t. */
const INLINE_BYTES = 12;
/** Strings up to this many UTF-16 units are copied by a JS loop when ASCII; longer ones natively. */
const SHORT_UNITS = 48;
/** Image header: table id, rows, columns, total bytes (u32 each). */
const HEADER_BYTES = 16;
/** Column header: flags, arena bytes. */
const COLUMN_HEADER_BYTES = 8;
const HAS_NULLS = 1;
const IMAGE_MAGIC = 0x56430000; // 'VC' in the high half, the table id in the low half

const width = (kind: ColumnKind) => (kind === 'varchar' ? 16 : kind === 'integer' ? 4 : 8);
const pad8 = (n: number) => (n + 7) & ~7;
const validityBytes = (rows: number) => Math.ceil(rows / 64) * 8;

/** A chunk image's table id and rows, read from its header. */
export interface ImageInfo {
  table: number;
  rows: number;
  columns: number;
  /** Bytes of the whole image (the next one starts there). */
  bytes: number;
}

export function readImageHeader(buf: Buffer, at: number): ImageInfo {
  if (at + HEADER_BYTES > buf.length) throw new Error('chunk image: truncated header');
  const magic = buf.readUInt32LE(at);
  if ((magic & 0xffff0000) >>> 0 !== IMAGE_MAGIC) throw new Error('chunk image: bad magic');
  const info = {
    table: magic & 0xffff,
    rows: buf.readUInt32LE(at + 4),
    columns: buf.readUInt32LE(at + 8),
    bytes: buf.readUInt32LE(at + 12),
  };
  if (info.rows > CHUNK_ROWS || at + info.bytes > buf.length || info.bytes < HEADER_BYTES)
    throw new Error('chunk image: bad size');
  return info;
}

/** A table as the encoder sees it: its id in chunk images and its columns. */
export interface TableSpec<R> {
  id: number;
  columns: readonly ColumnSpec<R>[];
}

/**
 * Encodes rows into chunk images appended to one growing output buffer, whatever their tables:
 * a group commit's images of every table come out of one take(), in one copy.
 */
export class ChunkEncoder {
  /** Output and typed views of it (its own ArrayBuffer; every section is 8-byte aligned). */
  private out = Buffer.allocUnsafeSlow(1 << 20);
  private u32 = new Uint32Array(this.out.buffer);
  private i32 = new Int32Array(this.out.buffer);
  private f64 = new Float64Array(this.out.buffer);
  private len = 0;
  private arena = Buffer.allocUnsafeSlow(1 << 16);

  /** Appends images of rows[from, to) of `table` to the output. */
  add<R>(table: TableSpec<R>, rows: readonly R[], from = 0, to = rows.length): void {
    for (let start = from; start < to; start += CHUNK_ROWS)
      this.encodeChunk(table, rows, start, Math.min(CHUNK_ROWS, to - start));
  }

  /** The images added since the last take, as one buffer of their own; the encoder starts afresh. */
  take(): Buffer {
    return Buffer.from(this.takeArrayBuffer());
  }

  /** As take, in an ArrayBuffer of exactly their size (transferable to another thread). */
  takeArrayBuffer(): ArrayBuffer {
    const ab = new ArrayBuffer(this.len);
    new Uint8Array(ab).set(this.out.subarray(0, this.len));
    this.len = 0;
    return ab;
  }

  /** Drops the images added since the last take (after an encoding error). */
  reset(): void {
    this.len = 0;
  }

  private reserve(bytes: number): void {
    if (this.len + bytes <= this.out.length) return;
    const grown = Buffer.allocUnsafeSlow(pad8(Math.max(this.out.length * 2, this.len + bytes)));
    this.out.copy(grown, 0, 0, this.len);
    this.out = grown;
    this.u32 = new Uint32Array(grown.buffer);
    this.i32 = new Int32Array(grown.buffer);
    this.f64 = new Float64Array(grown.buffer);
  }

  private encodeChunk<R>(table: TableSpec<R>, rows: readonly R[], start: number, n: number): void {
    const begin = this.len;
    const columns = table.columns;
    this.reserve(HEADER_BYTES);
    this.len += HEADER_BYTES;
    for (let c = 0; c < columns.length; c++) this.encodeColumn(columns[c], rows, start, n);
    const u32 = this.u32;
    u32[begin >>> 2] = (IMAGE_MAGIC | table.id) >>> 0;
    u32[(begin >>> 2) + 1] = n;
    u32[(begin >>> 2) + 2] = columns.length;
    u32[(begin >>> 2) + 3] = this.len - begin;
  }

  private encodeColumn<R>(col: ColumnSpec<R>, rows: readonly R[], start: number, n: number): void {
    const dataBytes = pad8(n * width(col.kind));
    const vBytes = validityBytes(n);
    // Header, values and validity; the arena (strings) is reserved once its size is known.
    this.reserve(COLUMN_HEADER_BYTES + dataBytes + vBytes);
    const head = this.len;
    const data = head + COLUMN_HEADER_BYTES;
    const validity = data + dataBytes;
    this.out.fill(0xff, validity, validity + vBytes);
    let nulls: boolean;
    let arenaBytes = 0;
    if (col.kind === 'varchar') {
      const r = this.encodeStrings(col, rows, start, n, data, validity);
      nulls = r.nulls;
      arenaBytes = r.arenaBytes;
    } else nulls = this.encodeNumbers(col, rows, start, n, data, validity);
    this.u32[head >>> 2] = nulls ? HAS_NULLS : 0;
    this.u32[(head >>> 2) + 1] = arenaBytes;
    this.len = validity + vBytes;
    if (arenaBytes > 0) {
      this.reserve(pad8(arenaBytes));
      this.arena.copy(this.out, this.len, 0, arenaBytes);
      this.len += pad8(arenaBytes);
    }
  }

  private clearValid(validity: number, i: number): void {
    const at = validity + (i >>> 3);
    this.out[at] &= ~(1 << (i & 7));
  }

  private encodeNumbers<R>(
    col: ColumnSpec<R>,
    rows: readonly R[],
    start: number,
    n: number,
    data: number,
    validity: number,
  ): boolean {
    const { i32, f64 } = this;
    const kind = col.kind;
    const w4 = data >>> 2;
    const w8 = data >>> 3;
    let nulls = false;
    for (let i = 0; i < n; i++) {
      let v = col.get(rows[start + i]) as number | null | undefined;
      // NULL (and a NaN double) write a zero under a cleared validity bit.
      if (v == null || (kind === 'double' && Number.isNaN(v))) {
        if (col.notNull) throw nullError(col);
        this.clearValid(validity, i);
        nulls = true;
        v = 0;
      }
      if (kind === 'double') f64[w8 + i] = v;
      else if (kind === 'integer') i32[w4 + i] = Math.round(v);
      else {
        // Timestamp or bigint: a little-endian int64 from a safe-integer double, low 32 bits then the signed high part.
        const us = Math.round(v);
        const hi = Math.floor(us / TWO32);
        i32[w4 + 2 * i] = us - hi * TWO32;
        i32[w4 + 2 * i + 1] = hi;
      }
    }
    return nulls;
  }

  /** Builds the column's duckdb_string_t array at `data` (offsets for pointers) and its arena. */
  private encodeStrings<R>(
    col: ColumnSpec<R>,
    rows: readonly R[],
    start: number,
    n: number,
    data: number,
    validity: number,
  ): { nulls: boolean; arenaBytes: number } {
    const out = this.out;
    const u32 = this.u32;
    let arena = this.arena;
    let pos = 0;
    let nulls = false;
    // Low-cardinality columns (service, kind, model, agent, ...) often repeat the previous row's
    // value: its slot (and arena bytes) are reused instead of encoding it again.
    let prev: string | null = null;
    let prevSlot = 0;
    for (let i = 0; i < n; i++) {
      const v = col.get(rows[start + i]) as string | null | undefined;
      const slot = data + (i << 4);
      const w = slot >>> 2;
      if (v === prev && v !== null) {
        const from = prevSlot >>> 2;
        u32[w] = u32[from];
        u32[w + 1] = u32[from + 1];
        u32[w + 2] = u32[from + 2];
        u32[w + 3] = u32[from + 3];
        continue;
      }
      if (v == null) {
        if (col.notNull) throw nullError(col);
        this.clearValid(validity, i);
        nulls = true;
        u32[w] = 0;
        u32[w + 1] = 0;
        u32[w + 2] = 0;
        u32[w + 3] = 0;
        continue;
      }
      // UTF-8 is at most 3 bytes per UTF-16 unit: make sure the whole string fits.
      const units = v.length;
      if (pos + units * 3 > arena.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(arena.length * 2, pos + units * 3));
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
      u32[w] = len;
      if (len <= INLINE_BYTES) {
        // Inlined: the bytes after the length, zero-padded (DuckDB compares all 12 bytes).
        u32[w + 1] = 0;
        u32[w + 2] = 0;
        u32[w + 3] = 0;
        for (let k = 0; k < len; k++) out[slot + 4 + k] = arena[pos + k];
      } else {
        // Out of line: a 4-byte prefix, then the arena offset where the pointer goes (loader).
        out[slot + 4] = arena[pos];
        out[slot + 5] = arena[pos + 1];
        out[slot + 6] = arena[pos + 2];
        out[slot + 7] = arena[pos + 3];
        u32[w + 2] = pos;
        u32[w + 3] = 0;
        pos += len;
      }
      prev = v;
      prevSlot = slot;
    }
    return { nulls, arenaBytes: pos };
  }
}

function nullError(col: ColumnSpec<unknown>): Error {
  return new Error(`NOT NULL constraint failed: column ${col.name ?? '(unnamed)'} has no value`);
}

/** Copies chunk images of one table into data chunks (see the file comment). */
export class ChunkLoader {
  private chunk: duckdb.DataChunk | null = null;
  private readonly kinds: ColumnKind[];
  /** Scratch for a string column's slots while their offsets become pointers. */
  private readonly slots = new Uint32Array(CHUNK_ROWS * 4);
  /** The chunk being filled (begin … finish) and the rows put in it so far. */
  private target: duckdb.DataChunk | null = null;
  private rows = 0;
  /** Per column: the chunk's validity bits, and whether an image with nulls came into it (else all valid). */
  private readonly validity: Uint8Array[];
  private readonly hasNulls: boolean[];

  constructor(columns: readonly { kind: ColumnKind }[]) {
    this.kinds = columns.map((c) => c.kind);
    this.validity = this.kinds.map(() => new Uint8Array(validityBytes(CHUNK_ROWS)));
    this.hasNulls = this.kinds.map(() => false);
  }

  /** Appends the image at buf[at..] (its table checked by the caller, who may pass its header); returns its size in bytes. */
  load(appender: DuckDBAppender, buf: Buffer, at: number, info = readImageHeader(buf, at)): number {
    const raw = rawAppender(appender);
    this.chunk ??= this.createChunk(appender);
    this.begin(this.chunk);
    const bytes = this.add(buf, at, info);
    this.finish();
    duckdb.append_data_chunk(raw, this.chunk);
    return bytes;
  }

  /** Starts filling `chunk`, whose columns have the table's types: add images, then finish. */
  begin(chunk: duckdb.DataChunk): void {
    duckdb.data_chunk_reset(chunk);
    this.target = chunk;
    this.rows = 0;
    this.hasNulls.fill(false);
  }

  /** Rows the chunk being filled can still take. */
  get room(): number {
    return CHUNK_ROWS - this.rows;
  }

  /**
   * Adds rows [from, to) of the image at buf[at..] (all of them by default) after the rows already
   * in the chunk (at most `room`); returns the image's size in bytes. Data and string bytes are
   * copied into the chunk's vectors, so `buf` may be reused at once.
   */
  add(buf: Buffer, at: number, info = readImageHeader(buf, at), from = 0, to = info.rows): number {
    const chunk = this.target;
    if (!chunk) throw new Error('ChunkLoader.add outside begin … finish');
    if (info.columns !== this.kinds.length)
      throw new Error(`chunk image has ${info.columns} columns, the table has ${this.kinds.length}`);
    if (!(from >= 0 && from < to && to <= info.rows))
      throw new RangeError(`rows ${from}..${to} of an image of ${info.rows}`);
    const n = info.rows;
    const count = to - from;
    if (count > this.room) throw new RangeError(`${count} rows into a chunk with room for ${this.room}`);
    const dest = this.rows;
    const ab = buf.buffer as ArrayBuffer;
    let p = at + HEADER_BYTES;
    for (let c = 0; c < this.kinds.length; c++) {
      const kind = this.kinds[c];
      const flags = buf.readUInt32LE(p);
      const arenaBytes = buf.readUInt32LE(p + 4);
      const data = p + COLUMN_HEADER_BYTES;
      const w = width(kind);
      const validity = data + pad8(n * w);
      const arena = validity + validityBytes(n);
      p = arena + pad8(arenaBytes);
      if (p > at + info.bytes) throw new Error('chunk image: column past its end');
      const vec = duckdb.data_chunk_get_vector(chunk, c);
      const first = data + from * w;
      if (kind === 'varchar' && arenaBytes > 0) this.loadStrings(vec, dest, buf, first, count, arena, arenaBytes);
      else duckdb.copy_data_to_vector(vec, dest * w, ab, buf.byteOffset + first, count * w);
      if (flags & HAS_NULLS) this.addValidity(c, buf, validity, from, dest, count);
    }
    this.rows += count;
    return info.bytes;
  }

  /** Ends the chunk: sets its size and validity; returns its rows. */
  finish(): number {
    const chunk = this.target;
    if (!chunk) throw new Error('ChunkLoader.finish without begin');
    duckdb.data_chunk_set_size(chunk, this.rows);
    for (let c = 0; c < this.kinds.length; c++) {
      if (!this.hasNulls[c]) continue;
      const bits = this.validity[c];
      const vec = duckdb.data_chunk_get_vector(chunk, c);
      duckdb.vector_ensure_validity_writable(vec);
      duckdb.copy_data_to_vector_validity(
        vec,
        0,
        bits.buffer as ArrayBuffer,
        bits.byteOffset,
        validityBytes(this.rows),
      );
    }
    this.target = null;
    return this.rows;
  }

  /** Copies validity bits of image rows [from, from + count) to the chunk's rows from `dest` on. */
  private addValidity(c: number, buf: Buffer, validity: number, from: number, dest: number, count: number): void {
    const bits = this.validity[c];
    if (!this.hasNulls[c]) {
      // Rows before this image had no nulls in this column.
      bits.fill(0xff);
      this.hasNulls[c] = true;
    }
    let i = 0;
    if ((from & 7) === 0 && (dest & 7) === 0) {
      // Byte-aligned (whole images of 512 spans are): whole bytes at once.
      const bytes = count >> 3;
      bits.set(buf.subarray(validity + (from >> 3), validity + (from >> 3) + bytes), dest >> 3);
      i = bytes << 3;
    }
    for (; i < count; i++) {
      const src = from + i;
      const dst = dest + i;
      if (buf[validity + (src >> 3)] & (1 << (src & 7))) bits[dst >> 3] |= 1 << (dst & 7);
      else bits[dst >> 3] &= ~(1 << (dst & 7));
    }
  }

  private loadStrings(
    vec: duckdb.Vector,
    dest: number,
    buf: Buffer,
    data: number,
    n: number,
    arena: number,
    arenaBytes: number,
  ): void {
    // The arena becomes one string in the vector's heap (one copy), assigned to row 0 to learn
    // where it went: vector_get_data copies the bytes it returns, so only a 16-byte slot is read.
    // Row 0 of a chunk that already holds rows is put back; the heap keeps every arena until reset.
    const keep = dest > 0 ? duckdb.vector_get_data(vec, 16) : null;
    duckdb.vector_assign_string_element_len(vec, 0, buf.subarray(arena, arena + arenaBytes));
    const head = new Uint32Array(4);
    new Uint8Array(head.buffer).set(duckdb.vector_get_data(vec, 16));
    if (keep) duckdb.copy_data_to_vector(vec, 0, keep.buffer as ArrayBuffer, keep.byteOffset, 16);
    const slot = dest * 16;
    const baseLo = head[2];
    const baseHi = head[3];
    const u32 = this.slots;
    new Uint8Array(u32.buffer).set(buf.subarray(data, data + n * 16));
    for (let i = 0; i < n; i++) {
      const q = i << 2;
      if (u32[q] <= INLINE_BYTES) continue;
      const lo = baseLo + u32[q + 2];
      u32[q + 2] = lo >>> 0;
      u32[q + 3] = lo >= TWO32 ? baseHi + 1 : baseHi;
    }
    duckdb.copy_data_to_vector(vec, slot, u32.buffer, 0, n * 16);
  }

  private createChunk(appender: DuckDBAppender): duckdb.DataChunk {
    const types = columnTypes(appender);
    if (types.length !== this.kinds.length)
      throw new Error(`chunk writer has ${this.kinds.length} columns, the table has ${types.length}`);
    return duckdb.create_data_chunk(types);
  }
}

/**
 * The column types of an appender's table, as DuckDB has them: JSON columns stay JSON, so chunks
 * of these types are neither cast nor re-validated.
 */
export function columnTypes(appender: DuckDBAppender): duckdb.LogicalType[] {
  const raw = rawAppender(appender);
  const types: duckdb.LogicalType[] = [];
  for (let c = 0; c < duckdb.appender_column_count(raw); c++) types.push(duckdb.appender_column_type(raw, c));
  return types;
}

/** Rows straight into an appender (encode, then load): bulk loads and benchmarks. */
export class ChunkWriter<R> {
  private readonly encoder = new ChunkEncoder();
  private readonly table: TableSpec<R>;
  private readonly loader: ChunkLoader;

  constructor(columns: readonly ColumnSpec<R>[]) {
    this.table = { id: 0, columns };
    this.loader = new ChunkLoader(columns);
  }

  /** Appends rows[from, to) to the appender, whose table's columns must match. Not reentrant. */
  write(appender: DuckDBAppender, rows: readonly R[], from = 0, to = rows.length): void {
    if (to <= from) return;
    this.encoder.add(this.table, rows, from, to);
    const images = this.encoder.take();
    for (let at = 0; at < images.length; ) at += this.loader.load(appender, images, at);
  }
}

/** The node-bindings appender under a node-api one (its vector-level calls need it). */
export const rawAppender = (a: DuckDBAppender) => (a as unknown as { appender: duckdb.Appender }).appender;
