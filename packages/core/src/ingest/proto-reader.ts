/**
 * A minimal protobuf wire-format reader for the OTLP hot path. Hand-rolled instead of a generated
 * codec because decoding is most of ingest's CPU: no intermediate message objects, 64-bit values
 * read straight into JS numbers, and strings decoded only when a field is actually kept.
 * Every bounds violation throws an IngestError naming the byte offset, never a RangeError.
 */
import { IngestError } from './types.js';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8', { fatal: false });

/** Keys longer than this are decoded each time (they are rarely repeated attribute names). */
const MAX_INTERNED_KEY = 64;
/** A fixed 4096-slot table (hash → last key seen there): bounded memory, collisions just evict. */
const KEY_CACHE: (string | undefined)[] = new Array(4096).fill(undefined);
/** The bytes of each cached key: comparing bytes to bytes avoids charCodeAt on a (possibly thin) string. */
const KEY_BYTES: Uint8Array[] = new Array(4096).fill(new Uint8Array(0));
/**
 * A small integer per cached key that a consumer can compute once per distinct key (the convention
 * mapper stores which column a key feeds). KEY_TAG_UNSET until someone sets it; reset on eviction.
 */
export const KEY_TAG_UNSET = -1;
export const KEY_TAGS = new Int32Array(4096).fill(KEY_TAG_UNSET);

/** Short attribute values repeat too ("openai", "chat", "GET"): a second, value-only cache. */
const MAX_INTERNED_VALUE = 24;
const VALUE_CACHE: string[] = new Array(4096).fill('');

/** Node's Buffer has native latin1/utf8 slicing, several times faster than TextDecoder on short strings. */
interface NodeSlicer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
const NodeBuffer = (globalThis as { Buffer?: { from(ab: ArrayBufferLike, off: number, len: number): unknown } }).Buffer;

export class ProtoReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;
  /** Strings that were not valid UTF-8 (decoded with U+FFFD). */
  invalidUtf8 = 0;

  private readonly node: NodeSlicer | null;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.node = NodeBuffer ? (NodeBuffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as NodeSlicer) : null;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(what: string, at = this.pos): never {
    throw new IngestError(`invalid protobuf: ${what} at byte ${at}`);
  }

  /** Varint truncated to its low 32 bits, unsigned (tags, lengths, enums, bools). */
  uint32(): number {
    const buf = this.buf;
    const len = buf.length;
    let pos = this.pos;
    if (pos >= len) this.fail('truncated varint');
    let b = buf[pos++];
    let v = b & 0x7f;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    for (let shift = 7; shift < 35; shift += 7) {
      if (pos >= len) this.fail('truncated varint', this.pos);
      b = buf[pos++];
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
    }
    // Bytes 6..10 only carry bits above 32: skip them but still enforce the 10-byte maximum.
    for (let i = 5; i < 10; i++) {
      if (pos >= len) this.fail('truncated varint', this.pos);
      if (buf[pos++] < 0x80) {
        this.pos = pos;
        return v >>> 0;
      }
    }
    this.fail('varint longer than 10 bytes', this.pos);
  }

  /** Full 64-bit varint as two 32-bit halves; returns the high half, low half in `lo64`. */
  private lo64 = 0;
  private varint64(): number {
    const buf = this.buf;
    const len = buf.length;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= len) this.fail('truncated varint', start);
      b = buf[pos++];
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) {
        this.pos = pos;
        this.lo64 = lo >>> 0;
        return hi >>> 0;
      }
    }
    this.fail('varint longer than 10 bytes', start);
  }

  /** int64 / uint64 varint as a number (exact up to 2^53). */
  int64(): number {
    const hi = this.varint64();
    const lo = this.lo64;
    if (hi & 0x80000000) {
      // Two's complement negative: -(~v + 1).
      const nlo = ~lo >>> 0;
      const nhi = ~hi >>> 0;
      return -(nhi * 4294967296 + nlo + 1);
    }
    return hi * 4294967296 + lo;
  }

  uint64(): number {
    const hi = this.varint64();
    return hi * 4294967296 + this.lo64;
  }

  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  private need(n: number): number {
    const p = this.pos;
    if (p + n > this.buf.length) this.fail(`truncated ${n}-byte field`);
    this.pos = p + n;
    return p;
  }

  /** fixed64 nanoseconds since the epoch → microseconds, exact (no BigInt, no 2^53 rounding). */
  fixed64NanosToMicros(): number {
    const p = this.need(8);
    const lo = this.view.getUint32(p, true);
    const hi = this.view.getUint32(p + 4, true);
    // hi * 2^32 = hi * 4294967 * 1000 + hi * 296
    return hi * 4294967 + Math.floor((hi * 296 + lo) / 1000);
  }

  fixed64(): number {
    const p = this.need(8);
    return this.view.getUint32(p + 4, true) * 4294967296 + this.view.getUint32(p, true);
  }

  sfixed64(): number {
    const p = this.need(8);
    const lo = this.view.getUint32(p, true);
    const hi = this.view.getInt32(p + 4, true);
    return hi * 4294967296 + lo;
  }

  double(): number {
    const p = this.need(8);
    return this.view.getFloat64(p, true);
  }

  fixed32(): number {
    const p = this.need(4);
    return this.view.getUint32(p, true);
  }

  /** Reads a length prefix; returns the end offset of the payload (pos is at its start). */
  lenEnd(limit: number): number {
    const at = this.pos;
    const n = this.uint32();
    // uint32() returns < 2^32; lengths ≥ 2^31 can never fit a JS buffer anyway.
    const end = this.pos + n;
    if (n > 0x7fffffff || end > limit) this.fail(`length ${n} exceeds the enclosing message`, at);
    return end;
  }

  /** Skips a field of the given wire type, bounded by `limit`. */
  skip(wireType: number, limit: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.uint32();
        break;
      case WIRE_I64:
        this.need(8);
        break;
      case WIRE_LEN:
        this.pos = this.lenEnd(limit);
        break;
      case WIRE_I32:
        this.need(4);
        break;
      default:
        this.fail(`unsupported wire type ${wireType}`, this.pos - 1);
    }
    if (this.pos > limit) this.fail('field overruns its message');
  }

  /** UTF-8 string in [start, end). ASCII fast path; invalid UTF-8 becomes U+FFFD and is counted. */
  string(start: number, end: number): string {
    const buf = this.buf;
    if (start === end) return '';
    // Long strings (prompts, completions): native UTF-8 decoding beats any byte loop in JS.
    if (end - start > 24) return this.utf8(start, end);
    for (let i = start; i < end; i++) {
      if (buf[i] >= 0x80) return this.utf8(start, end);
    }
    if (this.node !== null) return this.node.latin1Slice(start, end);
    return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  }

  /**
   * An attribute key: the same few hundred keys arrive millions of times, so ASCII keys are
   * interned through a hash-checked cache. Besides saving the allocation, a cached key is already
   * an internalized string, which makes the property store that follows cheaper.
   */
  key(start: number, end: number): string {
    const buf = this.buf;
    const n = end - start;
    this.keySlot = -1;
    if (n === 0 || n > MAX_INTERNED_KEY) return this.string(start, end);
    // Slot from the length and four sampled bytes: O(1) instead of hashing every byte; the byte compare
    // below verifies, and a collision only costs a fresh decode.
    const slot =
      (n * 131 + buf[start] * 31 + buf[end - 1] * 17 + buf[start + (n >> 1)] * 7 + buf[start + (n >> 2)]) & 4095;
    const bytes = KEY_BYTES[slot];
    if (bytes.length === n) {
      let i = 0;
      while (i < n && bytes[i] === buf[start + i]) i++;
      if (i === n) {
        this.keySlot = slot;
        return KEY_CACHE[slot] as string;
      }
    }
    for (let i = start; i < end; i++) if (buf[i] >= 0x80) return this.utf8(start, end);
    const s = this.node !== null ? this.node.latin1Slice(start, end) : this.string(start, end);
    KEY_CACHE[slot] = s;
    // A copy, never a view: Node Buffers' slice() aliases the request body, which gets reused.
    KEY_BYTES[slot] = new Uint8Array(buf.subarray(start, end));
    KEY_TAGS[slot] = KEY_TAG_UNSET;
    this.keySlot = slot;
    return s;
  }

  /** Cache slot of the key last returned by key(), or -1 when it was not cached. */
  keySlot = -1;

  /**
   * A short string value, through a cache of recent values (compared by char code: these strings
   * never become property keys, so they stay flat). Long or non-ASCII values decode normally.
   */
  value(start: number, end: number): string {
    const buf = this.buf;
    const n = end - start;
    if (n === 0 || n > MAX_INTERNED_VALUE) return this.string(start, end);
    const slot =
      (n * 131 + buf[start] * 31 + buf[end - 1] * 17 + buf[start + (n >> 1)] * 7 + buf[start + (n >> 2)]) & 4095;
    const hit = VALUE_CACHE[slot];
    if (hit.length === n) {
      let i = 0;
      while (i < n && hit.charCodeAt(i) === buf[start + i]) i++;
      if (i === n) return hit;
    }
    for (let i = start; i < end; i++) if (buf[i] >= 0x80) return this.utf8(start, end);
    const s = this.node !== null ? this.node.latin1Slice(start, end) : this.string(start, end);
    VALUE_CACHE[slot] = s;
    return s;
  }

  /** Reads a length-delimited attribute key (pos at its length prefix). */
  readKey(limit: number): string {
    const end = this.lenEnd(limit);
    const s = this.key(this.pos, end);
    this.pos = end;
    return s;
  }

  private utf8(start: number, end: number): string {
    if (this.node !== null) {
      const s = this.node.utf8Slice(start, end);
      // utf8Slice replaces invalid sequences silently: only a U+FFFD in the output needs the strict check.
      if (s.indexOf('\ufffd') === -1) return s;
    }
    const bytes = this.buf.subarray(start, end);
    try {
      return fatalUtf8.decode(bytes);
    } catch {
      this.invalidUtf8++;
      return lenientUtf8.decode(bytes);
    }
  }

  /** Reads a length-delimited string field (pos at its length prefix). */
  readString(limit: number): string {
    const end = this.lenEnd(limit);
    const s = this.string(this.pos, end);
    this.pos = end;
    return s;
  }
}
