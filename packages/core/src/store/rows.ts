/**
 * Row → record mappers shared by the DuckDB and PostgreSQL stores. Both backends' SQL selects the
 * same column names with the same meaning, so the records are built here once; what differs is how
 * each driver hands values back (DuckDB BIGINT as bigint and JSON as text, postgres int8 as string,
 * jsonb parsed, free text NUL-escaped on write), which each backend supplies as a RowValues.
 */
import type { LogRecord, MetricPoint, MetricType, SpanRecord } from '../model/telemetry.js';
import type {
  AlertRecord,
  AlertState,
  AnomalyRecord,
  ApiKeyRecord,
  ModelStats,
  Project,
  TraceSummary,
} from './store.js';

export type Row = Record<string, unknown>;

/** A backend's conversion of driver values into JS values. */
export interface RowValues {
  num(v: unknown): number;
  numOrNull(v: unknown): number | null;
  strOrNull(v: unknown): string | null;
  /** A JSON column: `fallback` when NULL (or, as the backend decides, unreadable). */
  json<T>(v: unknown, fallback: T): T;
  /** Free text whose exact content must survive the round trip (see postgres/copy.ts escapeNul). */
  text(v: unknown): string;
  textOrNull(v: unknown): string | null;
}

export function rowToSpan(r: Row, v: RowValues): SpanRecord {
  return {
    project: r.project as string,
    traceId: r.trace_id as string,
    spanId: r.span_id as string,
    parentSpanId: v.strOrNull(r.parent_span_id),
    serviceName: r.service_name as string,
    name: v.text(r.name),
    kind: r.kind as SpanRecord['kind'],
    startUs: v.num(r.start_us),
    endUs: v.num(r.end_us),
    status: r.status as SpanRecord['status'],
    statusMessage: v.textOrNull(r.status_message),
    model: v.strOrNull(r.model),
    provider: v.strOrNull(r.provider),
    inputTokens: v.numOrNull(r.input_tokens),
    outputTokens: v.numOrNull(r.output_tokens),
    costUsd: v.numOrNull(r.cost_usd),
    agentId: v.strOrNull(r.agent_id),
    agentName: v.strOrNull(r.agent_name),
    agentVersion: v.strOrNull(r.agent_version),
    sessionId: v.strOrNull(r.session_id),
    userId: v.strOrNull(r.user_id),
    attributes: v.json(r.attributes, {}),
    events: v.json(r.events, []),
    input: v.textOrNull(r.input),
    output: v.textOrNull(r.output),
  };
}

/** The trace's root span, which each backend packs into one column its own way (struct, JSON array). */
export interface TraceRoot {
  spanId: string;
  name: string;
  kind: string;
  serviceName: string;
}

/** A trace list row (per-trace roll-ups over its spans); `root` is already unpacked. */
export function rowToTraceSummary(r: Row, root: TraceRoot, v: RowValues): TraceSummary {
  return {
    traceId: r.trace_id as string,
    rootSpanId: root.spanId,
    name: root.name,
    kind: root.kind as TraceSummary['kind'],
    serviceName: root.serviceName,
    startUs: v.num(r.start_us),
    endUs: v.num(r.end_us),
    status: r.status as TraceSummary['status'],
    spanCount: v.num(r.span_count),
    errorCount: v.num(r.error_count),
    agentId: v.strOrNull(r.agent_id),
    agentName: v.strOrNull(r.agent_name),
    models: (r.models as string[] | null) ?? [],
    inputTokens: v.num(r.input_tokens),
    outputTokens: v.num(r.output_tokens),
    costUsd: v.num(r.cost_usd),
  };
}

export function rowToMetric(r: Row, v: RowValues): MetricPoint {
  return {
    project: r.project as string,
    name: r.name as string,
    type: r.type as MetricType,
    unit: r.unit as string,
    timeUs: v.num(r.time_us),
    value: v.num(r.value),
    histogram: v.json(r.histogram, null),
    labels: v.json(r.labels, {}),
    serviceName: r.service_name as string,
  };
}

export function rowToLog(r: Row, v: RowValues): LogRecord {
  return {
    project: r.project as string,
    timeUs: v.num(r.time_us),
    severity: v.num(r.severity),
    severityText: r.severity_text as string,
    body: v.text(r.body),
    traceId: v.strOrNull(r.trace_id),
    spanId: v.strOrNull(r.span_id),
    serviceName: r.service_name as string,
    attributes: v.json(r.attributes, {}),
  };
}

type ModelCallStats = Omit<ModelStats, 'byModel'>;

/** Model stats of a range without model calls. */
export const EMPTY_MODEL_TOTALS: ModelCallStats = {
  calls: 0,
  errors: 0,
  averageLatencyMs: null,
  p50: null,
  p95: null,
  p99: null,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
};

/** One row of the exact model stats query: counts, avg_ms, q = [p50, p95, p99], tokens and cost. */
export function rowToModelCallStats(r: Row, v: RowValues): ModelCallStats {
  const q = (r.q as (number | null)[] | null) ?? [null, null, null];
  return {
    calls: v.num(r.calls),
    errors: v.num(r.errors),
    averageLatencyMs: v.numOrNull(r.avg_ms),
    p50: v.numOrNull(q[0]),
    p95: v.numOrNull(q[1]),
    p99: v.numOrNull(q[2]),
    inputTokens: v.num(r.input_tokens),
    outputTokens: v.num(r.output_tokens),
    costUsd: v.num(r.cost),
  };
}

export function rowToProject(r: Row, v: RowValues): Project {
  return { id: r.id as string, name: r.name as string, createdUs: v.num(r.created_us) };
}

export function rowToApiKey(r: Row, v: RowValues): ApiKeyRecord {
  return {
    id: r.id as string,
    project: r.project as string,
    name: r.name as string,
    role: r.role as ApiKeyRecord['role'],
    prefix: r.prefix as string,
    hash: r.hash as string,
    createdUs: v.num(r.created_us),
    lastUsedUs: v.numOrNull(r.last_used_us),
    revokedUs: v.numOrNull(r.revoked_us),
  };
}

export function rowToAnomaly(r: Row, v: RowValues): AnomalyRecord {
  return {
    id: r.id as string,
    project: r.project as string,
    metric: r.metric as string,
    labels: v.json(r.labels, {}),
    timeUs: v.num(r.time_us),
    value: v.num(r.value),
    expected: v.num(r.expected),
    lower: v.num(r.lower),
    upper: v.num(r.upper),
    score: v.num(r.score),
    severity: r.severity as AnomalyRecord['severity'],
    confidence: v.num(r.confidence),
    detector: r.detector as string,
    description: v.text(r.description),
    createdUs: v.num(r.created_us),
  };
}

export function rowToAlert(r: Row, v: RowValues): AlertRecord {
  return {
    id: r.id as string,
    project: r.project as string,
    ruleId: v.strOrNull(r.rule_id),
    name: r.name as string,
    severity: r.severity as AlertRecord['severity'],
    state: r.state as AlertState,
    message: v.text(r.message),
    labels: v.json(r.labels, {}),
    value: v.numOrNull(r.value),
    startedUs: v.num(r.started_us),
    updatedUs: v.num(r.updated_us),
    resolvedUs: v.numOrNull(r.resolved_us),
    acknowledgedBy: v.strOrNull(r.acknowledged_by),
  };
}
