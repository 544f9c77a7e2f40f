/** Id conversions: OTLP ids are raw bytes on the wire, lowercase hex everywhere in Vigil. */

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

const HEX_CHARS = new TextEncoder().encode('0123456789abcdef');
const scratch = new Uint8Array(64);
const NodeBuffer = (globalThis as { Buffer?: { from(ab: ArrayBufferLike, off: number, len: number): unknown } }).Buffer;
/** Native latin1 slicing over the scratch buffer: one flat string instead of 16 concatenations. */
const scratchSlicer = NodeBuffer
  ? (NodeBuffer.from(scratch.buffer, 0, scratch.length) as { latin1Slice(s: number, e: number): string })
  : null;

export function bytesToHex(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (scratchSlicer === null || n > 32) {
    let s = '';
    for (let i = start; i < end; i++) s += HEX[buf[i]];
    return s;
  }
  for (let i = 0; i < n; i++) {
    const b = buf[start + i];
    scratch[2 * i] = HEX_CHARS[b >> 4];
    scratch[2 * i + 1] = HEX_CHARS[b & 15];
  }
  return scratchSlicer.latin1Slice(0, 2 * n);
}

export const ZERO_TRACE_ID = '0'.repeat(32);
export const ZERO_SPAN_ID = '0'.repeat(16);

const HEX_RE = /^[0-9a-fA-F]*$/;

/** Lowercases and checks a hex id of `chars` characters; null when it is not one. */
export function normalizeHexId(v: unknown, chars: number): string | null {
  if (typeof v !== 'string' || v.length !== chars || !HEX_RE.test(v)) return null;
  return v.toLowerCase();
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function bytesToBase64(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = (buf[i] << 16) | (buf[i + 1] << 8) | buf[i + 2];
    out += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i < end) {
    const n = (buf[i] << 16) | ((i + 1 < end ? buf[i + 1] : 0) << 8);
    out += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < end ? B64[(n >> 6) & 63] : '=') + '=';
  }
  return out;
}

const B64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes base64 (standard or URL-safe); null when the text is not base64. */
export function base64ToBytes(s: string): Uint8Array | null {
  if (!B64_RE.test(s)) return null;
  const std = s.replace(/-/g, '+').replace(/_/g, '/');
  try {
    return new Uint8Array(Buffer.from(std, 'base64'));
  } catch {
    return null;
  }
}

/**
 * obj[key] = value, except that "__proto__" becomes an own data property instead of replacing the
 * object's prototype: attribute keys come straight from the network.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
