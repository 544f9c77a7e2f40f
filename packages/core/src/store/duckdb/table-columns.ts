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
  { kind: 'varchar', get: (s) => s.project },
  { kind: 'timestamp', get: (s) => s.startUs },
  { kind: 'timestamp', get: (s) => s.endUs },
  { kind: 'double', get: (s) => (s.endUs - s.startUs) / 1000 },
  { kind: 'varchar', get: (s) => s.traceId },
  { kind: 'varchar', get: (s) => s.spanId },
  { kind: 'varchar', get: (s) => s.parentSpanId },
  { kind: 'varchar', get: (s) => s.serviceName },
  { kind: 'varchar', get: (s) => s.name },
  { kind: 'varchar', get: (s) => s.kind },
  { kind: 'varchar', get: (s) => s.status },
  { kind: 'varchar', get: (s) => s.statusMessage },
  { kind: 'varchar', get: (s) => s.model },
  { kind: 'varchar', get: (s) => s.provider },
  { kind: 'integer', get: (s) => s.inputTokens },
  { kind: 'integer', get: (s) => s.outputTokens },
  { kind: 'double', get: (s) => s.costUsd },
  { kind: 'varchar', get: (s) => s.agentId },
  { kind: 'varchar', get: (s) => s.agentName },
  { kind: 'varchar', get: (s) => s.agentVersion },
  { kind: 'varchar', get: (s) => s.sessionId },
  { kind: 'varchar', get: (s) => s.userId },
  { kind: 'varchar', get: (s) => attrsJson(s.attributes) },
  { kind: 'varchar', get: (s) => eventsJson(s.events) },
  { kind: 'varchar', get: (s) => s.input },
  { kind: 'varchar', get: (s) => s.output },
];

/** One trace_index row: a trace's start-time bounds within one commit. */
export interface TraceIndexRow {
  project: string;
  traceId: string;
  minUs: number;
  maxUs: number;
}

export const TRACE_INDEX_COLUMNS: readonly ColumnSpec<TraceIndexRow>[] = [
  { kind: 'varchar', get: (r) => r.project },
  { kind: 'varchar', get: (r) => r.traceId },
  { kind: 'timestamp', get: (r) => r.minUs },
  { kind: 'timestamp', get: (r) => r.maxUs },
];

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
  { kind: 'varchar', get: (m) => m.project },
  { kind: 'timestamp', get: (m) => m.timeUs },
  { kind: 'varchar', get: (m) => m.name },
  { kind: 'varchar', get: (m) => m.type },
  { kind: 'varchar', get: (m) => m.unit ?? '' },
  { kind: 'double', get: (m) => (Number.isFinite(m.value) ? m.value : 0) },
  { kind: 'varchar', get: (m) => (m.histogram == null ? null : JSON.stringify(m.histogram)) },
  { kind: 'varchar', get: (m) => labelsJson(m.labels) },
  { kind: 'varchar', get: (m) => m.serviceName ?? '' },
];

export const LOG_COLUMNS: readonly ColumnSpec<LogRecord>[] = [
  { kind: 'varchar', get: (l) => l.project },
  { kind: 'timestamp', get: (l) => l.timeUs },
  { kind: 'integer', get: (l) => l.severity | 0 },
  { kind: 'varchar', get: (l) => l.severityText ?? '' },
  { kind: 'varchar', get: (l) => l.body ?? '' },
  { kind: 'varchar', get: (l) => l.traceId },
  { kind: 'varchar', get: (l) => l.spanId },
  { kind: 'varchar', get: (l) => l.serviceName ?? '' },
  { kind: 'varchar', get: (l) => attrsJson(l.attributes) },
];

export const AGENT_RUN_COLUMNS: readonly ColumnSpec<AgentRunStart>[] = [
  { kind: 'varchar', get: (r) => r.project },
  { kind: 'timestamp', get: (r) => r.startUs },
  { kind: 'varchar', get: (r) => r.spanId },
  { kind: 'varchar', get: (r) => r.traceId },
  { kind: 'varchar', get: (r) => r.agentId },
  { kind: 'varchar', get: (r) => r.agentName },
  { kind: 'varchar', get: (r) => r.agentVersion },
  { kind: 'varchar', get: (r) => r.sessionId },
  { kind: 'varchar', get: (r) => r.userId },
  { kind: 'varchar', get: (r) => r.serviceName ?? '' },
];

/** An agent run's end as stored: the commit's time stands for the end. */
export interface AgentRunEndRow {
  project: string;
  spanId: string;
  endUs: number;
}

export const AGENT_RUN_END_COLUMNS: readonly ColumnSpec<AgentRunEndRow>[] = [
  { kind: 'varchar', get: (r) => r.project },
  { kind: 'varchar', get: (r) => r.spanId },
  { kind: 'timestamp', get: (r) => r.endUs },
];
