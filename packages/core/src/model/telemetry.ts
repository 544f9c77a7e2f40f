/**
 * Vigil's normalised telemetry records: the shape every ingest path produces and every Store
 * accepts. Times are epoch microseconds held in a JS number (exact up to year 2255), which keeps
 * the hot path free of BigInt while losing nothing a dashboard can show.
 */

export const SPAN_KINDS = ['agent', 'llm', 'tool', 'retrieval', 'embedding', 'chain', 'http', 'internal'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export const SPAN_STATUSES = ['ok', 'error', 'unset'] as const;
export type SpanStatus = (typeof SPAN_STATUSES)[number];

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export interface SpanEvent {
  name: string;
  timeUs: number;
  attributes: Attributes;
}

export interface SpanRecord {
  project: string;
  /** 32 lowercase hex chars. */
  traceId: string;
  /** 16 lowercase hex chars. */
  spanId: string;
  parentSpanId: string | null;
  serviceName: string;
  name: string;
  kind: SpanKind;
  startUs: number;
  endUs: number;
  status: SpanStatus;
  statusMessage: string | null;
  model: string | null;
  provider: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  agentId: string | null;
  agentName: string | null;
  agentVersion: string | null;
  sessionId: string | null;
  userId: string | null;
  /** Raw span attributes (after truncation/redaction), resource attributes under `resource`. */
  attributes: Attributes;
  events: SpanEvent[];
  /** Prompt / completion payloads, redacted and size-capped; null when not captured. */
  input: string | null;
  output: string | null;
}

/** An agent run that has started and not yet ended ("active agents"). */
export interface AgentRunStart {
  project: string;
  traceId: string;
  /** The span id the run's agent span will have when it completes. */
  spanId: string;
  agentId: string;
  agentName: string | null;
  agentVersion: string | null;
  sessionId: string | null;
  userId: string | null;
  serviceName: string;
  startUs: number;
}

export const METRIC_TYPES = ['counter', 'gauge', 'histogram', 'summary'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export interface HistogramValue {
  count: number;
  sum: number;
  min?: number;
  max?: number;
  /** Upper bounds; counts has bounds.length + 1 entries (last is +Inf). */
  bounds: number[];
  counts: number[];
}

export interface SummaryValue {
  count: number;
  sum: number;
  quantiles: { quantile: number; value: number }[];
}

export interface MetricPoint {
  project: string;
  name: string;
  type: MetricType;
  unit: string;
  timeUs: number;
  /** Counter/gauge value; for histograms and summaries the sum/count mean is not stored here, see below. */
  value: number;
  histogram: HistogramValue | SummaryValue | null;
  labels: Record<string, string>;
  serviceName: string;
}

export interface LogRecord {
  project: string;
  timeUs: number;
  /** OTLP severity number 1..24 (0 = unspecified). */
  severity: number;
  severityText: string;
  body: string;
  traceId: string | null;
  spanId: string | null;
  serviceName: string;
  attributes: Attributes;
}
