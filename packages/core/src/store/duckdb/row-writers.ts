/**
 * Row writers: put normalised records into DuckDB appenders, value by value in table column order
 * (see migrations.ts). This is the ingest hot path. bench/store compares it with column-major data
 * chunks (bench/lib/chunk-writer.ts), which measured no faster: strings, the bulk of a span, need
 * one native call each either way, and a chunk's strings are copied twice.
 */
import { type DuckDBAppender, DuckDBTimestampValue } from '@duckdb/node-api';
import type {
  AgentRunStart,
  Attributes,
  LogRecord,
  MetricPoint,
  SpanEvent,
  SpanRecord,
} from '../../model/telemetry.js';

export function ts(us: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.round(us)));
}

function str(a: DuckDBAppender, v: string | null | undefined): void {
  if (v == null) a.appendNull();
  else a.appendVarchar(v);
}

function int(a: DuckDBAppender, v: number | null | undefined): void {
  if (v == null) a.appendNull();
  else a.appendInteger(Math.round(v));
}

function dbl(a: DuckDBAppender, v: number | null | undefined): void {
  if (v == null || Number.isNaN(v)) a.appendNull();
  else a.appendDouble(v);
}

const EMPTY_OBJECT = '{}';
const EMPTY_ARRAY = '[]';

/** JSON text of attributes; the empty case is by far the most common after events, so skip stringify. */
export function attrsJson(v: Attributes | null | undefined): string {
  if (v == null) return EMPTY_OBJECT;
  for (const _ in v) return JSON.stringify(v);
  return EMPTY_OBJECT;
}

export function eventsJson(v: SpanEvent[] | null | undefined): string {
  return v == null || v.length === 0 ? EMPTY_ARRAY : JSON.stringify(v);
}

/** Labels with sorted keys, so one label set has one JSON text (it is a grouping key). */
export function labelsJson(v: Record<string, string> | null | undefined): string {
  if (v == null) return EMPTY_OBJECT;
  const keys = Object.keys(v);
  if (keys.length === 0) return EMPTY_OBJECT;
  keys.sort();
  const o: Record<string, string> = {};
  for (const k of keys) o[k] = v[k];
  return JSON.stringify(o);
}

export function writeSpans(a: DuckDBAppender, rows: readonly SpanRecord[]): void {
  for (let i = 0; i < rows.length; i++) {
    const s = rows[i];
    a.appendVarchar(s.project);
    a.appendTimestamp(ts(s.startUs));
    a.appendTimestamp(ts(s.endUs));
    a.appendDouble((s.endUs - s.startUs) / 1000);
    a.appendVarchar(s.traceId);
    a.appendVarchar(s.spanId);
    str(a, s.parentSpanId);
    a.appendVarchar(s.serviceName);
    a.appendVarchar(s.name);
    a.appendVarchar(s.kind);
    a.appendVarchar(s.status);
    str(a, s.statusMessage);
    str(a, s.model);
    str(a, s.provider);
    int(a, s.inputTokens);
    int(a, s.outputTokens);
    dbl(a, s.costUsd);
    str(a, s.agentId);
    str(a, s.agentName);
    str(a, s.agentVersion);
    str(a, s.sessionId);
    str(a, s.userId);
    a.appendVarchar(attrsJson(s.attributes));
    a.appendVarchar(eventsJson(s.events));
    str(a, s.input);
    str(a, s.output);
    a.endRow();
  }
}

/** One trace_index row per (project, trace) in the batch, with the batch's start-time bounds. */
export function writeTraceIndex(a: DuckDBAppender, rows: readonly SpanRecord[]): void {
  const bounds = new Map<string, { project: string; traceId: string; min: number; max: number }>();
  for (let i = 0; i < rows.length; i++) {
    const s = rows[i];
    const key = s.project === '' ? s.traceId : `${s.traceId}\u0000${s.project}`;
    const b = bounds.get(key);
    if (b === undefined) bounds.set(key, { project: s.project, traceId: s.traceId, min: s.startUs, max: s.startUs });
    else {
      if (s.startUs < b.min) b.min = s.startUs;
      if (s.startUs > b.max) b.max = s.startUs;
    }
  }
  for (const b of bounds.values()) {
    a.appendVarchar(b.project);
    a.appendVarchar(b.traceId);
    a.appendTimestamp(ts(b.min));
    a.appendTimestamp(ts(b.max));
    a.endRow();
  }
}

export function writeMetrics(a: DuckDBAppender, rows: readonly MetricPoint[]): void {
  for (const m of rows) {
    a.appendVarchar(m.project);
    a.appendTimestamp(ts(m.timeUs));
    a.appendVarchar(m.name);
    a.appendVarchar(m.type);
    a.appendVarchar(m.unit ?? '');
    a.appendDouble(Number.isFinite(m.value) ? m.value : 0);
    str(a, m.histogram == null ? null : JSON.stringify(m.histogram));
    a.appendVarchar(labelsJson(m.labels));
    a.appendVarchar(m.serviceName ?? '');
    a.endRow();
  }
}

export function writeLogs(a: DuckDBAppender, rows: readonly LogRecord[]): void {
  for (const l of rows) {
    a.appendVarchar(l.project);
    a.appendTimestamp(ts(l.timeUs));
    a.appendInteger(l.severity | 0);
    a.appendVarchar(l.severityText ?? '');
    a.appendVarchar(l.body ?? '');
    str(a, l.traceId);
    str(a, l.spanId);
    a.appendVarchar(l.serviceName ?? '');
    a.appendVarchar(attrsJson(l.attributes));
    a.endRow();
  }
}

export function writeAgentRunStarts(a: DuckDBAppender, rows: readonly AgentRunStart[]): void {
  for (const r of rows) {
    a.appendVarchar(r.project);
    a.appendTimestamp(ts(r.startUs));
    a.appendVarchar(r.spanId);
    a.appendVarchar(r.traceId);
    a.appendVarchar(r.agentId);
    str(a, r.agentName);
    str(a, r.agentVersion);
    str(a, r.sessionId);
    str(a, r.userId);
    a.appendVarchar(r.serviceName ?? '');
    a.endRow();
  }
}

export function writeAgentRunEnds(
  a: DuckDBAppender,
  rows: readonly { project: string; spanId: string }[],
  nowUs: number,
): void {
  const now = ts(nowUs);
  for (const r of rows) {
    a.appendVarchar(r.project);
    a.appendVarchar(r.spanId);
    a.appendTimestamp(now);
    a.endRow();
  }
}
