/**
 * Tracers and the global one. Until the SDK is configured the global tracer is a no-op (as with
 * @opentelemetry/api): instrumented code runs unchanged and records nothing.
 */
import { nowUs, toEpochUs } from '../internal/clock.js';
import { hexWords, newSpanId, newTraceId, newTraceRef, type TraceRef, traceRefFromHex } from '../internal/ids.js';
import { getActiveSpan, runWithSpan } from './context.js';
import { ATTR, DEFAULT_OPERATION, defaultOtelKind, OTEL_KIND, type VigilKind } from './semconv.js';
import { INVALID_SPAN, NonRecordingSpan, payloadString, type SpanSink, VigilSpan } from './span.js';
import type { AttributeValue, SpanIdWords, SpanLike, SpanOptions } from './types.js';

export interface Tracer {
  startSpan(name: string, opts?: SpanOptions): SpanLike;
}

export class NoopTracer implements Tracer {
  startSpan(): SpanLike {
    return INVALID_SPAN;
  }
}

export interface VigilTracerOptions {
  /** Fraction of new traces recorded, 0..1 (children follow their root). Default 1. */
  sampleRate?: number;
}

export class VigilTracer implements Tracer {
  private readonly sink: SpanSink;
  private readonly sampleRate: number;

  constructor(sink: SpanSink, opts: VigilTracerOptions = {}) {
    this.sink = sink;
    this.sampleRate = opts.sampleRate ?? 1;
  }

  startSpan(name: string, opts?: SpanOptions): SpanLike {
    let trace: TraceRef | undefined;
    let parentRef: SpanIdWords | undefined;
    const explicit = opts?.parent;
    const parent = explicit === undefined ? getActiveSpan() : explicit;
    if (parent instanceof VigilSpan) {
      trace = parent.trace;
      parentRef = parent;
    } else if (parent) {
      // A non-recording parent was sampled out: its children are too.
      if (parent instanceof NonRecordingSpan && parent !== INVALID_SPAN) return parent;
      trace = traceRefFromHex(parent.traceId);
      const w = trace && hexWords(parent.spanId, 4);
      if (w) parentRef = { s0: w[0], s1: w[1], s2: w[2], s3: w[3] };
      else trace = undefined;
    }
    if (trace === undefined) {
      // Sampled out: a non-recording span with real ids, so its children are dropped with it.
      if (this.sampleRate < 1 && Math.random() >= this.sampleRate)
        return new NonRecordingSpan(newTraceId(), newSpanId());
      trace = newTraceRef();
      parentRef = undefined;
    }
    const kind: VigilKind = opts?.kind ?? 'internal';
    // Sixteen slots up front (a packed array of undefined, not a holey one): the usual handful of
    // attributes then never reallocates the backing store.
    // biome-ignore format: one row of slots
    const attrs: AttributeValue[] = ['vigil.kind', kind, u, u, u, u, u, u, u, u, u, u, u, u, u, u];
    let n = 2;
    let otelKind: number;
    if (opts !== undefined) {
      otelKind = opts.otelKind ? OTEL_KIND[opts.otelKind] : defaultOtelKind(kind);
      const op = opts.operation ?? DEFAULT_OPERATION[kind];
      if (op !== undefined) {
        attrs[n++] = ATTR.operation;
        attrs[n++] = op;
      }
      const add = (k: string, v: AttributeValue | undefined) => {
        if (v !== undefined) {
          attrs[n++] = k;
          attrs[n++] = v;
        }
      };
      add(ATTR.requestModel, opts.model);
      add(ATTR.provider, opts.provider);
      add(ATTR.agentId, opts.agentId);
      add(ATTR.agentName, opts.agentName);
      add(ATTR.agentVersion, opts.agentVersion);
      add(ATTR.sessionId, opts.sessionId);
      add(ATTR.userId, opts.userId);
      if (kind === 'tool') add(ATTR.toolName, name);
      if (opts.input !== undefined) add(ATTR.input, payloadString(opts.input));
    } else {
      otelKind = 1;
    }
    const startUs = opts?.startTime !== undefined ? (toEpochUs(opts.startTime) ?? nowUs()) : nowUs();
    const span = new VigilSpan(this.sink, trace, parentRef, name, kind, otelKind, startUs, attrs, n);
    // User attributes last, through setAttribute: they may override the derived ones.
    if (opts?.attributes) span.setAttributes(opts.attributes);
    return span;
  }
}

const u = undefined;

let globalTracer: Tracer = new NoopTracer();

export function setGlobalTracer(tracer: Tracer | null): void {
  globalTracer = tracer ?? new NoopTracer();
}

export function getTracer(): Tracer {
  return globalTracer;
}

// ---- wrappers -------------------------------------------------------------------------------------

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

function fail(span: SpanLike, error: unknown): void {
  try {
    span.recordException(error);
    span.setStatus('error', error instanceof Error ? error.message : String(error));
    span.end();
  } catch {
    // never mask the application's own error
  }
}

/**
 * Runs fn inside span: the span is active in fn (and everything it awaits), ends when fn returns or its
 * promise settles, records a thrown error / rejection and re-throws it unchanged.
 */
export function runInSpan<T>(span: SpanLike, fn: (span: SpanLike) => T): T {
  return runWithSpan(span, () => {
    let result: T;
    try {
      result = fn(span);
    } catch (e) {
      fail(span, e);
      throw e;
    }
    if (isThenable(result)) {
      return result.then(
        (v) => {
          span.end();
          return v;
        },
        (e) => {
          fail(span, e);
          throw e;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}

export function startSpan(name: string, opts?: SpanOptions): SpanLike {
  try {
    return globalTracer.startSpan(name, opts);
  } catch {
    return INVALID_SPAN;
  }
}

export function withSpan<T>(name: string, fn: (span: SpanLike) => T): T;
export function withSpan<T>(name: string, opts: SpanOptions | undefined, fn: (span: SpanLike) => T): T;
export function withSpan<T>(
  name: string,
  optsOrFn: SpanOptions | undefined | ((span: SpanLike) => T),
  maybeFn?: (span: SpanLike) => T,
): T {
  const fn = (typeof optsOrFn === 'function' ? optsOrFn : maybeFn) as (span: SpanLike) => T;
  const opts = typeof optsOrFn === 'function' ? undefined : optsOrFn;
  return runInSpan(startSpan(name, opts), fn);
}

export interface MonitorOptions extends SpanOptions {
  /** Span name; default the function's name. */
  name?: string;
  /** Record the call's arguments as the span input. */
  captureArgs?: boolean;
  /** Record the return value (resolved value for async functions) as the span output. */
  captureResult?: boolean;
}

/** Wraps a function (sync or async) so every call is a span; `this`, arguments, results and errors pass through. */
export function monitor<F extends (...args: never[]) => unknown>(fn: F, opts?: MonitorOptions | string): F {
  const o: MonitorOptions = typeof opts === 'string' ? { name: opts } : (opts ?? {});
  const name = o.name ?? (fn.name || 'anonymous');
  const wrapped = function (this: unknown, ...args: Parameters<F>) {
    let spanOpts: SpanOptions = o;
    if (o.captureArgs) {
      try {
        spanOpts = { ...o, input: args.length === 1 ? args[0] : args };
      } catch {
        spanOpts = o;
      }
    }
    return runInSpan(startSpan(name, spanOpts), (span) => {
      const r = fn.apply(this, args);
      if (o.captureResult) {
        if (isThenable(r)) {
          return r.then((v) => {
            span.setOutput(v);
            return v;
          });
        }
        span.setOutput(r);
      }
      return r;
    });
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  return wrapped as unknown as F;
}
