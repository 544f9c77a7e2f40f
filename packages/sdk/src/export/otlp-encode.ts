/**
 * Hand-rolled OTLP protobuf encoders (ExportTraceServiceRequest, ExportMetricsServiceRequest,
 * ExportLogsServiceRequest), field numbers from opentelemetry-proto v1. Equivalence with the official
 * @opentelemetry/otlp-transformer serializer is checked in otlp-encode.test.ts.
 */
import type { Attributes, AttributeValue, ReadableVigilSpan } from '../trace/types.js';
import { ProtoWriter } from './proto-writer.js';

const LEN = 2;
/** Encoded attribute keys and short string values / names, shared by all encoders in the process. */
const KEY_CACHE = new Map<string, Uint8Array>();
const VALUE_CACHE = new Map<string, Uint8Array>();
const CACHE_LIMIT = 4096;
/**
 * Whole encoded KeyValue messages (length prefix included) for string-valued attributes, by key then
 * value: model names, providers, kinds, operation names repeat on almost every span.
 */
const KV_CACHE = new Map<string, Map<string, Uint8Array>>();
const KV_VALUES_PER_KEY = 256;
const KV_MAX_VALUE_CHARS = 48;
const VARINT = 0;
const I64 = 1;

function anyValue(w: ProtoWriter, v: AttributeValue): void {
  switch (typeof v) {
    case 'string':
      w.tag(1, LEN);
      w.cachedString(v, VALUE_CACHE, CACHE_LIMIT);
      return;
    case 'boolean':
      w.tag(2, VARINT);
      w.bool(v);
      return;
    case 'number':
      if (Number.isSafeInteger(v)) {
        w.tag(3, VARINT);
        w.int64(v);
      } else {
        w.tag(4, I64);
        w.double(v);
      }
      return;
    case 'object': {
      if (v === null) return;
      if (Array.isArray(v)) {
        w.tag(5, LEN);
        const arr = w.fork();
        for (const item of v as readonly AttributeValue[]) {
          w.tag(1, LEN);
          const m = w.fork();
          anyValue(w, item);
          w.join(m);
        }
        w.join(arr);
        return;
      }
      w.tag(6, LEN);
      const list = w.fork();
      attributes(w, 1, v as Attributes);
      w.join(list);
      return;
    }
    default:
      // bigint, symbol, function: as text, never a crash
      if (v !== undefined) {
        w.tag(1, LEN);
        w.string(String(v));
      }
  }
}

/** Repeated KeyValue under `field`; null / undefined values are left out (as OTel does). */
export function attributes(w: ProtoWriter, field: number, attrs: Attributes | undefined): void {
  if (!attrs) return;
  for (const key in attrs) {
    const v = attrs[key];
    if (v === undefined || v === null) continue;
    w.tag(field, LEN);
    const kv = w.fork();
    w.tag(1, LEN);
    w.cachedString(key, KEY_CACHE, CACHE_LIMIT);
    w.tag(2, LEN);
    const av = w.fork();
    anyValue(w, v);
    w.join(av);
    w.join(kv);
  }
}

function keyValueBody(w: ProtoWriter, key: string, v: AttributeValue): void {
  w.tag(1, LEN);
  w.cachedString(key, KEY_CACHE, CACHE_LIMIT);
  w.tag(2, LEN);
  const av = w.fork();
  anyValue(w, v);
  w.join(av);
}

/** A length-prefixed KeyValue message. */
function keyValue(w: ProtoWriter, key: string, v: AttributeValue): void {
  const kv = w.fork();
  keyValueBody(w, key, v);
  w.join(kv);
}

/** `0x0a len key 0x12`: a KeyValue's key field and the value field's tag, per key (for numbers). */
const KEY_PREFIX_CACHE = new Map<string, Uint8Array>();

function keyPrefix(key: string): Uint8Array {
  let p = KEY_PREFIX_CACHE.get(key);
  if (p === undefined) {
    const w = new ProtoWriter(key.length * 3 + 8);
    w.tag(1, LEN);
    w.string(key);
    w.tag(2, LEN);
    p = w.finish();
    if (KEY_PREFIX_CACHE.size >= CACHE_LIMIT) KEY_PREFIX_CACHE.clear();
    KEY_PREFIX_CACHE.set(key, p);
  }
  return p;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/**
 * A numeric KeyValue with all lengths computed up front: no nested length placeholders to patch.
 * Non-negative safe integers become int_value, everything else double_value (as anyValue() does).
 */
function numberKeyValue(w: ProtoWriter, key: string, v: number): void {
  const prefix = keyPrefix(key);
  const isInt = v >= 0 && Number.isSafeInteger(v);
  const anyLen = isInt ? 1 + varintSize(v) : 9;
  if (!isInt && Number.isSafeInteger(v)) {
    keyValue(w, key, v); // negative integer: 10-byte varint, the general path
    return;
  }
  w.varint(prefix.length + 1 + anyLen);
  w.small(prefix);
  w.varint(anyLen);
  if (isInt) {
    w.tag(3, VARINT);
    w.varint(v);
  } else {
    w.tag(4, I64);
    w.double(v);
  }
}

/** Repeated KeyValue from a flat [key, value, ...] list (span attributes). */
export function flatAttributes(w: ProtoWriter, field: number, a: readonly AttributeValue[], n: number): void {
  for (let i = 0; i < n; i += 2) {
    const v = a[i + 1];
    if (v === undefined || v === null) continue;
    const key = a[i] as string;
    w.tag(field, LEN);
    if (typeof v === 'string' && v.length <= KV_MAX_VALUE_CHARS) {
      let byValue = KV_CACHE.get(key);
      if (byValue === undefined) {
        if (KV_CACHE.size >= CACHE_LIMIT) KV_CACHE.clear();
        byValue = new Map();
        KV_CACHE.set(key, byValue);
      }
      const hit = byValue.get(v);
      if (hit !== undefined) {
        w.small(hit);
        continue;
      }
      const start = w.pos;
      keyValue(w, key, v);
      if (byValue.size >= KV_VALUES_PER_KEY) byValue.clear();
      byValue.set(v, w.copyFrom(start));
      continue;
    }
    if (typeof v === 'number') {
      numberKeyValue(w, key, v);
      continue;
    }
    const kv = w.fork();
    keyValueBody(w, key, v);
    w.join(kv);
  }
}

/** Resource { attributes } and InstrumentationScope { name, version }, encoded once per exporter. */
export interface EncodedHeader {
  resource: Uint8Array;
  scope: Uint8Array;
}

export function encodeHeader(resourceAttributes: Attributes, scopeName: string, scopeVersion: string): EncodedHeader {
  const w = new ProtoWriter(1024);
  attributes(w, 1, resourceAttributes);
  const resource = w.finish();
  w.reset();
  w.tag(1, LEN);
  w.string(scopeName);
  w.tag(2, LEN);
  w.string(scopeVersion);
  return { resource, scope: w.finish() };
}

function header(w: ProtoWriter, h: EncodedHeader): number {
  // Resource{Spans,Metrics,Logs}.resource = 1, then .scope_* = 2 opened and left for the caller.
  w.tag(1, LEN);
  w.varint(h.resource.length);
  w.raw(h.resource);
  w.tag(2, LEN);
  const scoped = w.fork();
  w.tag(1, LEN);
  w.varint(h.scope.length);
  w.raw(h.scope);
  return scoped;
}

function span(w: ProtoWriter, s: ReadableVigilSpan): void {
  w.tag(1, LEN);
  w.traceId(s.trace);
  w.tag(2, LEN);
  w.words4(s.s0, s.s1, s.s2, s.s3);
  const p = s.parentIds;
  if (p !== undefined) {
    w.tag(4, LEN);
    w.words4(p.s0, p.s1, p.s2, p.s3);
  }
  w.tag(5, LEN);
  w.cachedString(s.name, VALUE_CACHE, CACHE_LIMIT);
  w.tag(6, VARINT);
  w.varint(s.otelKind);
  w.tag(7, I64);
  w.fixed64NanosFromUs(s.startUs);
  w.tag(8, I64);
  w.fixed64NanosFromUs(s.endUs);
  flatAttributes(w, 9, s.attrs, s.attrCount);
  const events = s.events;
  if (events !== undefined) {
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      w.tag(11, LEN);
      const m = w.fork();
      w.tag(1, I64);
      w.fixed64NanosFromUs(e.timeUs);
      w.tag(2, LEN);
      w.string(e.name);
      attributes(w, 3, e.attributes);
      w.join(m);
    }
  }
  if (s.statusCode !== 0 || s.statusMessage) {
    w.tag(15, LEN);
    const st = w.fork();
    if (s.statusMessage) {
      w.tag(2, LEN);
      w.string(s.statusMessage);
    }
    if (s.statusCode !== 0) {
      w.tag(3, VARINT);
      w.varint(s.statusCode);
    }
    w.join(st);
  }
}

/** ExportTraceServiceRequest with one ResourceSpans / ScopeSpans holding all spans. */
/** `copy` false returns a view into the writer's buffer, valid until the writer is used again. */
export function encodeTraces(
  w: ProtoWriter,
  h: EncodedHeader,
  spans: readonly ReadableVigilSpan[],
  copy = true,
): Uint8Array {
  w.reset();
  w.tag(1, LEN);
  const rs = w.fork();
  const ss = header(w, h);
  for (let i = 0; i < spans.length; i++) {
    w.tag(2, LEN);
    const m = w.fork();
    span(w, spans[i]);
    w.join(m);
  }
  w.join(ss);
  w.join(rs);
  return w.finish(copy);
}

// ---- logs -----------------------------------------------------------------------------------------

export interface LogData {
  timeUs: number;
  /** OTLP SeverityNumber 1..24. */
  severity: number;
  severityText: string;
  body: string;
  attributes?: Attributes;
  traceId?: string;
  spanId?: string;
}

export function encodeLogs(
  w: ProtoWriter,
  h: EncodedHeader,
  logs: readonly LogData[],
  observedUs: number,
  copy = true,
): Uint8Array {
  w.reset();
  w.tag(1, LEN);
  const rl = w.fork();
  const sl = header(w, h);
  for (const l of logs) {
    w.tag(2, LEN);
    const m = w.fork();
    w.tag(1, I64);
    w.fixed64NanosFromUs(l.timeUs);
    w.tag(2, VARINT);
    w.varint(l.severity);
    w.tag(3, LEN);
    w.string(l.severityText);
    w.tag(5, LEN);
    const body = w.fork();
    w.tag(1, LEN);
    w.string(l.body);
    w.join(body);
    attributes(w, 6, l.attributes);
    if (l.traceId) {
      w.tag(9, LEN);
      w.hexBytes(l.traceId);
    }
    if (l.spanId) {
      w.tag(10, LEN);
      w.hexBytes(l.spanId);
    }
    w.tag(11, I64);
    w.fixed64NanosFromUs(observedUs);
    w.join(m);
  }
  w.join(sl);
  w.join(rl);
  return w.finish(copy);
}

// ---- metrics --------------------------------------------------------------------------------------

export interface HistogramData {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Upper bounds; counts has bounds.length + 1 entries. */
  bounds: readonly number[];
  counts: readonly number[];
}

export interface SummaryData {
  count: number;
  sum: number;
  quantiles: readonly { quantile: number; value: number }[];
}

export interface MetricPointData {
  labels: Readonly<Record<string, string>>;
  startUs: number;
  timeUs: number;
  value: number;
  histogram?: HistogramData;
  summary?: SummaryData;
}

export interface MetricData {
  name: string;
  description: string;
  unit: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  points: readonly MetricPointData[];
}

function numberPoint(w: ProtoWriter, p: MetricPointData): void {
  w.tag(1, LEN);
  const m = w.fork();
  w.tag(2, I64);
  w.fixed64NanosFromUs(p.startUs);
  w.tag(3, I64);
  w.fixed64NanosFromUs(p.timeUs);
  w.tag(4, I64);
  w.double(p.value);
  attributes(w, 7, p.labels);
  w.join(m);
}

function histogramPoint(w: ProtoWriter, p: MetricPointData, hd: HistogramData): void {
  w.tag(1, LEN);
  const m = w.fork();
  w.tag(2, I64);
  w.fixed64NanosFromUs(p.startUs);
  w.tag(3, I64);
  w.fixed64NanosFromUs(p.timeUs);
  w.tag(4, I64);
  w.fixed64(hd.count);
  w.tag(5, I64);
  w.double(hd.sum);
  w.tag(6, LEN);
  w.varint(hd.counts.length * 8);
  for (const c of hd.counts) w.fixed64(c);
  w.tag(7, LEN);
  w.varint(hd.bounds.length * 8);
  for (const b of hd.bounds) w.double(b);
  attributes(w, 9, p.labels);
  if (hd.count > 0) {
    w.tag(11, I64);
    w.double(hd.min);
    w.tag(12, I64);
    w.double(hd.max);
  }
  w.join(m);
}

function summaryPoint(w: ProtoWriter, p: MetricPointData, sd: SummaryData): void {
  w.tag(1, LEN);
  const m = w.fork();
  w.tag(2, I64);
  w.fixed64NanosFromUs(p.startUs);
  w.tag(3, I64);
  w.fixed64NanosFromUs(p.timeUs);
  w.tag(4, I64);
  w.fixed64(sd.count);
  w.tag(5, I64);
  w.double(sd.sum);
  for (const q of sd.quantiles) {
    w.tag(6, LEN);
    const qm = w.fork();
    w.tag(1, I64);
    w.double(q.quantile);
    w.tag(2, I64);
    w.double(q.value);
    w.join(qm);
  }
  attributes(w, 7, p.labels);
  w.join(m);
}

export function encodeMetrics(
  w: ProtoWriter,
  h: EncodedHeader,
  metrics: readonly MetricData[],
  copy = true,
): Uint8Array {
  w.reset();
  w.tag(1, LEN);
  const rm = w.fork();
  const sm = header(w, h);
  for (const metric of metrics) {
    w.tag(2, LEN);
    const m = w.fork();
    w.tag(1, LEN);
    w.string(metric.name);
    if (metric.description) {
      w.tag(2, LEN);
      w.string(metric.description);
    }
    if (metric.unit) {
      w.tag(3, LEN);
      w.string(metric.unit);
    }
    switch (metric.type) {
      case 'gauge': {
        w.tag(5, LEN);
        const g = w.fork();
        for (const p of metric.points) numberPoint(w, p);
        w.join(g);
        break;
      }
      case 'counter': {
        w.tag(7, LEN);
        const s = w.fork();
        for (const p of metric.points) numberPoint(w, p);
        w.tag(2, VARINT);
        w.varint(2); // cumulative
        w.tag(3, VARINT);
        w.bool(true);
        w.join(s);
        break;
      }
      case 'histogram': {
        w.tag(9, LEN);
        const hm = w.fork();
        for (const p of metric.points) if (p.histogram) histogramPoint(w, p, p.histogram);
        w.tag(2, VARINT);
        w.varint(2);
        w.join(hm);
        break;
      }
      case 'summary': {
        w.tag(11, LEN);
        const sm2 = w.fork();
        for (const p of metric.points) if (p.summary) summaryPoint(w, p, p.summary);
        w.join(sm2);
        break;
      }
    }
    w.join(m);
  }
  w.join(sm);
  w.join(rm);
  return w.finish(copy);
}
