/**
 * OTLP protobuf decoding (opentelemetry-proto v1 field numbers) into the raw shapes of raw.ts.
 * Messages are walked in place; unknown fields are skipped as protobuf requires.
 */
import type { Attributes, AttributeValue, SpanEvent } from '../model/telemetry.js';
import { ConventionScanner, conventionTag, PAYLOAD, type SpanColumns } from './conventions.js';
import { bytesToBase64, bytesToHex, setOwn } from './hex.js';
import { stringLimit } from './normalize.js';
import { KEY_TAG_UNSET, KEY_TAGS, ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-reader.js';
import type {
  DecodeStats,
  RawExpHistogramPoint,
  RawHistogramPoint,
  RawLog,
  RawMetric,
  RawNumberPoint,
  RawResource,
  RawSpan,
  RawSummaryPoint,
} from './raw.js';
import type { IngestLimits } from './types.js';

/** Nested arrays / maps deeper than this are dropped (and counted) instead of recursing further. */
const MAX_VALUE_DEPTH = 8;

class Ctx {
  readonly scanner = new ConventionScanner();
  /** Where the last 16-byte id was read, and its hex: spans of one trace usually arrive together. */
  lastIdPos = -1;
  lastIdHex = '';
  constructor(
    readonly r: ProtoReader,
    readonly limits: IngestLimits,
    readonly stats: DecodeStats,
  ) {}
}

function expectWire(r: ProtoReader, actual: number, expected: number, field: string): void {
  if (actual !== expected) r.fail(`wrong wire type ${actual} for ${field} (expected ${expected})`, r.pos - 1);
}

/** Reads an id field: exactly `bytes` long or empty (absent), anything else is a malformed request. */
function readId(c: Ctx, limit: number, bytes: number, field: string): string {
  const r = c.r;
  const at = r.pos;
  const end = r.lenEnd(limit);
  const n = end - r.pos;
  if (n === 0) return '';
  if (n !== bytes) r.fail(`${field} must be ${bytes} bytes, got ${n}`, at);
  const buf = r.buf;
  const start = r.pos;
  r.pos = end;
  if (bytes === 16) {
    const last = c.lastIdPos;
    if (last >= 0) {
      let i = 0;
      while (i < 16 && buf[start + i] === buf[last + i]) i++;
      if (i === 16) return c.lastIdHex;
    }
    c.lastIdPos = start;
    c.lastIdHex = bytesToHex(buf, start, end);
    return c.lastIdHex;
  }
  return bytesToHex(buf, start, end);
}

// --- AnyValue / KeyValue -------------------------------------------------------------------------

function readAnyValue(c: Ctx, end: number, depth: number): AttributeValue {
  const r = c.r;
  let v: AttributeValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: {
        expectWire(r, wt, WIRE_LEN, 'AnyValue.string_value');
        const e = r.lenEnd(end);
        let s = r.value(r.pos, e);
        if (depth > 0 && s.length > c.limits.maxAttributeValueLength) {
          s = s.slice(0, c.limits.maxAttributeValueLength);
          c.stats.truncated++;
        }
        v = s;
        r.pos = e;
        break;
      }
      case 2:
        expectWire(r, wt, WIRE_VARINT, 'AnyValue.bool_value');
        v = r.uint32() !== 0;
        break;
      case 3:
        expectWire(r, wt, WIRE_VARINT, 'AnyValue.int_value');
        v = r.int64();
        break;
      case 4:
        expectWire(r, wt, WIRE_I64, 'AnyValue.double_value');
        v = r.double();
        break;
      case 5: {
        expectWire(r, wt, WIRE_LEN, 'AnyValue.array_value');
        const e = r.lenEnd(end);
        if (depth >= MAX_VALUE_DEPTH) {
          c.stats.truncated++;
          r.pos = e;
          v = null;
          break;
        }
        const arr: AttributeValue[] = [];
        while (r.pos < e) {
          const t = r.uint32();
          if (t >>> 3 === 1 && (t & 7) === WIRE_LEN) {
            const ve = r.lenEnd(e);
            if (arr.length < c.limits.maxAttributes) arr.push(readAnyValue(c, ve, depth + 1));
            else c.stats.truncated++;
            r.pos = ve;
          } else r.skip(t & 7, e);
        }
        v = arr;
        break;
      }
      case 6: {
        expectWire(r, wt, WIRE_LEN, 'AnyValue.kvlist_value');
        const e = r.lenEnd(end);
        if (depth >= MAX_VALUE_DEPTH) {
          c.stats.truncated++;
          r.pos = e;
          v = null;
          break;
        }
        const obj: Attributes = {};
        readKeyValues(c, e, obj, 1, depth + 1);
        v = obj;
        break;
      }
      case 7: {
        expectWire(r, wt, WIRE_LEN, 'AnyValue.bytes_value');
        const e = r.lenEnd(end);
        v = bytesToBase64(r.buf, r.pos, Math.min(e, r.pos + c.limits.maxAttributeValueLength));
        r.pos = e;
        break;
      }
      default:
        r.skip(wt, end);
    }
  }
  if (r.pos !== end) r.fail('AnyValue overruns its message');
  return v;
}

/** Reads one KeyValue message [pos, end) into `into`; returns false when it was dropped. */
function readKeyValue(c: Ctx, end: number, into: Attributes, count: number, depth: number): boolean {
  const r = c.r;
  let key = '';
  let value: AttributeValue = null;
  let has = false;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    const f = tag >>> 3;
    if (f === 1) {
      expectWire(r, wt, WIRE_LEN, 'KeyValue.key');
      key = r.readKey(end);
    } else if (f === 2) {
      expectWire(r, wt, WIRE_LEN, 'KeyValue.value');
      const e = r.lenEnd(end);
      if (count < c.limits.maxAttributes) {
        value = readAnyValue(c, e, depth);
        has = true;
      }
      r.pos = e;
    } else r.skip(wt, end);
  }
  if (count >= c.limits.maxAttributes) {
    c.stats.truncated++;
    return false;
  }
  if (!has && key === '') return false;
  setOwn(into, key, value);
  return true;
}

/**
 * Reads all `field` KeyValue entries of the message [pos, end) into `into`; other fields are skipped.
 * Used for kvlists, whose only field is the entries.
 */
function readKeyValues(c: Ctx, end: number, into: Attributes, field: number, depth: number): number {
  const r = c.r;
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === field && (tag & 7) === WIRE_LEN) {
      const e = r.lenEnd(end);
      if (readKeyValue(c, e, into, n, depth)) n++;
      r.pos = e;
    } else r.skip(tag & 7, end);
  }
  return n;
}

function readKeyValueField(c: Ctx, limit: number, into: Attributes, count: number): number {
  const r = c.r;
  const e = r.lenEnd(limit);
  const kept = readKeyValue(c, e, into, count, 0) ? 1 : 0;
  r.pos = e;
  return kept;
}

function readResource(c: Ctx, end: number): RawResource {
  const r = c.r;
  const attributes: Attributes = {};
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) {
      expectWire(r, tag & 7, WIRE_LEN, 'Resource.attributes');
      n += readKeyValueField(c, end, attributes, n);
    } else r.skip(tag & 7, end);
  }
  const sn = attributes['service.name'];
  return { attributes, serviceName: typeof sn === 'string' && sn !== '' ? sn : 'unknown_service' };
}

const EMPTY_RESOURCE: RawResource = Object.freeze({ attributes: {}, serviceName: 'unknown_service' }) as RawResource;

// --- traces ------------------------------------------------------------------------------------

/**
 * A span attribute: mapped onto convention columns as it is decoded; prompt/completion payloads go
 * to the scanner only (they are stored once, redacted, as input/output), the rest into attributes.
 */
function readSpanAttribute(c: Ctx, limit: number, span: RawSpan): void {
  const r = c.r;
  const end = r.lenEnd(limit);
  let key = '';
  let slot = -1;
  let value: AttributeValue = null;
  while (r.pos < end) {
    const t = r.uint32();
    const wt = t & 7;
    const f = t >>> 3;
    if (f === 1) {
      expectWire(r, wt, WIRE_LEN, 'KeyValue.key');
      key = r.readKey(end);
      slot = r.keySlot;
    } else if (f === 2) {
      expectWire(r, wt, WIRE_LEN, 'KeyValue.value');
      const e = r.lenEnd(end);
      value = readAnyValue(c, e, 0);
      r.pos = e;
    } else r.skip(wt, end);
  }
  // The convention role of a key is computed once per distinct key and kept beside it in the cache.
  let tag: number;
  if (slot >= 0) {
    tag = KEY_TAGS[slot];
    if (tag === KEY_TAG_UNSET) {
      tag = conventionTag(key);
      KEY_TAGS[slot] = tag;
    }
  } else tag = conventionTag(key);
  if (c.scanner.observeTagged(tag, key, value) === PAYLOAD) return;
  if (span.attributeCount >= c.limits.maxAttributes) {
    c.stats.truncated++;
    return;
  }
  if (typeof value === 'string' && value.length > c.limits.maxAttributeValueLength) {
    const max = stringLimit(key, c);
    if (value.length > max) {
      value = value.slice(0, max);
      c.stats.truncated++;
    }
  }
  setOwn(span.attributes, key, value);
  span.attributeCount++;
}

function readEvent(c: Ctx, end: number): SpanEvent {
  const r = c.r;
  let timeUs = 0;
  let name = '';
  const attributes: Attributes = {};
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(r, wt, WIRE_I64, 'Span.Event.time_unix_nano');
        timeUs = r.fixed64NanosToMicros();
        break;
      case 2:
        expectWire(r, wt, WIRE_LEN, 'Span.Event.name');
        name = r.readString(end);
        break;
      case 3:
        expectWire(r, wt, WIRE_LEN, 'Span.Event.attributes');
        n += readKeyValueField(c, end, attributes, n);
        break;
      default:
        r.skip(wt, end);
    }
  }
  return { name, timeUs, attributes };
}

function readStatus(c: Ctx, end: number, span: RawSpan): void {
  const r = c.r;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    const f = tag >>> 3;
    if (f === 2) {
      expectWire(r, wt, WIRE_LEN, 'Status.message');
      span.statusMessage = r.readString(end);
    } else if (f === 3) {
      expectWire(r, wt, WIRE_VARINT, 'Status.code');
      span.statusCode = r.uint32();
    } else r.skip(wt, end);
  }
}

/**
 * A class, not an object literal: V8 pretenures literal sites whose objects survive a scavenge (a
 * request's spans do), which puts every span's attribute map in old space and makes each value
 * stored into it an old-to-new pointer. Instances never reach the output (normalizeSpan copies).
 */
class ProtoSpan implements RawSpan {
  traceId = '';
  spanId = '';
  parentSpanId = '';
  name = '';
  kind = 0;
  startUs = 0;
  endUs = 0;
  attributes: Attributes = {};
  attributeCount = 0;
  events: SpanEvent[] = [];
  statusCode = 0;
  statusMessage = '';
  cols: SpanColumns | null = null;
}

function readSpan(c: Ctx, end: number): RawSpan {
  const r = c.r;
  const span = new ProtoSpan();
  c.scanner.reset();
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(r, wt, WIRE_LEN, 'Span.trace_id');
        span.traceId = readId(c, end, 16, 'traceId');
        break;
      case 2:
        expectWire(r, wt, WIRE_LEN, 'Span.span_id');
        span.spanId = readId(c, end, 8, 'spanId');
        break;
      case 4:
        expectWire(r, wt, WIRE_LEN, 'Span.parent_span_id');
        span.parentSpanId = readId(c, end, 8, 'parentSpanId');
        break;
      case 5:
        expectWire(r, wt, WIRE_LEN, 'Span.name');
        span.name = r.readString(end);
        break;
      case 6:
        expectWire(r, wt, WIRE_VARINT, 'Span.kind');
        span.kind = r.uint32();
        break;
      case 7:
        expectWire(r, wt, WIRE_I64, 'Span.start_time_unix_nano');
        span.startUs = r.fixed64NanosToMicros();
        break;
      case 8:
        expectWire(r, wt, WIRE_I64, 'Span.end_time_unix_nano');
        span.endUs = r.fixed64NanosToMicros();
        break;
      case 9:
        expectWire(r, wt, WIRE_LEN, 'Span.attributes');
        readSpanAttribute(c, end, span);
        break;
      case 11: {
        expectWire(r, wt, WIRE_LEN, 'Span.events');
        const e = r.lenEnd(end);
        if (span.events.length < c.limits.maxEventsPerSpan) span.events.push(readEvent(c, e));
        else c.stats.truncated++;
        r.pos = e;
        break;
      }
      case 15: {
        expectWire(r, wt, WIRE_LEN, 'Span.status');
        const e = r.lenEnd(end);
        readStatus(c, e, span);
        r.pos = e;
        break;
      }
      default:
        r.skip(wt, end);
    }
  }
  if (r.pos !== end) r.fail('Span overruns its message');
  span.cols = c.scanner.finish(span.events, span.kind);
  return span;
}

/** Walks a ResourceX → ScopeX → items structure shared by all three signals. */
function walkResourceScopes(
  c: Ctx,
  resourceEnd: number,
  itemField: number,
  onItem: (end: number, res: RawResource) => void,
): void {
  const r = c.r;
  const start = r.pos;
  // The resource usually comes first, but protobuf allows any order: find it before the items.
  let res = EMPTY_RESOURCE;
  while (r.pos < resourceEnd) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) {
      const e = r.lenEnd(resourceEnd);
      res = readResource(c, e);
      r.pos = e;
    } else r.skip(tag & 7, resourceEnd);
  }
  r.pos = start;
  while (r.pos < resourceEnd) {
    const tag = r.uint32();
    if (tag >>> 3 === 2 && (tag & 7) === WIRE_LEN) {
      const scopeEnd = r.lenEnd(resourceEnd);
      while (r.pos < scopeEnd) {
        const t = r.uint32();
        if (t >>> 3 === itemField && (t & 7) === WIRE_LEN) {
          const e = r.lenEnd(scopeEnd);
          onItem(e, res);
          r.pos = e;
        } else r.skip(t & 7, scopeEnd);
      }
    } else r.skip(tag & 7, resourceEnd);
  }
}

function walkRequest(
  buf: Uint8Array,
  limits: IngestLimits,
  stats: DecodeStats,
  itemField: number,
  onItem: (c: Ctx, end: number, res: RawResource) => void,
): void {
  const r = new ProtoReader(buf);
  const c = new Ctx(r, limits, stats);
  const end = buf.length;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0) r.fail('field number 0', r.pos - 1);
    if (tag >>> 3 === 1 && (tag & 7) === WIRE_LEN) {
      const e = r.lenEnd(end);
      walkResourceScopes(c, e, itemField, (itemEnd, res) => onItem(c, itemEnd, res));
      r.pos = e;
    } else r.skip(tag & 7, end);
  }
  stats.invalidUtf8 += r.invalidUtf8;
}

export function decodeTracesProto(
  buf: Uint8Array,
  limits: IngestLimits,
  stats: DecodeStats,
  onSpan: (span: RawSpan, res: RawResource) => void,
): void {
  walkRequest(buf, limits, stats, 2, (c, end, res) => onSpan(readSpan(c, end), res));
}

// --- logs --------------------------------------------------------------------------------------

function readLog(c: Ctx, end: number): RawLog {
  const r = c.r;
  const log: RawLog = {
    timeUs: 0,
    observedUs: 0,
    severity: 0,
    severityText: '',
    body: null,
    attributes: {},
    traceId: '',
    spanId: '',
    eventName: '',
  };
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(r, wt, WIRE_I64, 'LogRecord.time_unix_nano');
        log.timeUs = r.fixed64NanosToMicros();
        break;
      case 11:
        expectWire(r, wt, WIRE_I64, 'LogRecord.observed_time_unix_nano');
        log.observedUs = r.fixed64NanosToMicros();
        break;
      case 2:
        expectWire(r, wt, WIRE_VARINT, 'LogRecord.severity_number');
        log.severity = r.uint32();
        break;
      case 3:
        expectWire(r, wt, WIRE_LEN, 'LogRecord.severity_text');
        log.severityText = r.readString(end);
        break;
      case 5: {
        expectWire(r, wt, WIRE_LEN, 'LogRecord.body');
        const e = r.lenEnd(end);
        log.body = readAnyValue(c, e, 0); // top level: capped later at maxPayloadChars, not the attribute limit
        r.pos = e;
        break;
      }
      case 6:
        expectWire(r, wt, WIRE_LEN, 'LogRecord.attributes');
        n += readKeyValueField(c, end, log.attributes, n);
        break;
      case 9:
        expectWire(r, wt, WIRE_LEN, 'LogRecord.trace_id');
        log.traceId = readId(c, end, 16, 'traceId');
        break;
      case 10:
        expectWire(r, wt, WIRE_LEN, 'LogRecord.span_id');
        log.spanId = readId(c, end, 8, 'spanId');
        break;
      case 12:
        expectWire(r, wt, WIRE_LEN, 'LogRecord.event_name');
        log.eventName = r.readString(end);
        break;
      default:
        r.skip(wt, end);
    }
  }
  return log;
}

export function decodeLogsProto(
  buf: Uint8Array,
  limits: IngestLimits,
  stats: DecodeStats,
  onLog: (log: RawLog, res: RawResource) => void,
): void {
  walkRequest(buf, limits, stats, 2, (c, end, res) => onLog(readLog(c, end), res));
}

// --- metrics -----------------------------------------------------------------------------------

/** A repeated 8-byte field (double or fixed64), packed or one element per tag. */
function readPacked64(c: Ctx, wt: number, limit: number, out: number[], kind: 'double' | 'fixed64'): void {
  const r = c.r;
  if (wt === WIRE_I64) {
    out.push(kind === 'double' ? r.double() : r.fixed64());
    return;
  }
  expectWire(r, wt, WIRE_LEN, `packed ${kind}`);
  const e = r.lenEnd(limit);
  if ((e - r.pos) % 8 !== 0) r.fail(`packed ${kind}s length not a multiple of 8`);
  if (kind === 'double') while (r.pos < e) out.push(r.double());
  else while (r.pos < e) out.push(r.fixed64());
}

function readPackedVarints(c: Ctx, wt: number, limit: number, out: number[]): void {
  const r = c.r;
  if (wt === WIRE_VARINT) {
    out.push(r.uint64());
    return;
  }
  expectWire(r, wt, WIRE_LEN, 'packed varint');
  const e = r.lenEnd(limit);
  while (r.pos < e) out.push(r.uint64());
  if (r.pos !== e) r.fail('packed varints overrun');
}

function readNumberPoint(c: Ctx, end: number): RawNumberPoint {
  const r = c.r;
  const p: RawNumberPoint = { attributes: {}, timeUs: 0, value: 0, flags: 0 };
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 7:
        expectWire(r, wt, WIRE_LEN, 'NumberDataPoint.attributes');
        n += readKeyValueField(c, end, p.attributes, n);
        break;
      case 3:
        expectWire(r, wt, WIRE_I64, 'NumberDataPoint.time_unix_nano');
        p.timeUs = r.fixed64NanosToMicros();
        break;
      case 4:
        expectWire(r, wt, WIRE_I64, 'NumberDataPoint.as_double');
        p.value = r.double();
        break;
      case 6:
        expectWire(r, wt, WIRE_I64, 'NumberDataPoint.as_int');
        p.value = r.sfixed64();
        break;
      case 8:
        expectWire(r, wt, WIRE_VARINT, 'NumberDataPoint.flags');
        p.flags = r.uint32();
        break;
      default:
        r.skip(wt, end);
    }
  }
  return p;
}

function readHistogramPoint(c: Ctx, end: number): RawHistogramPoint {
  const r = c.r;
  const p: RawHistogramPoint = { attributes: {}, timeUs: 0, count: 0, sum: 0, bounds: [], counts: [], flags: 0 };
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 9:
        expectWire(r, wt, WIRE_LEN, 'HistogramDataPoint.attributes');
        n += readKeyValueField(c, end, p.attributes, n);
        break;
      case 3:
        expectWire(r, wt, WIRE_I64, 'HistogramDataPoint.time_unix_nano');
        p.timeUs = r.fixed64NanosToMicros();
        break;
      case 4:
        expectWire(r, wt, WIRE_I64, 'HistogramDataPoint.count');
        p.count = r.fixed64();
        break;
      case 5:
        expectWire(r, wt, WIRE_I64, 'HistogramDataPoint.sum');
        p.sum = r.double();
        break;
      case 6:
        readPacked64(c, wt, end, p.counts, 'fixed64');
        break;
      case 7:
        readPacked64(c, wt, end, p.bounds, 'double');
        break;
      case 10:
        expectWire(r, wt, WIRE_VARINT, 'HistogramDataPoint.flags');
        p.flags = r.uint32();
        break;
      case 11:
        expectWire(r, wt, WIRE_I64, 'HistogramDataPoint.min');
        p.min = r.double();
        break;
      case 12:
        expectWire(r, wt, WIRE_I64, 'HistogramDataPoint.max');
        p.max = r.double();
        break;
      default:
        r.skip(wt, end);
    }
  }
  return p;
}

function readBuckets(c: Ctx, end: number): { offset: number; counts: number[] } {
  const r = c.r;
  const b = { offset: 0, counts: [] as number[] };
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    const f = tag >>> 3;
    if (f === 1) {
      expectWire(r, wt, WIRE_VARINT, 'Buckets.offset');
      b.offset = r.sint32();
    } else if (f === 2) readPackedVarints(c, wt, end, b.counts);
    else r.skip(wt, end);
  }
  return b;
}

function readExpHistogramPoint(c: Ctx, end: number): RawExpHistogramPoint {
  const r = c.r;
  const p: RawExpHistogramPoint = {
    attributes: {},
    timeUs: 0,
    count: 0,
    sum: 0,
    scale: 0,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, counts: [] },
    negative: { offset: 0, counts: [] },
    flags: 0,
  };
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1:
        expectWire(r, wt, WIRE_LEN, 'ExponentialHistogramDataPoint.attributes');
        n += readKeyValueField(c, end, p.attributes, n);
        break;
      case 3:
        expectWire(r, wt, WIRE_I64, 'ExponentialHistogramDataPoint.time_unix_nano');
        p.timeUs = r.fixed64NanosToMicros();
        break;
      case 4:
        expectWire(r, wt, WIRE_I64, 'ExponentialHistogramDataPoint.count');
        p.count = r.fixed64();
        break;
      case 5:
        expectWire(r, wt, WIRE_I64, 'ExponentialHistogramDataPoint.sum');
        p.sum = r.double();
        break;
      case 6:
        expectWire(r, wt, WIRE_VARINT, 'ExponentialHistogramDataPoint.scale');
        p.scale = r.sint32();
        break;
      case 7:
        expectWire(r, wt, WIRE_I64, 'ExponentialHistogramDataPoint.zero_count');
        p.zeroCount = r.fixed64();
        break;
      case 8:
      case 9: {
        expectWire(r, wt, WIRE_LEN, 'ExponentialHistogramDataPoint.buckets');
        const e = r.lenEnd(end);
        const b = readBuckets(c, e);
        if (tag >>> 3 === 8) p.positive = b;
        else p.negative = b;
        r.pos = e;
        break;
      }
      case 10:
        expectWire(r, wt, WIRE_VARINT, 'ExponentialHistogramDataPoint.flags');
        p.flags = r.uint32();
        break;
      case 12:
        expectWire(r, wt, WIRE_I64, 'ExponentialHistogramDataPoint.min');
        p.min = r.double();
        break;
      case 13:
        expectWire(r, wt, WIRE_I64, 'ExponentialHistogramDataPoint.max');
        p.max = r.double();
        break;
      case 14:
        expectWire(r, wt, WIRE_I64, 'ExponentialHistogramDataPoint.zero_threshold');
        p.zeroThreshold = r.double();
        break;
      default:
        r.skip(wt, end);
    }
  }
  return p;
}

function readQuantile(c: Ctx, end: number): { quantile: number; value: number } {
  const r = c.r;
  const q = { quantile: 0, value: 0 };
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    const f = tag >>> 3;
    if (f === 1) {
      expectWire(r, wt, WIRE_I64, 'ValueAtQuantile.quantile');
      q.quantile = r.double();
    } else if (f === 2) {
      expectWire(r, wt, WIRE_I64, 'ValueAtQuantile.value');
      q.value = r.double();
    } else r.skip(wt, end);
  }
  return q;
}

function readSummaryPoint(c: Ctx, end: number): RawSummaryPoint {
  const r = c.r;
  const p: RawSummaryPoint = { attributes: {}, timeUs: 0, count: 0, sum: 0, quantiles: [], flags: 0 };
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 7:
        expectWire(r, wt, WIRE_LEN, 'SummaryDataPoint.attributes');
        n += readKeyValueField(c, end, p.attributes, n);
        break;
      case 3:
        expectWire(r, wt, WIRE_I64, 'SummaryDataPoint.time_unix_nano');
        p.timeUs = r.fixed64NanosToMicros();
        break;
      case 4:
        expectWire(r, wt, WIRE_I64, 'SummaryDataPoint.count');
        p.count = r.fixed64();
        break;
      case 5:
        expectWire(r, wt, WIRE_I64, 'SummaryDataPoint.sum');
        p.sum = r.double();
        break;
      case 6: {
        expectWire(r, wt, WIRE_LEN, 'SummaryDataPoint.quantile_values');
        const e = r.lenEnd(end);
        p.quantiles.push(readQuantile(c, e));
        r.pos = e;
        break;
      }
      case 8:
        expectWire(r, wt, WIRE_VARINT, 'SummaryDataPoint.flags');
        p.flags = r.uint32();
        break;
      default:
        r.skip(wt, end);
    }
  }
  return p;
}

/** Reads the data points of a Gauge/Sum/Histogram/... message into `m`. */
function readMetricData(c: Ctx, end: number, m: RawMetric): void {
  const r = c.r;
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    const f = tag >>> 3;
    if (f === 1) {
      expectWire(r, wt, WIRE_LEN, 'data_points');
      const e = r.lenEnd(end);
      switch (m.kind) {
        case 'gauge':
        case 'sum':
          m.numberPoints.push(readNumberPoint(c, e));
          break;
        case 'histogram':
          m.histogramPoints.push(readHistogramPoint(c, e));
          break;
        case 'exponential_histogram':
          m.expPoints.push(readExpHistogramPoint(c, e));
          break;
        case 'summary':
          m.summaryPoints.push(readSummaryPoint(c, e));
          break;
      }
      r.pos = e;
    } else if (f === 3 && m.kind === 'sum') {
      expectWire(r, wt, WIRE_VARINT, 'Sum.is_monotonic');
      m.monotonic = r.uint32() !== 0;
    } else r.skip(wt, end);
  }
}

const METRIC_DATA_FIELDS: Record<number, RawMetric['kind']> = {
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'exponential_histogram',
  11: 'summary',
};

function readMetric(c: Ctx, end: number): RawMetric {
  const r = c.r;
  const m: RawMetric = {
    name: '',
    unit: '',
    kind: null,
    monotonic: false,
    numberPoints: [],
    histogramPoints: [],
    expPoints: [],
    summaryPoints: [],
  };
  while (r.pos < end) {
    const tag = r.uint32();
    const wt = tag & 7;
    const f = tag >>> 3;
    if (f === 1) {
      expectWire(r, wt, WIRE_LEN, 'Metric.name');
      m.name = r.readString(end);
    } else if (f === 3) {
      expectWire(r, wt, WIRE_LEN, 'Metric.unit');
      m.unit = r.readString(end);
    } else if (METRIC_DATA_FIELDS[f] !== undefined) {
      expectWire(r, wt, WIRE_LEN, `Metric.${METRIC_DATA_FIELDS[f]}`);
      const e = r.lenEnd(end);
      m.kind = METRIC_DATA_FIELDS[f];
      readMetricData(c, e, m);
      r.pos = e;
    } else r.skip(wt, end);
  }
  return m;
}

export function decodeMetricsProto(
  buf: Uint8Array,
  limits: IngestLimits,
  stats: DecodeStats,
  onMetric: (m: RawMetric, res: RawResource) => void,
): void {
  walkRequest(buf, limits, stats, 2, (c, end, res) => onMetric(readMetric(c, end), res));
}
