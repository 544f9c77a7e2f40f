/**
 * The recording span: a plain object with the fields an exporter needs, nothing else. Mutators are
 * ignored after end() (spans are handed to the export queue at end and must not change under it).
 */
import { nowUs, toEpochUs } from '../internal/clock.js';
import { randomWord, type TraceRef, wordsHex } from '../internal/ids.js';
import { ATTR, type VigilKind } from './semconv.js';
import type {
  Attributes,
  AttributeValue,
  ReadableVigilSpan,
  SpanEventData,
  SpanIdWords,
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
/** As the OpenTelemetry SDK's default attribute count limit. */
const MAX_ATTRIBUTES = 128;

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
  readonly trace: TraceRef;
  // Span and parent ids as 16-bit words (Smis: no allocation per span); hex strings are built on demand.
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
  readonly s3: number;
  /** The parent's id words: the parent span itself (no copy), or the ids of a remote parent. */
  readonly parentIds: SpanIdWords | undefined;
  name: string;
  readonly kind: VigilKind;
  readonly otelKind: number;
  readonly startUs: number;
  endUs = 0;
  /** [key, value, key, value, ...]; slots at and after attrCount are unused. */
  readonly attrs: AttributeValue[];
  attrCount: number;
  events: SpanEventData[] | undefined = undefined;
  statusCode: StatusCode = 0;
  statusMessage: string | undefined = undefined;
  agentRun = false;
  private ended = false;
  private spanHex: string | undefined = undefined;
  private readonly sink: SpanSink;

  constructor(
    sink: SpanSink,
    trace: TraceRef,
    parent: SpanIdWords | undefined,
    name: string,
    kind: VigilKind,
    otelKind: number,
    startUs: number,
    attrs: AttributeValue[],
    attrCount: number = attrs.length,
  ) {
    this.sink = sink;
    this.trace = trace;
    let s0 = randomWord();
    const s1 = randomWord();
    const s2 = randomWord();
    const s3 = randomWord();
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // all-zero ids are invalid
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.parentIds = parent;
    this.name = name;
    this.kind = kind;
    this.otelKind = otelKind;
    this.startUs = startUs;
    this.attrs = attrs;
    this.attrCount = attrCount;
  }

  get traceId(): string {
    return this.trace.hex;
  }

  get spanId(): string {
    if (this.spanHex === undefined) this.spanHex = wordsHex(this.s0, this.s1, this.s2, this.s3);
    return this.spanHex;
  }

  get parentSpanId(): string | undefined {
    const p = this.parentIds;
    return p === undefined ? undefined : wordsHex(p.s0, p.s1, p.s2, p.s3);
  }

  get attributes(): Attributes {
    const out: Attributes = {};
    const a = this.attrs;
    for (let i = 0; i < this.attrCount; i += 2) out[a[i] as string] = a[i + 1];
    return out;
  }

  isRecording(): boolean {
    return !this.ended;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.ended || value === undefined) return this;
    const a = this.attrs;
    const n = this.attrCount;
    for (let i = 0; i < n; i += 2) {
      if (a[i] === key) {
        a[i + 1] = value;
        return this;
      }
    }
    if (n < MAX_ATTRIBUTES * 2) {
      a[n] = key;
      a[n + 1] = value;
      this.attrCount = n + 2;
    }
    return this;
  }

  setAttributes(attrs: Attributes): this {
    if (!this.ended && attrs) {
      for (const k in attrs) this.setAttribute(k, attrs[k]);
    }
    return this;
  }

  addEvent(name: string, attributes?: Attributes, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events === undefined) this.events = [];
    const events = this.events;
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
    this.setAttribute(ATTR.inputTokens, usage.inputTokens);
    this.setAttribute(ATTR.outputTokens, usage.outputTokens);
    this.setAttribute(ATTR.costUsd, usage.costUsd);
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
