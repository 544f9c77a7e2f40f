/**
 * W3C Trace Context (`traceparent`) in and out, so a trace continues across services: an agent calling
 * a tool server over HTTP, or a queue consumer picking up a job.
 */
import { isValidSpanId, isValidTraceId } from '../internal/ids.js';
import { getActiveSpan } from './context.js';
import { VigilSpan } from './span.js';
import type { SpanLike } from './types.js';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** `00-<trace id>-<span id>-01` for the span (default the active one); undefined when there is none. */
export function traceparent(span: SpanLike | undefined = getActiveSpan()): string | undefined {
  if (!span || !isValidTraceId(span.traceId) || !isValidSpanId(span.spanId)) return undefined;
  // sampled flag: recorded spans (VigilSpan, ended or not) are sampled; non-recording ones are not
  return `00-${span.traceId}-${span.spanId}-${span instanceof VigilSpan ? '01' : '00'}`;
}

type HeaderBag = Record<string, string | string[] | undefined> | { get(name: string): string | null };

/** Adds `traceparent` for the active span to outgoing headers (a plain object or a Headers). */
export function injectTraceContext<H extends Record<string, string> | { set(name: string, value: string): void }>(
  headers: H,
  span?: SpanLike,
): H {
  const value = traceparent(span);
  if (value !== undefined) {
    if (typeof (headers as { set?: unknown }).set === 'function')
      (headers as { set(n: string, v: string): void }).set('traceparent', value);
    else (headers as Record<string, string>).traceparent = value;
  }
  return headers;
}

/** The remote parent in incoming headers, ready for `startSpan(name, { parent })`; undefined if absent or invalid. */
export function extractTraceContext(headers: HeaderBag): { traceId: string; spanId: string } | undefined {
  let raw: string | string[] | null | undefined;
  if (typeof (headers as { get?: unknown }).get === 'function')
    raw = (headers as { get(n: string): string | null }).get('traceparent');
  else raw = (headers as Record<string, string | string[] | undefined>).traceparent;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  if (!isValidTraceId(m[2]) || !isValidSpanId(m[3])) return undefined;
  return { traceId: m[2], spanId: m[3] };
}
