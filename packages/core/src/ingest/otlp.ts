/** OTLP entry points: bytes in (protobuf or JSON), normalised records out. */
import type { LogRecord, MetricPoint, SpanRecord } from '../model/telemetry.js';
import { Collector, normalizeLog, normalizeMetric, normalizeSpan } from './normalize.js';
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson, parseJsonBody } from './otlp-json.js';
import { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from './otlp-proto.js';
import { type DecodeResult, IngestError, type NormalizeContext, type OtlpFormat } from './types.js';

function checkFormat(format: OtlpFormat): void {
  if (format !== 'protobuf' && format !== 'json')
    throw new IngestError(`unsupported format ${String(format)}`, 'unsupported_media_type', 415);
}

export function decodeOtlpTraces(
  body: Uint8Array,
  format: OtlpFormat,
  ctx: NormalizeContext,
): DecodeResult<SpanRecord> {
  checkFormat(format);
  const out = new Collector<SpanRecord>();
  const onSpan: Parameters<typeof decodeTracesProto>[3] = (raw, res) => {
    const s = normalizeSpan(raw, res, ctx, out);
    if (s !== null) out.rows.push(s);
  };
  if (format === 'protobuf') decodeTracesProto(body, ctx.limits, out.stats, onSpan);
  else decodeTracesJson(parseJsonBody(body), ctx.limits, out.stats, onSpan);
  return out.result('span');
}

/**
 * A completed agent span ends the run of the same span id, whichever path it came by: an app that
 * reported the start through the SDK may export the finished span over plain OTLP.
 */
export function agentRunEndsOf(spans: readonly SpanRecord[]): { project: string; spanId: string }[] {
  const ends: { project: string; spanId: string }[] = [];
  for (const s of spans) if (s.kind === 'agent') ends.push({ project: s.project, spanId: s.spanId });
  return ends;
}

export function decodeOtlpMetrics(
  body: Uint8Array,
  format: OtlpFormat,
  ctx: NormalizeContext,
): DecodeResult<MetricPoint> {
  checkFormat(format);
  const out = new Collector<MetricPoint>();
  const onMetric: Parameters<typeof decodeMetricsProto>[3] = (m, res) => normalizeMetric(m, res, ctx, out);
  if (format === 'protobuf') decodeMetricsProto(body, ctx.limits, out.stats, onMetric);
  else decodeMetricsJson(parseJsonBody(body), ctx.limits, out.stats, onMetric);
  return out.result('data point');
}

export function decodeOtlpLogs(body: Uint8Array, format: OtlpFormat, ctx: NormalizeContext): DecodeResult<LogRecord> {
  checkFormat(format);
  const out = new Collector<LogRecord>();
  const onLog: Parameters<typeof decodeLogsProto>[3] = (raw, res) => {
    const l = normalizeLog(raw, res, ctx, out);
    if (l !== null) out.rows.push(l);
  };
  if (format === 'protobuf') decodeLogsProto(body, ctx.limits, out.stats, onLog);
  else decodeLogsJson(parseJsonBody(body), ctx.limits, out.stats, onLog);
  return out.result('log record');
}
