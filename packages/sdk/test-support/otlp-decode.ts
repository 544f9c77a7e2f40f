/**
 * Test-only OTLP protobuf decoder driven by the opentelemetry-proto v1 field tables below. It rejects
 * unknown fields and wrong wire types, so a wrong field number in an encoder fails loudly. Its own
 * correctness is pinned by decoding bytes from the official @opentelemetry/otlp-transformer serializers.
 */
type Scalar =
  | 'string'
  | 'bytes'
  | 'varint'
  | 'int64'
  | 'bool'
  | 'fixed64'
  | 'double'
  | 'fixed32'
  | 'packedFixed64'
  | 'packedDouble';
type FieldDef = [name: string, type: Scalar | string, repeated?: boolean];
type Schema = Record<number, FieldDef>;

const S: Record<string, Schema> = {
  TracesRequest: { 1: ['resourceSpans', 'ResourceSpans', true] },
  MetricsRequest: { 1: ['resourceMetrics', 'ResourceMetrics', true] },
  LogsRequest: { 1: ['resourceLogs', 'ResourceLogs', true] },
  ResourceSpans: { 1: ['resource', 'Resource'], 2: ['scopeSpans', 'ScopeSpans', true], 3: ['schemaUrl', 'string'] },
  ResourceMetrics: {
    1: ['resource', 'Resource'],
    2: ['scopeMetrics', 'ScopeMetrics', true],
    3: ['schemaUrl', 'string'],
  },
  ResourceLogs: { 1: ['resource', 'Resource'], 2: ['scopeLogs', 'ScopeLogs', true], 3: ['schemaUrl', 'string'] },
  Resource: { 1: ['attributes', 'KeyValue', true], 2: ['droppedAttributesCount', 'varint'] },
  Scope: {
    1: ['name', 'string'],
    2: ['version', 'string'],
    3: ['attributes', 'KeyValue', true],
    4: ['droppedAttributesCount', 'varint'],
  },
  ScopeSpans: { 1: ['scope', 'Scope'], 2: ['spans', 'Span', true], 3: ['schemaUrl', 'string'] },
  ScopeMetrics: { 1: ['scope', 'Scope'], 2: ['metrics', 'Metric', true], 3: ['schemaUrl', 'string'] },
  ScopeLogs: { 1: ['scope', 'Scope'], 2: ['logRecords', 'LogRecord', true], 3: ['schemaUrl', 'string'] },
  Span: {
    1: ['traceId', 'bytes'],
    2: ['spanId', 'bytes'],
    3: ['traceState', 'string'],
    4: ['parentSpanId', 'bytes'],
    5: ['name', 'string'],
    6: ['kind', 'varint'],
    7: ['startTimeUnixNano', 'fixed64'],
    8: ['endTimeUnixNano', 'fixed64'],
    9: ['attributes', 'KeyValue', true],
    10: ['droppedAttributesCount', 'varint'],
    11: ['events', 'Event', true],
    12: ['droppedEventsCount', 'varint'],
    13: ['links', 'Link', true],
    14: ['droppedLinksCount', 'varint'],
    15: ['status', 'Status'],
    16: ['flags', 'fixed32'],
  },
  Event: {
    1: ['timeUnixNano', 'fixed64'],
    2: ['name', 'string'],
    3: ['attributes', 'KeyValue', true],
    4: ['droppedAttributesCount', 'varint'],
  },
  Link: {
    1: ['traceId', 'bytes'],
    2: ['spanId', 'bytes'],
    3: ['traceState', 'string'],
    4: ['attributes', 'KeyValue', true],
    5: ['droppedAttributesCount', 'varint'],
    6: ['flags', 'fixed32'],
  },
  Status: { 2: ['message', 'string'], 3: ['code', 'varint'] },
  KeyValue: { 1: ['key', 'string'], 2: ['value', 'AnyValue'] },
  AnyValue: {
    1: ['stringValue', 'string'],
    2: ['boolValue', 'bool'],
    3: ['intValue', 'int64'],
    4: ['doubleValue', 'double'],
    5: ['arrayValue', 'ArrayValue'],
    6: ['kvlistValue', 'KeyValueList'],
    7: ['bytesValue', 'bytes'],
  },
  ArrayValue: { 1: ['values', 'AnyValue', true] },
  KeyValueList: { 1: ['values', 'KeyValue', true] },
  Metric: {
    1: ['name', 'string'],
    2: ['description', 'string'],
    3: ['unit', 'string'],
    5: ['gauge', 'Gauge'],
    7: ['sum', 'Sum'],
    9: ['histogram', 'Histogram'],
    11: ['summary', 'Summary'],
    12: ['metadata', 'KeyValue', true],
  },
  Gauge: { 1: ['dataPoints', 'NumberDataPoint', true] },
  Sum: {
    1: ['dataPoints', 'NumberDataPoint', true],
    2: ['aggregationTemporality', 'varint'],
    3: ['isMonotonic', 'bool'],
  },
  Histogram: { 1: ['dataPoints', 'HistogramDataPoint', true], 2: ['aggregationTemporality', 'varint'] },
  Summary: { 1: ['dataPoints', 'SummaryDataPoint', true] },
  NumberDataPoint: {
    7: ['attributes', 'KeyValue', true],
    2: ['startTimeUnixNano', 'fixed64'],
    3: ['timeUnixNano', 'fixed64'],
    4: ['asDouble', 'double'],
    6: ['asInt', 'fixed64'],
    8: ['flags', 'varint'],
  },
  HistogramDataPoint: {
    9: ['attributes', 'KeyValue', true],
    2: ['startTimeUnixNano', 'fixed64'],
    3: ['timeUnixNano', 'fixed64'],
    4: ['count', 'fixed64'],
    5: ['sum', 'double'],
    6: ['bucketCounts', 'packedFixed64'],
    7: ['explicitBounds', 'packedDouble'],
    10: ['flags', 'varint'],
    11: ['min', 'double'],
    12: ['max', 'double'],
  },
  SummaryDataPoint: {
    7: ['attributes', 'KeyValue', true],
    2: ['startTimeUnixNano', 'fixed64'],
    3: ['timeUnixNano', 'fixed64'],
    4: ['count', 'fixed64'],
    5: ['sum', 'double'],
    6: ['quantileValues', 'ValueAtQuantile', true],
    8: ['flags', 'varint'],
  },
  ValueAtQuantile: { 1: ['quantile', 'double'], 2: ['value', 'double'] },
  LogRecord: {
    1: ['timeUnixNano', 'fixed64'],
    11: ['observedTimeUnixNano', 'fixed64'],
    2: ['severityNumber', 'varint'],
    3: ['severityText', 'string'],
    5: ['body', 'AnyValue'],
    6: ['attributes', 'KeyValue', true],
    7: ['droppedAttributesCount', 'varint'],
    8: ['flags', 'fixed32'],
    9: ['traceId', 'bytes'],
    10: ['spanId', 'bytes'],
    12: ['eventName', 'string'],
  },
};

const WIRE: Record<string, number> = {
  string: 2,
  bytes: 2,
  varint: 0,
  int64: 0,
  bool: 0,
  fixed64: 1,
  double: 1,
  fixed32: 5,
  packedFixed64: 2,
  packedDouble: 2,
};

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 127) << shift;
      if (b < 128) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }
  bytes(): Uint8Array {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new Error('truncated bytes');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  fixed64(): bigint {
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  double(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  fixed32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeMessage(buf: Uint8Array, schemaName: string): Record<string, unknown> {
  const schema = S[schemaName];
  const r = new Reader(buf);
  const out: Record<string, unknown> = {};
  while (r.pos < buf.length) {
    const tag = Number(r.varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    const def = schema[field];
    if (!def) throw new Error(`${schemaName}: unknown field ${field}`);
    const [name, type, repeated] = def;
    const expectWire = type in WIRE ? WIRE[type] : 2;
    if (wire !== expectWire) throw new Error(`${schemaName}.${name}: wire type ${wire}, expected ${expectWire}`);
    let value: unknown;
    switch (type) {
      case 'string':
        value = utf8.decode(r.bytes());
        break;
      case 'bytes':
        value = hex(r.bytes());
        break;
      case 'varint':
        value = Number(r.varint());
        break;
      case 'int64':
        value = BigInt.asIntN(64, r.varint());
        break;
      case 'bool':
        value = r.varint() !== 0n;
        break;
      case 'fixed64':
        value = r.fixed64();
        break;
      case 'double':
        value = r.double();
        break;
      case 'fixed32':
        value = r.fixed32();
        break;
      case 'packedFixed64': {
        const b = new Reader(r.bytes());
        const arr: bigint[] = [];
        while (b.pos < b.buf.length) arr.push(b.fixed64());
        value = arr;
        break;
      }
      case 'packedDouble': {
        const b = new Reader(r.bytes());
        const arr: number[] = [];
        while (b.pos < b.buf.length) arr.push(b.double());
        value = arr;
        break;
      }
      default:
        value = decodeMessage(r.bytes(), type);
    }
    if (repeated) {
      if (!out[name]) out[name] = [];
      (out[name] as unknown[]).push(value);
    } else out[name] = value;
  }
  return out;
}

export function decodeTracesRequest(buf: Uint8Array) {
  return decodeMessage(buf, 'TracesRequest') as { resourceSpans?: any[] };
}
export function decodeMetricsRequest(buf: Uint8Array) {
  return decodeMessage(buf, 'MetricsRequest') as { resourceMetrics?: any[] };
}
export function decodeLogsRequest(buf: Uint8Array) {
  return decodeMessage(buf, 'LogsRequest') as { resourceLogs?: any[] };
}

/** AnyValue → plain JS value. */
export function anyValueToJs(v: any): unknown {
  if (!v) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValueToJs);
  if ('kvlistValue' in v) return attrsToObject(v.kvlistValue.values);
  return null;
}

export function attrsToObject(kvs: any[] | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const kv of kvs ?? []) o[kv.key] = anyValueToJs(kv.value);
  return o;
}

/** All spans of a request, flattened, with attributes as an object. */
export function spansOf(req: { resourceSpans?: any[] }) {
  const out: any[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attrsToObject(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) out.push({ ...s, resource, attrs: attrsToObject(s.attributes) });
    }
  }
  return out;
}
