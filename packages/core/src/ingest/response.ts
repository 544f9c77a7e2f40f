/**
 * Export*ServiceResponse encoding. Field numbers from opentelemetry-proto collector/{trace,metrics,logs}/v1:
 * response.partial_success = 1; partial_success.rejected_{spans,data_points,log_records} = 1
 * (int64), error_message = 2. An empty response means full success.
 */
import type { OtlpFormat, OtlpSignal } from './types.js';

const JSON_FIELD: Record<OtlpSignal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

function varint(out: number[], v: number): void {
  let n = Math.max(0, Math.floor(v));
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

export function encodeOtlpResponse(
  signal: OtlpSignal,
  format: OtlpFormat,
  rejected: number,
  message: string | null,
): Uint8Array | string {
  const partial = rejected > 0 || (message !== null && message !== '');
  if (format === 'json') {
    if (!partial) return '{}';
    const ps: Record<string, unknown> = {};
    // OTLP/JSON writes int64 as a decimal string (proto3 JSON mapping).
    if (rejected > 0) ps[JSON_FIELD[signal]] = String(Math.floor(rejected));
    if (message) ps.errorMessage = message;
    return JSON.stringify({ partialSuccess: ps });
  }
  if (!partial) return new Uint8Array(0);
  const inner: number[] = [];
  if (rejected > 0) {
    inner.push(0x08); // field 1, varint
    varint(inner, rejected);
  }
  if (message) {
    const bytes = new TextEncoder().encode(message);
    inner.push(0x12); // field 2, length-delimited
    varint(inner, bytes.length);
    for (const b of bytes) inner.push(b);
  }
  const out: number[] = [0x0a]; // field 1 (partial_success), length-delimited
  varint(out, inner.length);
  const head = Uint8Array.from(out);
  const res = new Uint8Array(head.length + inner.length);
  res.set(head, 0);
  res.set(inner, head.length);
  return res;
}
