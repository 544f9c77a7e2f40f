/**
 * Records → the JSON shapes of docs/api.md (camelCase, ISO 8601 times, durations in ms). The span
 * shape is an automation contract: external tools parse it, so every field is always present and
 * "no value" is `null`, never absent, never NaN.
 */
import type { LogRecord, MetricPoint, SpanEvent, SpanRecord } from '../model/telemetry.js';
import type { AlertRecord, AnomalyRecord, ApiKeyRecord, Series, TraceSummary } from '../store/store.js';
import type { SpanEventJson, SpanJson } from './api-types.js';

/** Epoch microseconds → ISO 8601 (millisecond precision, UTC). */
export function usToIso(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString();
}

export function usToIsoOrNull(us: number | null | undefined): string | null {
  return us == null ? null : usToIso(us);
}

/** Finite number or null: JSON has no NaN and a dashboard must not show "NaN ms". */
export function num(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Duration in ms from microsecond bounds, rounded to the microsecond. */
export function durationMs(startUs: number, endUs: number): number {
  return Math.round(Math.max(0, endUs - startUs)) / 1000;
}

export type { SpanEventJson, SpanJson } from './api-types.js';

export function spanEventToJson(e: SpanEvent): SpanEventJson {
  return { name: e.name, time: usToIso(e.timeUs), attributes: e.attributes ?? {} };
}

export function spanToJson(s: SpanRecord): SpanJson {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? null,
    name: s.name,
    kind: s.kind,
    startTime: usToIso(s.startUs),
    endTime: usToIso(s.endUs),
    durationMs: durationMs(s.startUs, s.endUs),
    status: s.status,
    statusMessage: s.statusMessage ?? null,
    serviceName: s.serviceName,
    model: s.model ?? null,
    provider: s.provider ?? null,
    inputTokens: num(s.inputTokens),
    outputTokens: num(s.outputTokens),
    costUsd: num(s.costUsd),
    agentId: s.agentId ?? null,
    agentName: s.agentName ?? null,
    agentVersion: s.agentVersion ?? null,
    sessionId: s.sessionId ?? null,
    userId: s.userId ?? null,
    attributes: s.attributes ?? {},
    events: (s.events ?? []).map(spanEventToJson),
    input: s.input ?? null,
    output: s.output ?? null,
  };
}

export interface TraceSummaryJson {
  traceId: string;
  rootSpanId: string;
  name: string;
  kind: TraceSummary['kind'];
  serviceName: string;
  startTime: string;
  endTime: string;
  durationMs: number;
  status: TraceSummary['status'];
  spanCount: number;
  errorCount: number;
  agentId: string | null;
  agentName: string | null;
  models: string[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export function traceSummaryToJson(t: TraceSummary): TraceSummaryJson {
  return {
    traceId: t.traceId,
    rootSpanId: t.rootSpanId,
    name: t.name,
    kind: t.kind,
    serviceName: t.serviceName,
    startTime: usToIso(t.startUs),
    endTime: usToIso(t.endUs),
    durationMs: durationMs(t.startUs, t.endUs),
    status: t.status,
    spanCount: t.spanCount,
    errorCount: t.errorCount,
    agentId: t.agentId ?? null,
    agentName: t.agentName ?? null,
    models: t.models ?? [],
    inputTokens: num(t.inputTokens) ?? 0,
    outputTokens: num(t.outputTokens) ?? 0,
    costUsd: num(t.costUsd) ?? 0,
  };
}

export interface TraceJson {
  traceId: string;
  spans: SpanJson[];
}

export function traceToJson(traceId: string, spans: readonly SpanRecord[]): TraceJson {
  const sorted = [...spans].sort((a, b) => a.startUs - b.startUs || a.spanId.localeCompare(b.spanId));
  return { traceId, spans: sorted.map(spanToJson) };
}

export interface LogJson {
  time: string;
  severity: number;
  severityText: string;
  body: string;
  traceId: string | null;
  spanId: string | null;
  serviceName: string;
  attributes: Record<string, unknown>;
}

export function logToJson(l: LogRecord): LogJson {
  return {
    time: usToIso(l.timeUs),
    severity: l.severity,
    severityText: l.severityText,
    body: l.body,
    traceId: l.traceId ?? null,
    spanId: l.spanId ?? null,
    serviceName: l.serviceName,
    attributes: l.attributes ?? {},
  };
}

export function metricPointToJson(p: MetricPoint) {
  return {
    name: p.name,
    type: p.type,
    unit: p.unit,
    time: usToIso(p.timeUs),
    value: num(p.value),
    histogram: p.histogram ?? null,
    labels: p.labels ?? {},
    serviceName: p.serviceName,
  };
}

export function anomalyToJson(a: AnomalyRecord) {
  return {
    id: a.id,
    metric: a.metric,
    labels: a.labels ?? {},
    time: usToIso(a.timeUs),
    value: num(a.value),
    expected: num(a.expected),
    lower: num(a.lower),
    upper: num(a.upper),
    score: num(a.score),
    severity: a.severity,
    confidence: num(a.confidence),
    detector: a.detector,
    description: a.description,
    createdAt: usToIso(a.createdUs),
  };
}

export function alertToJson(a: AlertRecord) {
  return {
    id: a.id,
    ruleId: a.ruleId ?? null,
    name: a.name,
    severity: a.severity,
    state: a.state,
    message: a.message,
    labels: a.labels ?? {},
    value: num(a.value),
    startedAt: usToIso(a.startedUs),
    updatedAt: usToIso(a.updatedUs),
    resolvedAt: usToIsoOrNull(a.resolvedUs),
    acknowledgedBy: a.acknowledgedBy ?? null,
  };
}

/** Key metadata for listing; the hash stays server-side, the plaintext is never stored. */
export function apiKeyToJson(k: ApiKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    prefix: k.prefix,
    createdAt: usToIso(k.createdUs),
    lastUsedAt: usToIsoOrNull(k.lastUsedUs),
    revokedAt: usToIsoOrNull(k.revokedUs),
  };
}

export function seriesToJson(series: readonly Series[]) {
  return {
    series: series.map((s) => ({
      labels: s.labels ?? {},
      points: s.points.filter(([, v]) => Number.isFinite(v)),
    })),
  };
}
