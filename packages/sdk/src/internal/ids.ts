/**
 * Trace and span ids. Random bytes come from a pooled crypto buffer (one syscall per 512 ids) and are
 * turned into hex through a 256-entry table, which keeps id generation off the per-span profile.
 */
import { randomFillSync } from 'node:crypto';

/** Char codes of '0'..'9', 'a'..'f'. */
const HC = new Uint8Array(16);
for (let i = 0; i < 16; i++) HC[i] = '0123456789abcdef'.charCodeAt(i);

const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolPos = POOL_SIZE;

function take(bytes: number): number {
  if (poolPos + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolPos = 0;
  }
  const at = poolPos;
  poolPos += bytes;
  return at;
}

function allZero(at: number, bytes: number): boolean {
  for (let i = 0; i < bytes; i++) if (pool[at + i] !== 0) return false;
  return true;
}

// String.fromCharCode with all digits at once yields a flat string in one allocation: ~3x faster than
// concatenating pairs, and the encoder later reads it without flattening a rope.
function hex8(q: number): string {
  const x = pool;
  return String.fromCharCode(
    HC[x[q] >> 4],
    HC[x[q] & 15],
    HC[x[q + 1] >> 4],
    HC[x[q + 1] & 15],
    HC[x[q + 2] >> 4],
    HC[x[q + 2] & 15],
    HC[x[q + 3] >> 4],
    HC[x[q + 3] & 15],
    HC[x[q + 4] >> 4],
    HC[x[q + 4] & 15],
    HC[x[q + 5] >> 4],
    HC[x[q + 5] & 15],
    HC[x[q + 6] >> 4],
    HC[x[q + 6] & 15],
    HC[x[q + 7] >> 4],
    HC[x[q + 7] & 15],
  );
}

/** 32 lowercase hex chars (never all zero: invalid in W3C trace context and OTLP). */
export function newTraceId(): string {
  return newTraceRef().hex;
}

/** 16 lowercase hex chars. */
export function newSpanId(): string {
  let at = take(8);
  while (allZero(at, 8)) at = take(8);
  return hex8(at);
}

// ---- ids as 16-bit words ------------------------------------------------------------------------
// Spans keep their ids as small integers (V8 Smis: no allocation) and build hex strings only when
// asked; the protobuf encoder writes the bytes straight from the words.

export function wordsHex(a: number, b: number, c: number, d: number): string {
  return String.fromCharCode(
    HC[(a >> 12) & 15],
    HC[(a >> 8) & 15],
    HC[(a >> 4) & 15],
    HC[a & 15],
    HC[(b >> 12) & 15],
    HC[(b >> 8) & 15],
    HC[(b >> 4) & 15],
    HC[b & 15],
    HC[(c >> 12) & 15],
    HC[(c >> 8) & 15],
    HC[(c >> 4) & 15],
    HC[c & 15],
    HC[(d >> 12) & 15],
    HC[(d >> 8) & 15],
    HC[(d >> 4) & 15],
    HC[d & 15],
  );
}

/** A trace id shared by every span of the trace. */
export class TraceRef {
  private h: string | undefined = undefined;
  constructor(
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
    readonly w4: number,
    readonly w5: number,
    readonly w6: number,
    readonly w7: number,
  ) {}
  get hex(): string {
    if (this.h === undefined) {
      this.h = wordsHex(this.w0, this.w1, this.w2, this.w3) + wordsHex(this.w4, this.w5, this.w6, this.w7);
    }
    return this.h;
  }
}

export function newTraceRef(): TraceRef {
  let q = take(16);
  while (allZero(q, 16)) q = take(16);
  const x = pool;
  return new TraceRef(
    (x[q] << 8) | x[q + 1],
    (x[q + 2] << 8) | x[q + 3],
    (x[q + 4] << 8) | x[q + 5],
    (x[q + 6] << 8) | x[q + 7],
    (x[q + 8] << 8) | x[q + 9],
    (x[q + 10] << 8) | x[q + 11],
    (x[q + 12] << 8) | x[q + 13],
    (x[q + 14] << 8) | x[q + 15],
  );
}

/** Next random 16-bit word; callers reject an all-zero span id themselves. */
export function randomWord(): number {
  if (poolPos + 2 > POOL_SIZE) {
    randomFillSync(pool);
    poolPos = 0;
  }
  const v = (pool[poolPos] << 8) | pool[poolPos + 1];
  poolPos += 2;
  return v;
}

/** Parses `n` 16-bit words from a lowercase/uppercase hex string of 4n chars; undefined if invalid. */
export function hexWords(hex: string, n: number): number[] | undefined {
  if (typeof hex !== 'string' || hex.length !== 4 * n || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
  const out: number[] = [];
  let any = 0;
  for (let i = 0; i < n; i++) {
    const w = Number.parseInt(hex.slice(4 * i, 4 * i + 4), 16);
    any |= w;
    out.push(w);
  }
  return any === 0 ? undefined : out;
}

export function traceRefFromHex(hex: string): TraceRef | undefined {
  const w = hexWords(hex, 8);
  return w ? new TraceRef(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]) : undefined;
}

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const SPAN_ID_RE = /^[0-9a-f]{16}$/;

export function isValidTraceId(id: unknown): id is string {
  return typeof id === 'string' && TRACE_ID_RE.test(id) && id !== '00000000000000000000000000000000';
}

export function isValidSpanId(id: unknown): id is string {
  return typeof id === 'string' && SPAN_ID_RE.test(id) && id !== '0000000000000000';
}
