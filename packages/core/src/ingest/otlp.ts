/** OTLP entry points: bytes in (protobuf or JSON), normalised records out. */
import type { LogRecord, MetricPoint, SpanRecord } from '../model/telemetry.js';
import { type DecodeResult, IngestError, type NormalizeContext, type OtlpFormat } from './types.js';

export function decodeOtlpTraces(
  body: Uint8Array,
  format: OtlpFormat,
  ctx: NormalizeContext,
): DecodeResult<SpanRecord> {
  void body;
  void format;
  void ctx;
  throw new IngestError('not implemented yet', 'not_implemented', 501);
}

export function decodeOtlpMetrics(
  body: Uint8Array,
  format: OtlpFormat,
  ctx: NormalizeContext,
): DecodeResult<MetricPoint> {
  void body;
  void format;
  void ctx;
  throw new IngestError('not implemented yet', 'not_implemented', 501);
}

export function decodeOtlpLogs(body: Uint8Array, format: OtlpFormat, ctx: NormalizeContext): DecodeResult<LogRecord> {
  void body;
  void format;
  void ctx;
  throw new IngestError('not implemented yet', 'not_implemented', 501);
}
