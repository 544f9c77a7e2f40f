/**
 * The recording span: a plain object with the fields an exporter needs, nothing else. Mutators are
 * ignored after end() (spans are handed to the export queue at end and must not change under it).
 */
import { nowUs, toEpochUs } from '../internal/clock.js';
import { ATTR, type VigilKind } from './semconv.js';
import type {
  Attributes,
  AttributeValue,
  ReadableVigilSpan,
  SpanEventData,
  SpanLike,
  StatusCode,
  StatusName,
  TimeInput,
} from './types.js';

/** Receives ended spans (the processor seam, as in OpenTelemetry's SpanProcessor.onEnd). */
export interface SpanSink {
  onEnd(span: ReadableVigilSpan): void;
}

const MAX_PAYLOAD_CHARS = 32_768;
const MAX_EVENTS = 128;

export function payloadString(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  let s: string;
  if (typeof v === 'string') s = v;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > MAX_PAYLOAD_CHARS ? s.slice(0, MAX_PAYLOAD_CHARS) : s;
}

export function exceptionAttributes(error: unknown): Attributes {
  if (error instanceof Error) {
    return {
      [ATTR.exceptionType]: error.name || error.constructor?.name || 'Error',
      [ATTR.exceptionMessage]: error.message,
      [ATTR.exceptionStacktrace]: error.stack ?? '',
    };
  }
  return { [ATTR.exceptionType]: typeof error, [ATTR.exceptionMessage]: String(error) };
}

export class VigilSpan implements SpanLike, ReadableVigilSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  name: string;
  readonly kind: VigilKind;
  readonly otelKind: number;
  readonly startUs: number;
  endUs = 0;
  readonly attributes: Attributes;
  events: SpanEventData[] | undefined = undefined;
  statusCode: StatusCode = 0;
  statusMessage: string | undefined = undefined;
  private ended = false;
  private readonly sink: SpanSink;

  constructor(
    sink: SpanSink,
    traceId: string,
    spanId: string,
    parentSpanId: string | undefined,
    name: string,
    kind: VigilKind,
    otelKind: number,
    startUs: number,
    attributes: Attributes,
  ) {
    this.sink = sink;
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.name = name;
    this.kind = kind;
    this.otelKind = otelKind;
    this.startUs = startUs;
    this.attributes = attributes;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended && value !== undefined) this.attributes[key] = value;
    return this;
  }

  setAttributes(attrs: Attributes): this {
    if (!this.ended && attrs) {
      for (const k in attrs) {
        const v = attrs[k];
        if (v !== undefined) this.attributes[k] = v;
      }
    }
    return this;
  }

  addEvent(name: string, attributes?: Attributes, time?: TimeInput): this {
    if (this.ended) return this;
    const events = this.events ?? (this.events = []);
    if (events.length < MAX_EVENTS) events.push({ name, timeUs: toEpochUs(time) ?? nowUs(), attributes });
    return this;
  }

  recordException(error: unknown, time?: TimeInput): this {
    return this.addEvent('exception', exceptionAttributes(error), time);
  }

  setStatus(status: StatusName, message?: string): this {
    if (this.ended) return this;
    // As in OTel: OK is final, and a message only belongs to an error.
    if (this.statusCode === 1) return this;
    this.statusCode = status === 'ok' ? 1 : status === 'error' ? 2 : 0;
    this.statusMessage = status === 'error' ? message : undefined;
    return this;
  }

  setUsage(usage: { inputTokens?: number; outputTokens?: number; costUsd?: number }): this {
    if (this.ended || !usage) return this;
    if (usage.inputTokens !== undefined) this.attributes[ATTR.inputTokens] = usage.inputTokens;
    if (usage.outputTokens !== undefined) this.attributes[ATTR.outputTokens] = usage.outputTokens;
    if (usage.costUsd !== undefined) this.attributes[ATTR.costUsd] = usage.costUsd;
    return this;
  }

  setOutput(output: unknown): this {
    const s = payloadString(output);
    if (s !== undefined) this.setAttribute(ATTR.output, s);
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    const end = endTime === undefined ? nowUs() : (toEpochUs(endTime) ?? nowUs());
    this.endUs = end < this.startUs ? this.startUs : end;
    try {
      this.sink.onEnd(this);
    } catch {
      // export problems are the exporter's to count; never the caller's
    }
  }
}

/** What a tracer hands out before the SDK is configured: carries context, records nothing. */
export class NonRecordingSpan implements SpanLike {
  constructor(
    readonly traceId: string,
    readonly spanId: string,
  ) {}
  isRecording(): boolean {
    return false;
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  recordException(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  setUsage(): this {
    return this;
  }
  setOutput(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {}
}

export const INVALID_SPAN = new NonRecordingSpan('00000000000000000000000000000000', '0000000000000000');
