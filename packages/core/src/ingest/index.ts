/**
 * Ingest: wire formats in, normalised telemetry records out. Pure functions, no HTTP, no I/O.
 *
 * - decodeOtlpTraces / decodeOtlpMetrics / decodeOtlpLogs: OTLP protobuf (hand-rolled reader, the
 *   hot path) and OTLP/JSON → SpanRecord / MetricPoint / LogRecord, with partial success.
 * - encodeOtlpResponse: Export*ServiceResponse bytes / JSON with partial_success.
 * - normalizeSdkBatch: the Vigil SDK's JSON batch (docs/api.md "SDK batch").
 * - createPriceTable / createRedactor / defaultIngestLimits: the NormalizeContext ingredients.
 *
 * Malformed requests throw IngestError (400); individual bad items are counted as rejected.
 */

export { mapSpanConventions, type SpanColumns } from './conventions.js';
export * from './otlp.js';
export * from './prices.js';
export * from './redact.js';
export * from './response.js';
export * from './sdk-batch.js';
export * from './types.js';
