/** The seam between the export pipeline (batching, bounds, retries) and where telemetry goes. */
import type { ReadableVigilSpan } from '../trace/types.js';
import type { LogData, MetricData } from './otlp-encode.js';

/** A Vigil-only SDK batch event (docs/api.md, "SDK batch"), e.g. agent_start. */
export interface SdkEvent {
  type: string;
  time?: string | number;
  [key: string]: unknown;
}

export type ExportOutcome =
  | { ok: true }
  | {
      ok: false;
      /** 429 / 5xx / network errors are worth another try; a 400 is not. */
      retryable: boolean;
      /** Server-requested wait (Retry-After), in ms. */
      retryAfterMs?: number;
      error: string;
    };

export interface ExportBackend {
  exportSpans(spans: readonly ReadableVigilSpan[], signal: AbortSignal): Promise<ExportOutcome>;
  exportLogs(logs: readonly LogData[], signal: AbortSignal): Promise<ExportOutcome>;
  exportMetrics(metrics: readonly MetricData[], signal: AbortSignal): Promise<ExportOutcome>;
  exportEvents(events: readonly SdkEvent[], signal: AbortSignal): Promise<ExportOutcome>;
  shutdown?(): Promise<void>;
}
