/**
 * OTLP/JSON decoding (the protobuf JSON mapping as OTLP specifies it: lowerCamelCase field names,
 * proto field names accepted too, hex ids, enums as integers or names, 64-bit integers as strings
 * or numbers) into the raw shapes of raw.ts. Structural type errors are a 400, like a wire-type
 * mismatch in protobuf.
 */
import type { Attributes, AttributeValue, SpanEvent } from '../model/telemetry.js';
import { ConventionScanner, PAYLOAD } from './conventions.js';
import { base64ToBytes, bytesToHex, setOwn } from './hex.js';
import { stringLimit } from './normalize.js';
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
import { IngestError, type IngestLimits } from './types.js';

type Obj = Record<string, unknown>;

const MAX_VALUE_DEPTH = 8;
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJsonBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = fatalUtf8.decode(body);
  } catch {
    throw new IngestError('invalid JSON: body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new IngestError(`invalid JSON: ${(e as Error).message}`);
  }
}

function bad(what: string): never {
  throw new IngestError(`invalid OTLP/JSON: ${what}`);
}

/** Field by its JSON name, falling back to the proto field name. */
function get(o: Obj, camel: string, snake?: string): unknown {
  const v = o[camel];
  if (v !== undefined) return v;
  return snake === undefined ? undefined : o[snake];
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objOrNull(v: unknown, what: string): Obj | null {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) bad(`${what} must be an object`);
  return v;
}

function arr(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) bad(`${what} must be an array`);
  return v;
}

function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') bad(`${what} must be a string`);
  return v;
}

const INT_RE = /^-?\d+$/;

function int(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) bad(`${what} must be an integer`);
    return Math.trunc(v);
  }
  if (typeof v === 'string' && INT_RE.test(v)) return Number(v);
  bad(`${what} must be an integer`);
}

function dbl(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  bad(`${what} must be a number`);
}

/** Nanosecond timestamps as strings (exact) or numbers → microseconds. */
function nanosToUs(v: unknown, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') {
    if (!/^\d+$/.test(v)) bad(`${what} must be an unsigned integer`);
    return v.length <= 3 ? 0 : Number(v.slice(0, -3));
  }
  // A number past 2^53 is only within ±128 ns of what was sent (about now, 1.8e18): the nearest µs
  // is the faithful reading, truncation could land a µs early.
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0)
    return v > Number.MAX_SAFE_INTEGER ? Math.round(v / 1000) : Math.floor(v / 1000);
  bad(`${what} must be an unsigned integer`);
}

function enumValue(v: unknown, names: Record<string, number>, what: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const n = names[v];
    if (n !== undefined) return n;
    if (INT_RE.test(v)) return Number(v);
  }
  bad(`${what} has unknown value ${JSON.stringify(v)}`);
}

const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const SEVERITY_NAMES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, i) => {
  SEVERITY_NAMES[`SEVERITY_NUMBER_${name}`] = i * 4 + 1;
  for (let k = 2; k <= 4; k++) SEVERITY_NAMES[`SEVERITY_NUMBER_${name}${k}`] = i * 4 + k;
});

/** Hex id (the OTLP/JSON rule) or, leniently, base64 as the generic protobuf JSON mapping writes it. */
function id(v: unknown, bytes: number, what: string): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string') bad(`${what} must be a hex string`);
  if (v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) return v.toLowerCase();
  const raw = base64ToBytes(v);
  if (raw !== null && raw.length === bytes) return bytesToHex(raw, 0, raw.length);
  throw new IngestError(
    `${what} must be ${bytes} bytes (${bytes * 2} hex characters), got ${JSON.stringify(v.slice(0, 64))}`,
  );
}

class JsonCtx {
  readonly scanner = new ConventionScanner();
  constructor(
    readonly limits: IngestLimits,
    readonly stats: DecodeStats,
  ) {}

  anyValue(v: unknown, depth: number): AttributeValue {
    if (v === undefined || v === null) return null;
    if (!isObj(v)) bad('AnyValue must be an object');
    // An AnyValue holds one field (a oneof): dispatch on its name in one pass over the keys.
    for (const k in v) {
      const x = v[k];
      switch (k) {
        case 'stringValue':
        case 'string_value': {
          const s = str(x, 'stringValue');
          if (depth > 0 && s.length > this.limits.maxAttributeValueLength) {
            this.stats.truncated++;
            return s.slice(0, this.limits.maxAttributeValueLength);
          }
          return s;
        }
        case 'boolValue':
        case 'bool_value':
          if (typeof x !== 'boolean') bad('boolValue must be a boolean');
          return x;
        case 'intValue':
        case 'int_value':
          return int(x, 'intValue');
        case 'doubleValue':
        case 'double_value':
          return dbl(x, 'doubleValue');
        case 'arrayValue':
        case 'array_value': {
          if (depth >= MAX_VALUE_DEPTH) {
            this.stats.truncated++;
            return null;
          }
          const values = arr(objOrNull(x, 'arrayValue')?.values, 'arrayValue.values');
          const out: AttributeValue[] = [];
          for (const item of values) {
            if (out.length >= this.limits.maxAttributes) {
              this.stats.truncated++;
              break;
            }
            out.push(this.anyValue(item, depth + 1));
          }
          return out;
        }
        case 'kvlistValue':
        case 'kvlist_value': {
          if (depth >= MAX_VALUE_DEPTH) {
            this.stats.truncated++;
            return null;
          }
          const out: Attributes = {};
          this.keyValues(objOrNull(x, 'kvlistValue')?.values, out, depth + 1);
          return out;
        }
        case 'bytesValue':
        case 'bytes_value':
          return str(x, 'bytesValue').slice(0, this.limits.maxAttributeValueLength);
      }
    }
    return null;
  }

  keyValues(list: unknown, into: Attributes, depth: number): number {
    const items = arr(list, 'attributes');
    let n = 0;
    for (const kv of items) {
      if (!isObj(kv)) bad('attribute must be an object');
      if (n >= this.limits.maxAttributes) {
        this.stats.truncated++;
        continue;
      }
      const key = str(kv.key, 'attribute key');
      setOwn(into, key, this.anyValue(kv.value, depth));
      n++;
    }
    return n;
  }

  resource(v: unknown): RawResource {
    const o = objOrNull(v, 'resource');
    const attributes: Attributes = {};
    if (o) this.keyValues(o.attributes, attributes, 0);
    const sn = attributes['service.name'];
    return { attributes, serviceName: typeof sn === 'string' && sn !== '' ? sn : 'unknown_service' };
  }

  /** Iterates resource → scope → items of a request object. */
  walk(
    body: unknown,
    resourceKey: [string, string],
    scopeKey: [string, string],
    itemKey: [string, string],
    onItem: (item: Obj, res: RawResource) => void,
  ): void {
    if (!isObj(body)) bad('request must be a JSON object');
    for (const rs of arr(get(body, ...resourceKey), resourceKey[0])) {
      if (!isObj(rs)) bad(`${resourceKey[0]} entry must be an object`);
      const res = this.resource(rs.resource);
      for (const ss of arr(get(rs, ...scopeKey), scopeKey[0])) {
        if (!isObj(ss)) bad(`${scopeKey[0]} entry must be an object`);
        for (const item of arr(get(ss, ...itemKey), itemKey[0])) {
          if (!isObj(item)) bad(`${itemKey[0]} entry must be an object`);
          onItem(item, res);
        }
      }
    }
  }
}

function span(c: JsonCtx, o: Obj): RawSpan {
  const attributes: Attributes = {};
  let attributeCount = 0;
  c.scanner.reset();
  // Same rules as the protobuf path: map while reading, payloads only to the scanner, cap the rest.
  for (const kv of arr(o.attributes, 'attributes')) {
    if (!isObj(kv)) bad('attribute must be an object');
    const key = str(kv.key, 'attribute key');
    let value = c.anyValue(kv.value, 0);
    if (c.scanner.observe(key, value) === PAYLOAD) continue;
    if (attributeCount >= c.limits.maxAttributes) {
      c.stats.truncated++;
      continue;
    }
    if (typeof value === 'string' && value.length > stringLimit(key, c)) {
      value = value.slice(0, stringLimit(key, c));
      c.stats.truncated++;
    }
    setOwn(attributes, key, value);
    attributeCount++;
  }
  const events: SpanEvent[] = [];
  for (const e of arr(o.events, 'events')) {
    if (!isObj(e)) bad('event must be an object');
    if (events.length >= c.limits.maxEventsPerSpan) {
      c.stats.truncated++;
      continue;
    }
    const ea: Attributes = {};
    c.keyValues(e.attributes, ea, 0);
    events.push({
      name: str(e.name, 'event name'),
      timeUs: nanosToUs(get(e, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
      attributes: ea,
    });
  }
  const status = objOrNull(o.status, 'status');
  const kind = enumValue(o.kind, SPAN_KIND_NAMES, 'kind');
  return {
    traceId: id(get(o, 'traceId', 'trace_id'), 16, 'traceId'),
    spanId: id(get(o, 'spanId', 'span_id'), 8, 'spanId'),
    parentSpanId: id(get(o, 'parentSpanId', 'parent_span_id'), 8, 'parentSpanId'),
    name: str(o.name, 'name'),
    kind,
    startUs: nanosToUs(get(o, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano'),
    endUs: nanosToUs(get(o, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano'),
    attributes,
    attributeCount,
    events,
    statusCode: status ? enumValue(status.code, STATUS_NAMES, 'status.code') : 0,
    statusMessage: status ? str(status.message, 'status.message') : '',
    cols: c.scanner.finish(events, kind),
  };
}

export function decodeTracesJson(
  body: unknown,
  limits: IngestLimits,
  stats: DecodeStats,
  onSpan: (span: RawSpan, res: RawResource) => void,
): void {
  const c = new JsonCtx(limits, stats);
  c.walk(body, ['resourceSpans', 'resource_spans'], ['scopeSpans', 'scope_spans'], ['spans', 'spans'], (o, res) =>
    onSpan(span(c, o), res),
  );
}

export function decodeLogsJson(
  body: unknown,
  limits: IngestLimits,
  stats: DecodeStats,
  onLog: (log: RawLog, res: RawResource) => void,
): void {
  const c = new JsonCtx(limits, stats);
  c.walk(
    body,
    ['resourceLogs', 'resource_logs'],
    ['scopeLogs', 'scope_logs'],
    ['logRecords', 'log_records'],
    (o, res) => {
      const attributes: Attributes = {};
      c.keyValues(o.attributes, attributes, 0);
      onLog(
        {
          timeUs: nanosToUs(get(o, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
          observedUs: nanosToUs(get(o, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano'),
          severity: enumValue(get(o, 'severityNumber', 'severity_number'), SEVERITY_NAMES, 'severityNumber'),
          severityText: str(get(o, 'severityText', 'severity_text'), 'severityText'),
          body: c.anyValue(o.body, 0),
          attributes,
          traceId: id(get(o, 'traceId', 'trace_id'), 16, 'traceId'),
          spanId: id(get(o, 'spanId', 'span_id'), 8, 'spanId'),
          eventName: str(get(o, 'eventName', 'event_name'), 'eventName'),
        },
        res,
      );
    },
  );
}

function pointBase(c: JsonCtx, o: Obj): { attributes: Attributes; timeUs: number; flags: number } {
  const attributes: Attributes = {};
  c.keyValues(o.attributes, attributes, 0);
  return {
    attributes,
    timeUs: nanosToUs(get(o, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano'),
    flags: int(o.flags, 'flags'),
  };
}

function optDbl(v: unknown, what: string): number | undefined {
  return v === undefined || v === null ? undefined : dbl(v, what);
}

function buckets(v: unknown): { offset: number; counts: number[] } {
  const o = objOrNull(v, 'buckets');
  if (!o) return { offset: 0, counts: [] };
  return {
    offset: int(o.offset, 'buckets.offset'),
    counts: arr(get(o, 'bucketCounts', 'bucket_counts'), 'bucketCounts').map((x) => int(x, 'bucketCounts')),
  };
}

function metric(c: JsonCtx, o: Obj): RawMetric {
  const m: RawMetric = {
    name: str(o.name, 'metric name'),
    unit: str(o.unit, 'unit'),
    kind: null,
    monotonic: false,
    numberPoints: [],
    histogramPoints: [],
    expPoints: [],
    summaryPoints: [],
  };
  const points = (data: unknown, what: string): Obj[] => {
    const d = objOrNull(data, what);
    return arr(d ? get(d, 'dataPoints', 'data_points') : undefined, `${what}.dataPoints`).map((p) => {
      if (!isObj(p)) bad('data point must be an object');
      return p;
    });
  };
  const number = (p: Obj): RawNumberPoint => {
    const asInt = get(p, 'asInt', 'as_int');
    return {
      ...pointBase(c, p),
      value: asInt !== undefined ? int(asInt, 'asInt') : dbl(get(p, 'asDouble', 'as_double'), 'asDouble'),
    };
  };
  if (o.gauge !== undefined) {
    m.kind = 'gauge';
    m.numberPoints = points(o.gauge, 'gauge').map(number);
  } else if (o.sum !== undefined) {
    m.kind = 'sum';
    const s = objOrNull(o.sum, 'sum');
    m.monotonic = s !== null && get(s, 'isMonotonic', 'is_monotonic') === true;
    m.numberPoints = points(o.sum, 'sum').map(number);
  } else if (o.histogram !== undefined) {
    m.kind = 'histogram';
    m.histogramPoints = points(o.histogram, 'histogram').map(
      (p): RawHistogramPoint => ({
        ...pointBase(c, p),
        count: int(p.count, 'count'),
        sum: dbl(p.sum, 'sum'),
        min: optDbl(p.min, 'min'),
        max: optDbl(p.max, 'max'),
        bounds: arr(get(p, 'explicitBounds', 'explicit_bounds'), 'explicitBounds').map((x) => dbl(x, 'explicitBounds')),
        counts: arr(get(p, 'bucketCounts', 'bucket_counts'), 'bucketCounts').map((x) => int(x, 'bucketCounts')),
      }),
    );
  } else if (get(o, 'exponentialHistogram', 'exponential_histogram') !== undefined) {
    m.kind = 'exponential_histogram';
    m.expPoints = points(get(o, 'exponentialHistogram', 'exponential_histogram'), 'exponentialHistogram').map(
      (p): RawExpHistogramPoint => ({
        ...pointBase(c, p),
        count: int(p.count, 'count'),
        sum: dbl(p.sum, 'sum'),
        min: optDbl(p.min, 'min'),
        max: optDbl(p.max, 'max'),
        scale: int(p.scale, 'scale'),
        zeroCount: int(get(p, 'zeroCount', 'zero_count'), 'zeroCount'),
        zeroThreshold: dbl(get(p, 'zeroThreshold', 'zero_threshold'), 'zeroThreshold'),
        positive: buckets(p.positive),
        negative: buckets(p.negative),
      }),
    );
  } else if (o.summary !== undefined) {
    m.kind = 'summary';
    m.summaryPoints = points(o.summary, 'summary').map(
      (p): RawSummaryPoint => ({
        ...pointBase(c, p),
        count: int(p.count, 'count'),
        sum: dbl(p.sum, 'sum'),
        quantiles: arr(get(p, 'quantileValues', 'quantile_values'), 'quantileValues').map((q) => {
          if (!isObj(q)) bad('quantile value must be an object');
          return { quantile: dbl(q.quantile, 'quantile'), value: dbl(q.value, 'value') };
        }),
      }),
    );
  }
  return m;
}

export function decodeMetricsJson(
  body: unknown,
  limits: IngestLimits,
  stats: DecodeStats,
  onMetric: (m: RawMetric, res: RawResource) => void,
): void {
  const c = new JsonCtx(limits, stats);
  c.walk(
    body,
    ['resourceMetrics', 'resource_metrics'],
    ['scopeMetrics', 'scope_metrics'],
    ['metrics', 'metrics'],
    (o, res) => onMetric(metric(c, o), res),
  );
}
