/**
 * Public contract of the ingest layer: limits, the context every decoder runs in, results and the
 * one error type. Pure data: no I/O lives anywhere under ingest/.
 */
import type { AgentRunStart, LogRecord, MetricPoint, SpanRecord } from '../model/telemetry.js';

export interface IngestLimits {
  /** Attributes kept per span / log / event; extra ones are dropped and counted in `truncated`. */
  maxAttributes: number;
  /** Longest attribute string value kept (chars); longer ones are cut and counted. */
  maxAttributeValueLength: number;
  /** Longest prompt / completion / log body kept (chars). */
  maxPayloadChars: number;
  /** Span events kept per span (exceptions, gen_ai.* message events). */
  maxEventsPerSpan: number;
  /** Items stamped further than this in the future are rejected (clock skew tolerance). */
  maxFutureSkewMs: number;
  /** Items older than this are rejected (they would fall outside any sane retention window). */
  maxAgeMs: number;
}

export const defaultIngestLimits: IngestLimits = {
  // 128 matches the OpenTelemetry SDK default attribute count limit, so a well-behaved SDK never
  // loses attributes here while a runaway one cannot blow up a row.
  maxAttributes: 128,
  // 4 KiB keeps a row's raw attributes small enough for columnar storage and list views; the big
  // strings that matter (prompts, completions) have their own, larger cap below.
  maxAttributeValueLength: 4096,
  // 32 Ki chars holds a long multi-turn prompt or a full completion, yet bounds one span's payload
  // at ~64 KiB of UTF-16 so a batch of 512 spans cannot pin hundreds of MiB in the ingest queue.
  maxPayloadChars: 32768,
  // 128 matches the OpenTelemetry SDK default event count limit.
  maxEventsPerSpan: 128,
  // 1 h tolerates badly synced clocks and time zones mistakes in hand-written timestamps, but
  // rejects data that would sit "in the future" on every dashboard.
  maxFutureSkewMs: 60 * 60 * 1000,
  // 30 d: exporters retry for minutes, offline SDK buffers for days at most; older data would be
  // deleted by default retention almost at once and skews rollups.
  maxAgeMs: 30 * 24 * 60 * 60 * 1000,
};

/** Prices LLM usage; built by createPriceTable(). */
export interface PriceTable {
  /** USD cost of a call, or null when the model is unknown (never a silent 0). */
  priceFor(model: string, provider: string | null, inputTokens: number, outputTokens: number): number | null;
}

/** A user price that takes precedence over the bundled table. Prices are USD per million tokens. */
export interface PriceOverride {
  model: string;
  provider?: string;
  inputPerMTok: number;
  outputPerMTok: number;
}

/** Masks secrets / PII in free text and caps its length. */
export interface Redactor {
  redact(text: string): string;
}

export interface NormalizeContext {
  project: string;
  /** "Now" in epoch microseconds, used for future-skew / max-age checks and default times. */
  nowUs: number;
  limits: IngestLimits;
  prices: PriceTable;
  redact?: Redactor;
}

export interface DecodeResult<T> {
  rows: T[];
  /** Items dropped as invalid (bad ids, timestamps out of range, end before start, ...). */
  rejected: number;
  /** Why the first items were rejected (for OTLP partial_success.error_message); null when none. */
  errorMessage: string | null;
  /** Attributes / events dropped or values cut because of the limits, plus strings that held invalid UTF-8. */
  truncated: number;
  /** Strings that were not valid UTF-8 and were decoded with replacement characters. */
  invalidUtf8: number;
}

/** A whole-request failure (malformed payload). The server answers `status` with `code`/`message`. */
export class IngestError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(message: string, code = 'invalid_payload', status = 400) {
    super(message);
    this.name = 'IngestError';
    this.code = code;
    this.status = status;
  }
}

export interface SdkBatchResult {
  spans: SpanRecord[];
  metrics: MetricPoint[];
  logs: LogRecord[];
  agentRunStarts: AgentRunStart[];
  agentRunEnds: { project: string; spanId: string }[];
  accepted: number;
  rejected: number;
  errors: { index: number; message: string }[];
  /** Attributes / values cut by the limits (informational). */
  truncated: number;
}

export type OtlpFormat = 'protobuf' | 'json';
export type OtlpSignal = 'traces' | 'metrics' | 'logs';
