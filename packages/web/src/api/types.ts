/**
 * Shapes of the Vigil REST API as documented in docs/api.md. The dashboard depends only on this
 * HTTP contract, never on server code; the span contract's type comes from core's types-only
 * module `@vigil/core/api-types` (erased at build time).
 */

export type SpanKind = 'agent' | 'llm' | 'tool' | 'retrieval' | 'embedding' | 'chain' | 'http' | 'internal';
export const SPAN_KINDS: SpanKind[] = ['agent', 'llm', 'tool', 'retrieval', 'embedding', 'chain', 'http', 'internal'];
export type SpanStatus = 'ok' | 'error' | 'unset';

import type { SpanEventJson, SpanJson } from '@vigil/core/api-types';

/** The span and its events: one declaration, shared with the server's JSON mapping. */
export type Span = SpanJson;
export type SpanEvent = SpanEventJson;

export interface TraceSummary {
  traceId: string;
  rootSpanId: string;
  name: string;
  kind: SpanKind;
  serviceName: string;
  startTime: string;
  endTime: string;
  durationMs: number;
  status: SpanStatus;
  spanCount: number;
  errorCount: number;
  agentId: string | null;
  agentName: string | null;
  models: string[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface LogEntry {
  time: string;
  severity: number;
  severityText: string;
  body: string;
  traceId: string | null;
  spanId: string | null;
  serviceName: string;
  attributes: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface TraceDetail {
  traceId: string;
  spans: Span[];
}

export interface Series {
  labels: Record<string, string>;
  points: [number, number][];
}

export interface SeriesResponse {
  series: Series[];
}

export interface AgentRow {
  agentId: string;
  agentName: string | null;
  runs: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
  costUsd: number;
}

export interface ModelRow {
  model: string;
  provider: string | null;
  calls: number;
  errors: number;
  averageLatencyMs: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Anomaly as served by `/api/v1/anomalies`; times may come as ISO strings or epoch numbers. */
export interface Anomaly {
  id: string;
  metric: string;
  labels: Record<string, string>;
  time?: string | number;
  timeUs?: number;
  value: number;
  expected: number;
  lower: number;
  upper: number;
  score: number;
  severity: 'low' | 'medium' | 'high' | 'critical';
  confidence?: number;
  detector?: string;
  description?: string;
}

export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'resolved' | 'silenced';

export interface Alert {
  id: string;
  ruleId: string | null;
  name: string;
  severity: 'info' | 'warning' | 'critical';
  state: AlertState;
  message: string;
  labels: Record<string, string>;
  value: number | null;
  startedAt?: string | number;
  startedUs?: number;
  updatedAt?: string | number;
  updatedUs?: number;
  resolvedAt?: string | number | null;
  resolvedUs?: number | null;
  acknowledgedBy: string | null;
}

export interface SystemMetrics {
  cpuUsage: number | null;
  memoryUsage: number | null;
  diskUsage: number | null;
  networkLatency: number | null;
  activeConnections: number | null;
  gpuUsage: number | null;
  gpuMemoryUsage: number | null;
  time: string | number | null;
}

export interface Dashboard {
  range: { from: string; to: string };
  agentMetrics: {
    activeAgents: number;
    totalRuns: number;
    completedRuns: number;
    failedRuns: number;
    completionRate: number | null;
    errorRate: number | null;
    averageRunMs: number | null;
    byAgent: AgentRow[];
  };
  modelMetrics: {
    calls: number;
    errors: number;
    averageLatency: number | null;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    inputTokens: number;
    outputTokens: number;
    totalTokens: number;
    totalCost: number;
    byModel: ModelRow[];
  };
  systemMetrics: Partial<SystemMetrics> | null;
  recentAnomalies: Anomaly[];
  activeAlerts: Alert[];
}

/** Converts an API timestamp (ISO string, epoch ms, or epoch µs) to epoch milliseconds. */
export function toMs(v: string | number | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return v > 1e14 ? v / 1000 : v;
  const n = Number(v);
  if (Number.isFinite(n)) return n > 1e14 ? n / 1000 : n;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

export const anomalyTime = (a: Anomaly): number | null => toMs(a.time ?? a.timeUs ?? null);
export const alertStarted = (a: Alert): number | null => toMs(a.startedAt ?? a.startedUs ?? null);
export const alertUpdated = (a: Alert): number | null => toMs(a.updatedAt ?? a.updatedUs ?? null);
export const alertResolved = (a: Alert): number | null => toMs(a.resolvedAt ?? a.resolvedUs ?? null);
