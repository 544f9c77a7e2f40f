/**
 * The telemetry tables' columns for the ChunkWriter (chunk-writer.ts), in table column order (see
 * migrations.ts): how a normalised record becomes a row. This is the ingest hot path's mapping;
 * keep getters to plain field reads where possible.
 */
import type {
  AgentRunStart,
  Attributes,
  LogRecord,
  MetricPoint,
  SpanEvent,
  SpanRecord,
} from '../../model/telemetry.js';
import type { ColumnSpec } from './chunk-writer.js';

const EMPTY_OBJECT = '{}';
const EMPTY_ARRAY = '[]';

/** JSON text of each resource's attributes: every span of a resource shares that object. */
const resourceJson = new WeakMap<object, string>();

/**
 * JSON text of attributes. The decoder attaches the resource's attributes (one object shared by
 * every span of the resource) under `resource`; their text is cached per object instead of being
 * serialised again for each span (measured ~1 µs per span). `resource` comes last in the text.
 */
export function attrsJson(v: Attributes | null | undefined): string {
  if (v == null) return EMPTY_OBJECT;
  const res = v.resource;
  if (res === null || typeof res !== 'object' || Array.isArray(res)) {
    for (const _ in v) return JSON.stringify(v);
    return EMPTY_OBJECT;
  }
  let rj = resourceJson.get(res);
  if (rj === undefined) {
    rj = JSON.stringify(res);
    resourceJson.set(res, rj);
  }
  // JSON.stringify leaves out undefined values: the rest of the object, without re-shaping it.
  const o = v as Record<string, unknown>;
  o.resource = undefined;
  let rest: string;
  try {
    rest = JSON.stringify(v);
  } finally {
    o.resource = res;
  }
  return rest.length === 2 ? `{"resource":${rj}}` : `${rest.slice(0, -1)},"resource":${rj}}`;
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

export const SPAN_COLUMNS: readonly ColumnSpec<SpanRecord>[] = [
  { name: 'project', notNull: true, kind: 'varchar', get: (s) => s.project },
  { name: 'start_time', notNull: true, kind: 'timestamp', get: (s) => s.startUs },
  { name: 'end_time', notNull: true, kind: 'timestamp', get: (s) => s.endUs },
  { name: 'duration_ms', notNull: true, kind: 'double', get: (s) => (s.endUs - s.startUs) / 1000 },
  { name: 'trace_id', notNull: true, kind: 'varchar', get: (s) => s.traceId },
  { name: 'span_id', notNull: true, kind: 'varchar', get: (s) => s.spanId },
  { name: 'parent_span_id', kind: 'varchar', get: (s) => s.parentSpanId },
  { name: 'service_name', notNull: true, kind: 'varchar', get: (s) => s.serviceName },
  { name: 'name', notNull: true, kind: 'varchar', get: (s) => s.name },
  { name: 'kind', notNull: true, kind: 'varchar', get: (s) => s.kind },
  { name: 'status', notNull: true, kind: 'varchar', get: (s) => s.status },
  { name: 'status_message', kind: 'varchar', get: (s) => s.statusMessage },
  { name: 'model', kind: 'varchar', get: (s) => s.model },
  { name: 'provider', kind: 'varchar', get: (s) => s.provider },
  { name: 'input_tokens', kind: 'integer', get: (s) => s.inputTokens },
  { name: 'output_tokens', kind: 'integer', get: (s) => s.outputTokens },
  { name: 'cost_usd', kind: 'double', get: (s) => s.costUsd },
  { name: 'agent_id', kind: 'varchar', get: (s) => s.agentId },
  { name: 'agent_name', kind: 'varchar', get: (s) => s.agentName },
  { name: 'agent_version', kind: 'varchar', get: (s) => s.agentVersion },
  { name: 'session_id', kind: 'varchar', get: (s) => s.sessionId },
  { name: 'user_id', kind: 'varchar', get: (s) => s.userId },
  { name: 'attributes', kind: 'varchar', get: (s) => attrsJson(s.attributes) },
  { name: 'events', kind: 'varchar', get: (s) => eventsJson(s.events) },
  { name: 'input', kind: 'varchar', get: (s) => s.input },
  { name: 'output', kind: 'varchar', get: (s) => s.output },
];

/** One trace_index row: a trace's start-time bounds within one commit. */
export interface TraceIndexRow {
  project: string;
  traceId: string;
  minUs: number;
  maxUs: number;
}

export const TRACE_INDEX_COLUMNS: readonly ColumnSpec<TraceIndexRow>[] = [
  { name: 'project', notNull: true, kind: 'varchar', get: (r) => r.project },
  { name: 'trace_id', notNull: true, kind: 'varchar', get: (r) => r.traceId },
  { name: 'min_start', notNull: true, kind: 'timestamp', get: (r) => r.minUs },
  { name: 'max_start', notNull: true, kind: 'timestamp', get: (r) => r.maxUs },
  { name: 'trace_key', kind: 'bigint', get: (r) => traceKey(r.traceId) },
];

/**
 * The lookup key of a trace id in trace_index: its first 13 hex digits as a number (52 bits, a safe
 * integer), or null for an id that does not start with 13 lowercase hex digits. A scan comparing
 * BIGINTs finds a trace among millions of rows in a few ms, so trace_index needs no ART index
 * (whose upkeep cost more CPU per span than writing the span, and whose memory DuckDB cannot
 * evict). TRACE_KEY_SQL computes the same in SQL (the migration of existing rows).
 */
export function traceKey(traceId: string): number | null {
  if (traceId.length < 13) return null;
  let k = 0;
  for (let i = 0; i < 13; i++) {
    const c = traceId.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return null;
    k = k * 16 + d;
  }
  return k;
}

export const TRACE_KEY_SQL = (col: string) =>
  `CASE WHEN regexp_full_match(substr(${col}, 1, 13), '[0-9a-f]{13}') THEN ('0x' || substr(${col}, 1, 13))::BIGINT END`;

/** One trace_index row per (project, trace) in the batch, with the batch's start-time bounds. */
export function traceIndexRows(rows: readonly SpanRecord[]): TraceIndexRow[] {
  const bounds = new Map<string, TraceIndexRow>();
  const out: TraceIndexRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const s = rows[i];
    const key = s.project === '' ? s.traceId : `${s.traceId}\u0000${s.project}`;
    const b = bounds.get(key);
    if (b === undefined) {
      const r = { project: s.project, traceId: s.traceId, minUs: s.startUs, maxUs: s.startUs };
      bounds.set(key, r);
      out.push(r);
    } else {
      if (s.startUs < b.minUs) b.minUs = s.startUs;
      if (s.startUs > b.maxUs) b.maxUs = s.startUs;
    }
  }
  return out;
}

export const METRIC_COLUMNS: readonly ColumnSpec<MetricPoint>[] = [
  { name: 'project', notNull: true, kind: 'varchar', get: (m) => m.project },
  { name: 'time', notNull: true, kind: 'timestamp', get: (m) => m.timeUs },
  { name: 'name', notNull: true, kind: 'varchar', get: (m) => m.name },
  { name: 'type', notNull: true, kind: 'varchar', get: (m) => m.type },
  { name: 'unit', notNull: true, kind: 'varchar', get: (m) => m.unit ?? '' },
  { name: 'value', notNull: true, kind: 'double', get: (m) => (Number.isFinite(m.value) ? m.value : 0) },
  { name: 'histogram', kind: 'varchar', get: (m) => (m.histogram == null ? null : JSON.stringify(m.histogram)) },
  { name: 'labels', notNull: true, kind: 'varchar', get: (m) => labelsJson(m.labels) },
  { name: 'service_name', notNull: true, kind: 'varchar', get: (m) => m.serviceName ?? '' },
];

export const LOG_COLUMNS: readonly ColumnSpec<LogRecord>[] = [
  { name: 'project', notNull: true, kind: 'varchar', get: (l) => l.project },
  { name: 'time', notNull: true, kind: 'timestamp', get: (l) => l.timeUs },
  { name: 'severity', notNull: true, kind: 'integer', get: (l) => l.severity | 0 },
  { name: 'severity_text', notNull: true, kind: 'varchar', get: (l) => l.severityText ?? '' },
  { name: 'body', notNull: true, kind: 'varchar', get: (l) => l.body ?? '' },
  { name: 'trace_id', kind: 'varchar', get: (l) => l.traceId },
  { name: 'span_id', kind: 'varchar', get: (l) => l.spanId },
  { name: 'service_name', notNull: true, kind: 'varchar', get: (l) => l.serviceName ?? '' },
  { name: 'attributes', kind: 'varchar', get: (l) => attrsJson(l.attributes) },
];

export const AGENT_RUN_COLUMNS: readonly ColumnSpec<AgentRunStart>[] = [
  { name: 'project', notNull: true, kind: 'varchar', get: (r) => r.project },
  { name: 'start_time', notNull: true, kind: 'timestamp', get: (r) => r.startUs },
  { name: 'span_id', notNull: true, kind: 'varchar', get: (r) => r.spanId },
  { name: 'trace_id', notNull: true, kind: 'varchar', get: (r) => r.traceId },
  { name: 'agent_id', notNull: true, kind: 'varchar', get: (r) => r.agentId },
  { name: 'agent_name', kind: 'varchar', get: (r) => r.agentName },
  { name: 'agent_version', kind: 'varchar', get: (r) => r.agentVersion },
  { name: 'session_id', kind: 'varchar', get: (r) => r.sessionId },
  { name: 'user_id', kind: 'varchar', get: (r) => r.userId },
  { name: 'service_name', notNull: true, kind: 'varchar', get: (r) => r.serviceName ?? '' },
];

/** An agent run's end as stored: the commit's time stands for the end. */
export interface AgentRunEndRow {
  project: string;
  spanId: string;
  endUs: number;
}

export const AGENT_RUN_END_COLUMNS: readonly ColumnSpec<AgentRunEndRow>[] = [
  { name: 'project', notNull: true, kind: 'varchar', get: (r) => r.project },
  { name: 'span_id', notNull: true, kind: 'varchar', get: (r) => r.spanId },
  { name: 'end_time', notNull: true, kind: 'timestamp', get: (r) => r.endUs },
];
