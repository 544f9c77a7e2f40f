import type { TraceRef } from '../internal/ids.js';
import type { VigilKind } from './semconv.js';

export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

/** 0 unset, 1 ok, 2 error: the OTLP Status.code numbers. */
export type StatusCode = 0 | 1 | 2;
export type StatusName = 'unset' | 'ok' | 'error';

export type TimeInput = Date | number | string;

export interface SpanEventData {
  name: string;
  timeUs: number;
  attributes: Attributes | undefined;
}

export interface SpanOptions {
  /** Vigil span kind; default 'internal'. */
  kind?: VigilKind;
  /** OTel SpanKind override ('client', 'server', ...); default derived from kind. */
  otelKind?: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  attributes?: Attributes;
  /** Explicit parent; default is the active span. `null` starts a new trace. */
  parent?: SpanLike | { traceId: string; spanId: string } | null;
  startTime?: TimeInput;
  /** gen_ai.request.model */
  model?: string;
  /** gen_ai.provider.name */
  provider?: string;
  /** gen_ai.operation.name (default from kind) */
  operation?: string;
  agentId?: string;
  agentName?: string;
  agentVersion?: string;
  sessionId?: string;
  userId?: string;
  /** Prompt / input payload (stringified if not a string). */
  input?: unknown;
}

/** A span id as four 16-bit words. */
export interface SpanIdWords {
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
  readonly s3: number;
}

/** The read side of a span that exporters consume. */
export interface ReadableVigilSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  /** The ids as 16-bit words, for the encoder (no hex round trip). */
  readonly trace: TraceRef;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
  readonly s3: number;
  readonly parentIds: SpanIdWords | undefined;
  readonly name: string;
  readonly kind: VigilKind;
  readonly otelKind: number;
  readonly startUs: number;
  readonly endUs: number;
  /** Attributes as a flat [key, value, key, value, ...] list: cheap to build and to encode. */
  readonly attrs: readonly AttributeValue[];
  /** Used length of attrs (slots beyond it are spare capacity). */
  readonly attrCount: number;
  /** The same attributes as an object (built on each access; not for hot paths). */
  readonly attributes: Attributes;
  readonly events: SpanEventData[] | undefined;
  readonly statusCode: StatusCode;
  readonly statusMessage: string | undefined;
  /** The span of an agent run opened by logAgentStart: exported as an agent_complete / agent_error event. */
  readonly agentRun?: boolean;
}

export interface SpanLike {
  readonly traceId: string;
  readonly spanId: string;
  isRecording(): boolean;
  setAttribute(key: string, value: AttributeValue): this;
  setAttributes(attrs: Attributes): this;
  addEvent(name: string, attributes?: Attributes, time?: TimeInput): this;
  recordException(error: unknown, time?: TimeInput): this;
  setStatus(status: StatusName, message?: string): this;
  /** Token usage and cost in one call (gen_ai.usage.*). */
  setUsage(usage: { inputTokens?: number; outputTokens?: number; costUsd?: number }): this;
  setOutput(output: unknown): this;
  updateName(name: string): this;
  end(endTime?: TimeInput): void;
}
