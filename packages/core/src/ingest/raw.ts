/**
 * The decoded-but-not-yet-normalised OTLP shapes. Both wire formats (protobuf, JSON) decode into
 * these; one normaliser turns them into Vigil records, so conventions and validation exist once.
 */
import type { Attributes, SpanEvent } from '../model/telemetry.js';
import type { SpanColumns } from './conventions.js';

export interface RawResource {
  attributes: Attributes;
  serviceName: string;
}

export interface RawSpan {
  /** Lowercase hex; '' when absent on the wire. */
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** 0 when absent. */
  startUs: number;
  endUs: number;
  attributes: Attributes;
  attributeCount: number;
  events: SpanEvent[];
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  /** Convention columns, mapped while the attributes were decoded. */
  cols: SpanColumns | null;
}

export interface RawLog {
  timeUs: number;
  observedUs: number;
  severity: number;
  severityText: string;
  body: unknown;
  attributes: Attributes;
  traceId: string;
  spanId: string;
  eventName: string;
}

export type RawMetricKind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

export interface RawNumberPoint {
  attributes: Attributes;
  timeUs: number;
  value: number;
  flags: number;
}

export interface RawHistogramPoint {
  attributes: Attributes;
  timeUs: number;
  count: number;
  sum: number;
  min?: number;
  max?: number;
  bounds: number[];
  counts: number[];
  flags: number;
}

export interface RawExpHistogramPoint {
  attributes: Attributes;
  timeUs: number;
  count: number;
  sum: number;
  min?: number;
  max?: number;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: { offset: number; counts: number[] };
  negative: { offset: number; counts: number[] };
  flags: number;
}

export interface RawSummaryPoint {
  attributes: Attributes;
  timeUs: number;
  count: number;
  sum: number;
  quantiles: { quantile: number; value: number }[];
  flags: number;
}

export interface RawMetric {
  name: string;
  unit: string;
  kind: RawMetricKind | null;
  monotonic: boolean;
  numberPoints: RawNumberPoint[];
  histogramPoints: RawHistogramPoint[];
  expPoints: RawExpHistogramPoint[];
  summaryPoints: RawSummaryPoint[];
}

/** Counters shared by a whole request's decode. */
export interface DecodeStats {
  truncated: number;
  invalidUtf8: number;
}
