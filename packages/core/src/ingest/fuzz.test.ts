import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { decodeOtlpLogs, decodeOtlpMetrics, decodeOtlpTraces } from './otlp.js';
import { createPriceTable } from './prices.js';
import { normalizeSdkBatch } from './sdk-batch.js';
import { defaultIngestLimits, IngestError, type NormalizeContext } from './types.js';

const ctx: NormalizeContext = {
  project: 'p',
  nowUs: Date.now() * 1000,
  limits: defaultIngestLimits,
  prices: createPriceTable(),
};
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const decoders = [decodeOtlpTraces, decodeOtlpMetrics, decodeOtlpLogs];

/** Runs fn; anything thrown must be an IngestError. */
function onlyIngestErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof IngestError && e.status === 400) return true;
    throw e;
  }
}

function validTraceBody(): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('f');
  const now = Date.now();
  const s = tracer.startSpan('s', {
    startTime: now - 5,
    attributes: { 'gen_ai.request.model': 'gpt-4o', n: [1, 2], k: 'v' },
  });
  s.addEvent('exception', { 'exception.message': 'x' });
  s.end(now);
  return ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()) as Uint8Array;
}

describe('fuzz: decoders never throw anything but IngestError', () => {
  test('random bytes, protobuf and JSON, all signals', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        for (const d of decoders) {
          onlyIngestErrors(() => d(bytes, 'protobuf', ctx));
          onlyIngestErrors(() => d(bytes, 'json', ctx));
        }
      }),
      { numRuns: 500 },
    );
  });

  test('random well-formed protobuf structures (valid tags, nested messages) reach deep decoder paths', () => {
    const tree = fc.letrec((tie) => ({
      msg: fc.array(tie('field'), { maxLength: 6 }).map((fs) => (fs as number[][]).flat()),
      field: fc.oneof(
        fc.tuple(fc.integer({ min: 1, max: 16 }), fc.nat(20000)).map(([n, v]) => [n << 3, ...varint(v)]),
        fc.integer({ min: 1, max: 16 }).map((n) => [(n << 3) | 1, 0, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x17]),
        fc.tuple(fc.integer({ min: 1, max: 16 }), tie('msg')).map(([n, m]) => {
          const body = m as number[];
          return [(n << 3) | 2, ...varint(body.length), ...body];
        }),
      ),
    }));
    fc.assert(
      fc.property(tree.msg, (bytes) => {
        const b = Uint8Array.from(bytes as number[]);
        for (const d of decoders) onlyIngestErrors(() => d(b, 'protobuf', ctx));
      }),
      { numRuns: 1000 },
    );
  });

  test('mutated valid protobuf requests', () => {
    const valid = validTraceBody();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(valid.length),
        (edits, cut) => {
          const b = valid.slice(0, Math.max(cut, 1));
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          for (const d of decoders) onlyIngestErrors(() => d(b, 'protobuf', ctx));
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('random JSON values through the OTLP/JSON decoders and the SDK batch', () => {
    const otlpish = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue(),
        fc.record({ stringValue: fc.string() }),
        fc.record({ intValue: fc.oneof(fc.string(), fc.integer()) }),
        fc.record({
          kvlistValue: fc.record({ values: fc.array(fc.record({ key: fc.string(), value: tie('value') })) }),
        }),
      ),
      span: fc.record(
        {
          traceId: fc.oneof(hex(32), fc.string()),
          spanId: fc.oneof(hex(16), fc.string()),
          name: fc.jsonValue(),
          kind: fc.oneof(fc.integer(), fc.string()),
          startTimeUnixNano: fc.oneof(fc.string(), fc.integer(), fc.constant(String(BigInt(Date.now()) * 1000000n))),
          endTimeUnixNano: fc.oneof(fc.string(), fc.integer()),
          attributes: fc.array(fc.record({ key: fc.string(), value: tie('value') })),
          status: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    }));
    fc.assert(
      fc.property(otlpish.span, fc.jsonValue(), (span, junk) => {
        const bodies = [
          { resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] },
          { resourceMetrics: [{ scopeMetrics: [{ metrics: [junk] }] }] },
          { resourceLogs: [{ scopeLogs: [{ logRecords: [junk] }] }] },
          junk,
        ];
        for (const body of bodies) {
          const bytes = new TextEncoder().encode(JSON.stringify(body) ?? 'null');
          for (const d of decoders) onlyIngestErrors(() => d(bytes, 'json', ctx));
          onlyIngestErrors(() => normalizeSdkBatch(body, ctx));
          onlyIngestErrors(() => normalizeSdkBatch({ events: [junk, span] }, ctx));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('deeply nested values do not overflow the stack', () => {
    // 100k nested array_value wrappers in protobuf: AnyValue{array_value{values{AnyValue{...}}}}
    let inner = Uint8Array.from([0x0a, 0x00]); // AnyValue{string_value: ""}
    const depth = 2000;
    for (let i = 0; i < depth; i++) {
      const values = concat([0x0a], varint(inner.length), inner); // ArrayValue.values
      inner = concat([0x2a], varint(values.length), values); // AnyValue.array_value
    }
    const kv = concat([0x0a, 0x01, 0x6b, 0x12], varint(inner.length), inner);
    const span = concat([0x4a], varint(kv.length), kv);
    const scope = concat([0x12], varint(span.length), span);
    const rs = concat([0x12], varint(scope.length), scope);
    const req = concat([0x0a], varint(rs.length), rs);
    const res = decodeOtlpTraces(req, 'protobuf', ctx);
    assert.equal(res.rejected, 1, 'the span has no ids; decoding it did not crash');
    const json = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":${'{"arrayValue":{"values":['.repeat(depth)}${']}}'.repeat(depth)}}]}]}]}]}`;
    assert.equal(decodeOtlpTraces(new TextEncoder().encode(json), 'json', ctx).rejected, 1);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

function concat(...parts: (number[] | Uint8Array)[]): Uint8Array {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
