/**
 * A minimal protobuf writer tuned for OTLP export: one growable buffer, nested messages written in
 * place with a one-byte length placeholder that is widened (memmove) only when the message turns out
 * to be 128 bytes or longer. No schema objects, no per-field allocation.
 */
import type { TraceRef } from '../internal/ids.js';

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[97 + i] = 10 + i;
  HEX_VALUE[65 + i] = 10 + i;
}

const TWO_32 = 4294967296;
/** Strings longer than this go through Buffer's native UTF-8 encoder. */
const NATIVE_UTF8_MIN = 64;
/** Longer strings are rarely repeated verbatim; not worth caching. */
const MAX_CACHED_CHARS = 48;
/** Shorter strings encode faster than a Map lookup. */
const MIN_CACHED_CHARS = 12;

export class ProtoWriter {
  /** A plain Uint8Array (a Buffer's species-aware slice() would be slow), with a Buffer view for native UTF-8. */
  buf: Uint8Array;
  pos = 0;
  private view: DataView;
  private nodeBuf: Buffer;

  constructor(initialSize = 64 * 1024) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
    this.nodeBuf = Buffer.from(this.buf.buffer);
  }

  reset(): void {
    this.pos = 0;
  }

  /** What was written: a copy (safe to keep), or a view into the writer's buffer (valid until reset). */
  finish(copy = true): Uint8Array {
    return copy ? this.buf.slice(0, this.pos) : this.buf.subarray(0, this.pos);
  }

  /**
   * A length-prefixed string through a cache of its encoded bytes. For strings that repeat (attribute
   * keys, model names, span names) a copy of a few bytes replaces UTF-8 encoding.
   */
  cachedString(s: string, cache: Map<string, Uint8Array>, limit: number): void {
    if (s.length < MIN_CACHED_CHARS) {
      this.string(s);
      return;
    }
    const hit = cache.get(s);
    if (hit !== undefined) {
      this.small(hit);
      return;
    }
    const start = this.pos;
    this.string(s);
    if (s.length <= MAX_CACHED_CHARS) {
      if (cache.size >= limit) cache.clear(); // a crude generation: high-cardinality values cycle out
      cache.set(s, this.buf.slice(start, this.pos));
    }
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.nodeBuf = Buffer.from(next.buffer);
  }

  /** Tag byte(s): (field << 3) | wireType. Every OTLP field number used here is < 16, so one byte. */
  tag(field: number, wireType: number): void {
    this.ensure(1);
    this.buf[this.pos++] = (field << 3) | wireType;
  }

  /** Unsigned varint for 0 <= v < 2^53. */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    while (v >= 128) {
      b[p++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.pos = p;
  }

  /** int64 varint (two's complement for negatives: 10 bytes). */
  int64(v: number): void {
    if (v >= 0) {
      this.varint(v);
      return;
    }
    let hi = Math.floor(v / TWO_32);
    let lo = v - hi * TWO_32;
    hi = hi >>> 0;
    lo = lo >>> 0;
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    while (hi !== 0 || lo >= 128) {
      b[p++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    b[p++] = lo;
    this.pos = p;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  /** fixed64 of a non-negative integer < 2^53. */
  fixed64(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.view.setUint32(this.pos, v - hi * TWO_32, true);
    this.view.setUint32(this.pos + 4, hi, true);
    this.pos += 8;
  }

  /** Nanoseconds as fixed64 from epoch microseconds, exact (ns itself exceeds 2^53). */
  fixed64NanosFromUs(us: number): void {
    this.ensure(8);
    const usHi = Math.floor(us / TWO_32);
    const lowNs = (us - usHi * TWO_32) * 1000; // < 2^42: exact
    const carry = Math.floor(lowNs / TWO_32);
    this.view.setUint32(this.pos, lowNs - carry * TWO_32, true);
    this.view.setUint32(this.pos + 4, usHi * 1000 + carry, true);
    this.pos += 8;
  }

  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Starts a length-delimited value; returns the position of its one-byte length placeholder. */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends the value started by fork(start): writes its length, widening the prefix if needed. */
  join(start: number): void {
    const len = this.pos - start - 1;
    if (len < 128) {
      this.buf[start] = len;
      return;
    }
    const size = len < 16384 ? 2 : len < 2097152 ? 3 : len < 268435456 ? 4 : 5;
    this.ensure(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    let v = len;
    let p = start;
    while (v >= 128) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
  }

  /** A string's UTF-8 bytes with their length prefix. */
  string(s: string): void {
    const n = s.length;
    if (n >= NATIVE_UTF8_MIN) {
      const bytes = Buffer.byteLength(s, 'utf8');
      this.varint(bytes);
      this.ensure(bytes);
      this.pos += this.nodeBuf.write(s, this.pos, bytes, 'utf8');
      return;
    }
    // Short strings: a JS loop beats crossing into native code. Reserve the worst case (3 bytes/unit).
    this.ensure(n * 3 + 2);
    const b = this.buf;
    const start = this.pos;
    let p = start + 1;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) b[p++] = c;
      else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        b[p++] = 0xf0 | (c >> 18);
        b[p++] = 0x80 | ((c >> 12) & 63);
        b[p++] = 0x80 | ((c >> 6) & 63);
        b[p++] = 0x80 | (c & 63);
      } else {
        // lone surrogates become U+FFFD, as TextEncoder does
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 63);
        b[p++] = 0x80 | (c & 63);
      }
    }
    // n < 64 units → at most 189 bytes: the length prefix may need a second byte.
    const len = p - start - 1;
    if (len < 128) b[start] = len;
    else {
      b.copyWithin(start + 2, start + 1, p);
      b[start] = (len & 127) | 128;
      b[start + 1] = len >>> 7;
      p++;
    }
    this.pos = p;
  }

  /** A hex id (trace/span id) as its raw bytes with length prefix. */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.ensure(n + 1);
    const b = this.buf;
    let p = this.pos;
    b[p++] = n;
    for (let i = 0; i < n; i++) {
      const h = HEX_VALUE[hex.charCodeAt(2 * i) & 127];
      const l = HEX_VALUE[hex.charCodeAt(2 * i + 1) & 127];
      b[p++] = (h << 4) | l;
    }
    this.pos = p;
  }

  /** Copies a few bytes; a JS loop beats TypedArray.set() for short inputs. */
  small(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = bytes[i];
    this.pos = p;
  }

  /** A copy of the bytes written since `start`. */
  copyFrom(start: number): Uint8Array {
    return this.buf.slice(start, this.pos);
  }

  /** Id bytes (length prefix included) from 16-bit words. */
  words4(a: number, b: number, c: number, d: number): void {
    this.ensure(9);
    const x = this.buf;
    const p = this.pos;
    x[p] = 8;
    x[p + 1] = a >> 8;
    x[p + 2] = a & 255;
    x[p + 3] = b >> 8;
    x[p + 4] = b & 255;
    x[p + 5] = c >> 8;
    x[p + 6] = c & 255;
    x[p + 7] = d >> 8;
    x[p + 8] = d & 255;
    this.pos = p + 9;
  }

  /** A trace id's 16 bytes with length prefix. */
  traceId(t: TraceRef): void {
    this.ensure(17);
    const x = this.buf;
    const p = this.pos;
    x[p] = 16;
    x[p + 1] = t.w0 >> 8;
    x[p + 2] = t.w0 & 255;
    x[p + 3] = t.w1 >> 8;
    x[p + 4] = t.w1 & 255;
    x[p + 5] = t.w2 >> 8;
    x[p + 6] = t.w2 & 255;
    x[p + 7] = t.w3 >> 8;
    x[p + 8] = t.w3 & 255;
    x[p + 9] = t.w4 >> 8;
    x[p + 10] = t.w4 & 255;
    x[p + 11] = t.w5 >> 8;
    x[p + 12] = t.w5 & 255;
    x[p + 13] = t.w6 >> 8;
    x[p + 14] = t.w6 & 255;
    x[p + 15] = t.w7 >> 8;
    x[p + 16] = t.w7 & 255;
    this.pos = p + 17;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}
