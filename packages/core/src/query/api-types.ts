/**
 * JSON shapes of the REST API that both the server (query/json.ts) and the dashboard use. Types
 * only, with no runtime code and no Node imports, so the web app can import them
 * (`@vigil/core/api-types`) without depending on any server code. The span shape is an automation
 * contract (docs/api.md "Span").
 */
import type { SpanKind, SpanStatus } from '../model/telemetry.js';

export interface SpanEventJson {
  name: string;
  time: string;
  attributes: Record<string, unknown>;
}

export interface SpanJson {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: SpanKind;
  startTime: string;
  endTime: string;
  durationMs: number;
  status: SpanStatus;
  statusMessage: string | null;
  serviceName: string;
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
  attributes: Record<string, unknown>;
  events: SpanEventJson[];
  input: string | null;
  output: string | null;
}
