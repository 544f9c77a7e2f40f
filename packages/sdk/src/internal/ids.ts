/**
 * Trace and span ids. Random bytes come from a pooled crypto buffer (one syscall per 512 ids) and are
 * turned into hex through a 256-entry table, which keeps id generation off the per-span profile.
 */
import { randomFillSync } from 'node:crypto';

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolPos = POOL_SIZE;

function hexFromPool(bytes: number): string {
  if (poolPos + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolPos = 0;
  }
  let out = '';
  let allZero = true;
  for (let i = 0; i < bytes; i++) {
    const b = pool[poolPos++];
    if (b !== 0) allZero = false;
    out += HEX[b];
  }
  // An all-zero id is invalid in W3C trace context and OTLP; astronomically rare, but never emit one.
  return allZero ? hexFromPool(bytes) : out;
}

/** 32 lowercase hex chars. */
export function newTraceId(): string {
  return hexFromPool(16);
}

/** 16 lowercase hex chars. */
export function newSpanId(): string {
  return hexFromPool(8);
}

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const SPAN_ID_RE = /^[0-9a-f]{16}$/;

export function isValidTraceId(id: unknown): id is string {
  return typeof id === 'string' && TRACE_ID_RE.test(id) && id !== '00000000000000000000000000000000';
}

export function isValidSpanId(id: unknown): id is string {
  return typeof id === 'string' && SPAN_ID_RE.test(id) && id !== '0000000000000000';
}
