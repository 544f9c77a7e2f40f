/**
 * @vigil/sdk: instrument AI agents and LLM apps. Tracing (startSpan / withSpan / monitor), the seed
 * analytics API (createAnalyticsService / quickSetup), metrics, a structured logger, and export as
 * OTLP/HTTP protobuf to any OTLP endpoint or in-process to a Vigil core (library mode).
 */

export type { ExportBackend, ExportOutcome, SdkEvent } from './export/backend.js';
export { toApiSpan, type VigilCoreLike } from './export/core-backend.js';
export { HttpBackend, NodeHttpTransport, type Transport } from './export/http-backend.js';
export {
  encodeHeader,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
  type LogData,
  type MetricData,
} from './export/otlp-encode.js';
export { ExportPipeline, type PipelineOptions, type PipelineStats } from './export/pipeline.js';
export { ProtoWriter } from './export/proto-writer.js';
export { setDiagSink } from './internal/diag.js';
export { newSpanId, newTraceId } from './internal/ids.js';
export { createLogger, Logger, type LoggerOptions, type LogLevel } from './logs/logger.js';
export {
  type Counter,
  type Gauge,
  type Histogram,
  type InstrumentOptions,
  type Labels,
  Meter,
  type MetricKind,
  type Summary,
} from './metrics/meter.js';
export {
  type AgentContext,
  type AgentRun,
  AnalyticsService,
  createAnalyticsService,
  type InferenceData,
  quickSetup,
  SDK_VERSION,
  type ServiceStats,
} from './service/analytics-service.js';
export type { AnalyticsConfig, BackendKind } from './service/config.js';
export { readSystemUsage, type SystemUsage } from './service/system-usage.js';
export { bindToActiveSpan, getActiveSpan, runWithSpan } from './trace/context.js';
export { extractTraceContext, injectTraceContext, traceparent } from './trace/propagation.js';
export { ATTR, VIGIL_KINDS, type VigilKind } from './trace/semconv.js';
export { VigilSpan } from './trace/span.js';
export {
  getTracer,
  type MonitorOptions,
  monitor,
  NoopTracer,
  setGlobalTracer,
  startSpan,
  type Tracer,
  VigilTracer,
  withSpan,
} from './trace/tracer.js';
export type {
  Attributes,
  AttributeValue,
  ReadableVigilSpan,
  SpanLike,
  SpanOptions,
  StatusName,
  TimeInput,
} from './trace/types.js';
