/**
 * Raw (decoded) OTLP items → Vigil records: validation (ids, time window), conventions, cost,
 * limits and redaction. Shared by the protobuf and JSON paths and by the SDK batch format.
 */
import type {
  Attributes,
  AttributeValue,
  HistogramValue,
  LogRecord,
  MetricPoint,
  SpanEvent,
  SpanRecord,
  SpanStatus,
} from '../model/telemetry.js';
import { mapSpanConventions } from './conventions.js';
import { setOwn, ZERO_SPAN_ID, ZERO_TRACE_ID } from './hex.js';
import type { DecodeStats, RawLog, RawMetric, RawResource, RawSpan } from './raw.js';
import type { NormalizeContext } from './types.js';

/** Collects rows and the first rejection reason; turned into a DecodeResult at the end. */
export class Collector<T> {
  rows: T[] = [];
  rejected = 0;
  firstError: string | null = null;
  readonly stats: DecodeStats = { truncated: 0, invalidUtf8: 0 };

  reject(reason: string): void {
    this.rejected++;
    this.firstError ??= reason;
  }

  result(noun: string) {
    return {
      rows: this.rows,
      rejected: this.rejected,
      errorMessage:
        this.rejected === 0
          ? null
          : `rejected ${this.rejected} ${noun}${this.rejected === 1 ? '' : 's'}: ${this.firstError}`,
      truncated: this.stats.truncated + this.stats.invalidUtf8,
      invalidUtf8: this.stats.invalidUtf8,
    };
  }
}

/** Returns why a time is outside the accepted window, or null. */
export function timeProblem(us: number, ctx: NormalizeContext, what: string): string | null {
  if (us > ctx.nowUs + ctx.limits.maxFutureSkewMs * 1000)
    return `${what} is more than ${ctx.limits.maxFutureSkewMs} ms in the future`;
  if (us < ctx.nowUs - ctx.limits.maxAgeMs * 1000) return `${what} is older than ${ctx.limits.maxAgeMs} ms`;
  return null;
}

/** Caps a payload at maxPayloadChars, then redacts. */
export function payload(text: string | null, ctx: NormalizeContext, stats: DecodeStats): string | null {
  if (text === null) return null;
  let t = text;
  if (t.length > ctx.limits.maxPayloadChars) {
    t = t.slice(0, ctx.limits.maxPayloadChars);
    stats.truncated++;
  }
  return ctx.redact ? ctx.redact.redact(t) : t;
}

/** Keys whose values may exceed maxAttributeValueLength (up to maxPayloadChars): they carry stacks. */
const LONG_KEYS = new Set(['exception.stacktrace']);

/** The string limit for one attribute key. */
export function stringLimit(key: string, ctx: { limits: NormalizeContext['limits'] }): number {
  const max = ctx.limits.maxAttributeValueLength;
  return LONG_KEYS.has(key) ? Math.max(max, ctx.limits.maxPayloadChars) : max;
}

/** Cuts top-level string values over the limit, in place; returns how many were cut. */
export function capStrings(attrs: Attributes, ctx: NormalizeContext): number {
  const max = ctx.limits.maxAttributeValueLength;
  let n = 0;
  for (const k in attrs) {
    const v = attrs[k];
    if (typeof v === 'string' && v.length > max) {
      const limit = LONG_KEYS.has(k) ? Math.max(max, ctx.limits.maxPayloadChars) : max;
      if (v.length > limit) {
        attrs[k] = v.slice(0, limit);
        n++;
      }
    }
  }
  return n;
}

/**
 * Builds SpanRecords with a constructor instead of an object literal: V8 pretenures a literal site
 * whose objects survive scavenges (a request's rows do), after which every young string a record
 * points to is an old-to-new reference that the scavenger keeps copying until promotion (measured:
 * a third of decode CPU in GC). Constructor instances have no allocation site. The prototype is
 * Object.prototype, so records stay plain objects with the same own keys in the same order.
 */
function SpanRecordInit(
  this: SpanRecord,
  project: SpanRecord['project'],
  traceId: SpanRecord['traceId'],
  spanId: SpanRecord['spanId'],
  parentSpanId: SpanRecord['parentSpanId'],
  serviceName: SpanRecord['serviceName'],
  name: SpanRecord['name'],
  kind: SpanRecord['kind'],
  startUs: SpanRecord['startUs'],
  endUs: SpanRecord['endUs'],
  status: SpanRecord['status'],
  statusMessage: SpanRecord['statusMessage'],
  model: SpanRecord['model'],
  provider: SpanRecord['provider'],
  inputTokens: SpanRecord['inputTokens'],
  outputTokens: SpanRecord['outputTokens'],
  costUsd: SpanRecord['costUsd'],
  agentId: SpanRecord['agentId'],
  agentName: SpanRecord['agentName'],
  agentVersion: SpanRecord['agentVersion'],
  sessionId: SpanRecord['sessionId'],
  userId: SpanRecord['userId'],
  attributes: SpanRecord['attributes'],
  events: SpanRecord['events'],
  input: SpanRecord['input'],
  output: SpanRecord['output'],
): void {
  this.project = project;
  this.traceId = traceId;
  this.spanId = spanId;
  this.parentSpanId = parentSpanId;
  this.serviceName = serviceName;
  this.name = name;
  this.kind = kind;
  this.startUs = startUs;
  this.endUs = endUs;
  this.status = status;
  this.statusMessage = statusMessage;
  this.model = model;
  this.provider = provider;
  this.inputTokens = inputTokens;
  this.outputTokens = outputTokens;
  this.costUsd = costUsd;
  this.agentId = agentId;
  this.agentName = agentName;
  this.agentVersion = agentVersion;
  this.sessionId = sessionId;
  this.userId = userId;
  this.attributes = attributes;
  this.events = events;
  this.input = input;
  this.output = output;
}
SpanRecordInit.prototype = Object.prototype;
const SpanRecordObject = SpanRecordInit as unknown as new (...args: Parameters<typeof SpanRecordInit>) => SpanRecord;

const STATUS: SpanStatus[] = ['unset', 'ok', 'error'];

function normalizeEvents(events: SpanEvent[], ctx: NormalizeContext, stats: DecodeStats): SpanEvent[] {
  for (const e of events) {
    stats.truncated += capStrings(e.attributes, ctx);
    // gen_ai.* events carry prompt/completion text: it gets the same redaction as the payload columns.
    if (ctx.redact && e.name.startsWith('gen_ai.')) {
      for (const k in e.attributes) {
        const v = e.attributes[k];
        if (typeof v === 'string') e.attributes[k] = ctx.redact.redact(v);
      }
    }
  }
  return events;
}

export function normalizeSpan(
  raw: RawSpan,
  res: RawResource,
  ctx: NormalizeContext,
  out: Collector<SpanRecord>,
): SpanRecord | null {
  if (raw.traceId === '' || raw.traceId === ZERO_TRACE_ID) {
    out.reject('traceId is missing or all zeros');
    return null;
  }
  if (raw.spanId === '' || raw.spanId === ZERO_SPAN_ID) {
    out.reject('spanId is missing or all zeros');
    return null;
  }
  if (raw.startUs === 0 || raw.endUs === 0) {
    out.reject(`span ${raw.spanId}: start and end times are required`);
    return null;
  }
  if (raw.endUs < raw.startUs) {
    out.reject(`span ${raw.spanId}: end time is before start time`);
    return null;
  }
  // Bounds first: the messages are only built for a span that fails (no strings per good span).
  const lo = ctx.nowUs - ctx.limits.maxAgeMs * 1000;
  const hi = ctx.nowUs + ctx.limits.maxFutureSkewMs * 1000;
  if (raw.startUs < lo || raw.startUs > hi || raw.endUs < lo || raw.endUs > hi) {
    out.reject(
      timeProblem(raw.startUs, ctx, `span ${raw.spanId} start time`) ??
        (timeProblem(raw.endUs, ctx, `span ${raw.spanId} end time`) as string),
    );
    return null;
  }

  const attrs = raw.attributes;
  const cols = raw.cols ?? mapSpanConventions(attrs, raw.events, raw.kind);
  attrs.resource = res.attributes;

  let cost = cols.costUsd;
  if (
    cost === null &&
    cols.model !== null &&
    (cols.kind === 'llm' || cols.kind === 'embedding') &&
    (cols.inputTokens !== null || cols.outputTokens !== null)
  ) {
    cost = ctx.prices.priceFor(cols.model, cols.provider, cols.inputTokens ?? 0, cols.outputTokens ?? 0);
  }

  const serviceAttr = attrs['service.name'];
  // Arguments are evaluated in field order, as the literal's values were (events, then input, output).
  return new SpanRecordObject(
    ctx.project,
    raw.traceId,
    raw.spanId,
    raw.parentSpanId === '' || raw.parentSpanId === ZERO_SPAN_ID ? null : raw.parentSpanId,
    res.serviceName !== 'unknown_service' || typeof serviceAttr !== 'string' ? res.serviceName : serviceAttr,
    raw.name,
    cols.kind,
    raw.startUs,
    raw.endUs,
    STATUS[raw.statusCode] ?? 'unset',
    raw.statusMessage === '' ? null : raw.statusMessage,
    cols.model,
    cols.provider,
    cols.inputTokens,
    cols.outputTokens,
    cost,
    cols.agentId,
    cols.agentName,
    cols.agentVersion,
    cols.sessionId,
    cols.userId,
    attrs,
    raw.events.length === 0 ? raw.events : normalizeEvents(raw.events, ctx, out.stats),
    payload(cols.input, ctx, out.stats),
    payload(cols.output, ctx, out.stats),
  );
}

const SEVERITY_TEXT = ['', 'TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

export function severityText(n: number): string {
  return n <= 0 || n > 24 ? '' : SEVERITY_TEXT[Math.floor((n - 1) / 4) + 1];
}

function bodyText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function normalizeLog(
  raw: RawLog,
  res: RawResource,
  ctx: NormalizeContext,
  out: Collector<LogRecord>,
): LogRecord | null {
  const timeUs = raw.timeUs || raw.observedUs || ctx.nowUs;
  const tp = timeProblem(timeUs, ctx, 'log time');
  if (tp !== null) {
    out.reject(tp);
    return null;
  }
  if (raw.severity < 0 || raw.severity > 24) {
    out.reject(`severityNumber ${raw.severity} is outside 0..24`);
    return null;
  }
  const attrs = raw.attributes;
  out.stats.truncated += capStrings(attrs, ctx);
  if (raw.eventName !== '') attrs['event.name'] = raw.eventName;
  attrs.resource = res.attributes;
  return {
    project: ctx.project,
    timeUs,
    severity: raw.severity,
    severityText: raw.severityText || severityText(raw.severity),
    body: payload(bodyText(raw.body), ctx, out.stats) ?? '',
    traceId: raw.traceId === '' || raw.traceId === ZERO_TRACE_ID ? null : raw.traceId,
    spanId: raw.spanId === '' || raw.spanId === ZERO_SPAN_ID ? null : raw.spanId,
    serviceName: res.serviceName,
    attributes: attrs,
  };
}

function labelValue(v: AttributeValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function labelsOf(attrs: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in attrs) setOwn(out, k, labelValue(attrs[k]));
  return out;
}

/** OTLP data point flag: the point is a staleness marker with no value. */
const FLAG_NO_RECORDED_VALUE = 1;

/** Exponential histogram → explicit bounds: bucket index i covers (base^i, base^(i+1)], base = 2^(2^-scale). */
export function expToExplicit(p: {
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: { offset: number; counts: number[] };
  negative: { offset: number; counts: number[] };
}): { bounds: number[]; counts: number[] } {
  const step = 2 ** -p.scale; // log2 of the base
  const bounds: number[] = [];
  const counts: number[] = [];
  for (let k = p.negative.counts.length - 1; k >= 0; k--) {
    bounds.push(-(2 ** ((p.negative.offset + k) * step)));
    counts.push(p.negative.counts[k]);
  }
  bounds.push(Number.isFinite(p.zeroThreshold) ? Math.abs(p.zeroThreshold) : 0);
  counts.push(p.zeroCount);
  for (let k = 0; k < p.positive.counts.length; k++) {
    bounds.push(2 ** ((p.positive.offset + k + 1) * step));
    counts.push(p.positive.counts[k]);
  }
  counts.push(0); // +Inf
  return { bounds, counts };
}

export function normalizeMetric(
  m: RawMetric,
  res: RawResource,
  ctx: NormalizeContext,
  out: Collector<MetricPoint>,
): void {
  if (m.name === '') {
    out.reject('metric name is empty');
    return;
  }
  if (m.kind === null) {
    out.reject(`metric ${m.name} has no data`);
    return;
  }
  const base = (attributes: Attributes, timeUs: number): Omit<MetricPoint, 'type' | 'value' | 'histogram'> | null => {
    const t = timeUs || ctx.nowUs;
    const tp = timeProblem(t, ctx, `metric ${m.name} point time`);
    if (tp !== null) {
      out.reject(tp);
      return null;
    }
    return {
      project: ctx.project,
      name: m.name,
      unit: m.unit,
      timeUs: t,
      labels: labelsOf(attributes),
      serviceName: res.serviceName,
    };
  };

  if (m.kind === 'gauge' || m.kind === 'sum') {
    const type = m.kind === 'sum' && m.monotonic ? 'counter' : 'gauge';
    for (const p of m.numberPoints) {
      if (p.flags & FLAG_NO_RECORDED_VALUE) continue;
      if (!Number.isFinite(p.value)) {
        out.reject(`metric ${m.name}: value is not a finite number`);
        continue;
      }
      const b = base(p.attributes, p.timeUs);
      if (b) out.rows.push({ ...b, type, value: p.value, histogram: null });
    }
  } else if (m.kind === 'histogram') {
    for (const p of m.histogramPoints) {
      if (p.flags & FLAG_NO_RECORDED_VALUE) continue;
      let { bounds, counts } = p;
      if (counts.length === 0) {
        bounds = [];
        counts = [p.count];
      } else if (counts.length !== bounds.length + 1) {
        out.reject(`metric ${m.name}: bucketCounts must have explicitBounds + 1 entries`);
        continue;
      }
      const b = base(p.attributes, p.timeUs);
      if (!b) continue;
      const h: HistogramValue = { count: p.count, sum: p.sum, bounds, counts };
      if (p.min !== undefined) h.min = p.min;
      if (p.max !== undefined) h.max = p.max;
      out.rows.push({ ...b, type: 'histogram', value: p.sum, histogram: h });
    }
  } else if (m.kind === 'exponential_histogram') {
    for (const p of m.expPoints) {
      if (p.flags & FLAG_NO_RECORDED_VALUE) continue;
      if (p.scale < -10 || p.scale > 20) {
        out.reject(`metric ${m.name}: exponential histogram scale ${p.scale} is outside -10..20`);
        continue;
      }
      const b = base(p.attributes, p.timeUs);
      if (!b) continue;
      const h: HistogramValue = { count: p.count, sum: p.sum, ...expToExplicit(p) };
      if (p.min !== undefined) h.min = p.min;
      if (p.max !== undefined) h.max = p.max;
      out.rows.push({ ...b, type: 'histogram', value: p.sum, histogram: h });
    }
  } else {
    for (const p of m.summaryPoints) {
      if (p.flags & FLAG_NO_RECORDED_VALUE) continue;
      const b = base(p.attributes, p.timeUs);
      if (!b) continue;
      out.rows.push({
        ...b,
        type: 'summary',
        value: p.sum,
        histogram: { count: p.count, sum: p.sum, quantiles: p.quantiles },
      });
    }
  }
}
