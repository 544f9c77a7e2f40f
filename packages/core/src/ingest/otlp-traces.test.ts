import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type IdGenerator,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { decodeOtlpTraces } from './otlp.js';
import { createPriceTable } from './prices.js';
import { createRedactor } from './redact.js';
import { defaultIngestLimits, IngestError, type NormalizeContext } from './types.js';

const NOW_MS = Date.now();
const prices = createPriceTable();

function ctx(over: Partial<NormalizeContext> = {}): NormalizeContext {
  return { project: 'proj', nowUs: NOW_MS * 1000, limits: defaultIngestLimits, prices, ...over };
}

class SeqIds implements IdGenerator {
  private n = 0;
  generateTraceId(): string {
    return 'aBcDeF0123456789abcdef0123456789'.toLowerCase();
  }
  generateSpanId(): string {
    this.n++;
    return `00000000000000${this.n.toString(16).padStart(2, '0')}`;
  }
}

function record(build: (tracer: ReturnType<BasicTracerProvider['getTracer']>) => void): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'test' }),
    idGenerator: new SeqIds(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  build(provider.getTracer('vigil-test', '1.2.3'));
  return exporter.getFinishedSpans();
}

const t0 = NOW_MS - 5_000;

function llmTrace(): ReadableSpan[] {
  return record((tracer) => {
    const root = tracer.startSpan('invoke_agent planner', {
      startTime: t0,
      kind: SpanKind.INTERNAL,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.id': 'agent-7',
        'gen_ai.agent.name': 'planner',
        'gen_ai.agent.version': 'v3',
        'gen_ai.conversation.id': 'conv-1',
        'enduser.id': 'user-9',
      },
    });
    const parentCtx = trace.setSpan(context.active(), root);
    const llm = tracer.startSpan(
      'chat gpt-4o',
      {
        startTime: t0 + 100,
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.system': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.usage.input_tokens': 1200,
          'gen_ai.usage.output_tokens': 300,
          'gen_ai.input.messages': '[{"role":"user","content":"mail me at bob@example.com"}]',
          'gen_ai.output.messages': '[{"role":"assistant","content":"ok"}]',
          'http.request.method': 'POST',
          flags: [1, 2, 3],
          ratio: 0.25,
          ok: true,
          big: -1234567890123,
        },
      },
      parentCtx,
    );
    llm.addEvent(
      'exception',
      { 'exception.type': 'RateLimit', 'exception.message': 'slow down', 'exception.stacktrace': 'at x\nat y' },
      t0 + 150,
    );
    llm.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
    llm.end(t0 + 900);
    root.setStatus({ code: SpanStatusCode.OK });
    root.end(t0 + 1000);
  });
}

describe('decodeOtlpTraces', () => {
  test('records are plain objects with the SpanRecord keys in declaration order', () => {
    const res = decodeOtlpTraces(ProtobufTraceSerializer.serializeRequest(llmTrace()) as Uint8Array, 'protobuf', ctx());
    assert.equal(res.rows.length, 2);
    for (const row of res.rows) {
      assert.equal(Object.getPrototypeOf(row), Object.prototype);
      assert.equal(row.constructor, Object);
      assert.deepEqual(Object.keys(row), [
        'project',
        'traceId',
        'spanId',
        'parentSpanId',
        'serviceName',
        'name',
        'kind',
        'startUs',
        'endUs',
        'status',
        'statusMessage',
        'model',
        'provider',
        'inputTokens',
        'outputTokens',
        'costUsd',
        'agentId',
        'agentName',
        'agentVersion',
        'sessionId',
        'userId',
        'attributes',
        'events',
        'input',
        'output',
      ]);
    }
  });

  for (const format of ['protobuf', 'json'] as const) {
    test(`${format}: every column of spans produced by the OpenTelemetry SDK`, () => {
      const spans = llmTrace();
      const body =
        format === 'protobuf'
          ? ProtobufTraceSerializer.serializeRequest(spans)
          : JsonTraceSerializer.serializeRequest(spans);
      assert.ok(body);
      const res = decodeOtlpTraces(body, format, ctx({ redact: createRedactor() }));
      assert.equal(res.rejected, 0);
      assert.equal(res.errorMessage, null);
      assert.equal(res.truncated, 0);
      assert.equal(res.rows.length, 2);
      const llm = res.rows.find((s) => s.name === 'chat gpt-4o');
      const root = res.rows.find((s) => s.name === 'invoke_agent planner');
      assert.ok(llm && root);

      assert.deepEqual(
        { ...root, attributes: undefined },
        {
          project: 'proj',
          traceId: 'abcdef0123456789abcdef0123456789',
          spanId: '0000000000000001',
          parentSpanId: null,
          serviceName: 'checkout',
          name: 'invoke_agent planner',
          kind: 'agent',
          startUs: t0 * 1000,
          endUs: (t0 + 1000) * 1000,
          status: 'ok',
          statusMessage: null,
          model: null,
          provider: null,
          inputTokens: null,
          outputTokens: null,
          costUsd: null,
          agentId: 'agent-7',
          agentName: 'planner',
          agentVersion: 'v3',
          sessionId: 'conv-1',
          userId: 'user-9',
          attributes: undefined,
          events: [],
          input: null,
          output: null,
        },
      );
      assert.deepEqual(root.attributes.resource, { 'service.name': 'checkout', 'deployment.environment': 'test' });

      assert.equal(llm.traceId, 'abcdef0123456789abcdef0123456789');
      assert.equal(llm.spanId, '0000000000000002');
      assert.equal(llm.parentSpanId, '0000000000000001');
      assert.equal(llm.kind, 'llm');
      assert.equal(llm.startUs, (t0 + 100) * 1000);
      assert.equal(llm.endUs, (t0 + 900) * 1000);
      assert.equal(llm.status, 'error');
      assert.equal(llm.statusMessage, 'rate limited');
      assert.equal(llm.model, 'gpt-4o-2024-08-06');
      assert.equal(llm.provider, 'openai');
      assert.equal(llm.inputTokens, 1200);
      assert.equal(llm.outputTokens, 300);
      assert.ok(llm.costUsd !== null && llm.costUsd > 0, 'gpt-4o is priced from the bundled table');
      assert.ok(Math.abs((llm.costUsd ?? 0) - (1200 * 2.5 + 300 * 10) / 1e6) < 1e-9);
      assert.equal(llm.input, '[{"role":"user","content":"mail me at [REDACTED_EMAIL]"}]');
      assert.equal(llm.output, '[{"role":"assistant","content":"ok"}]');
      // payload attributes moved to input/output, the rest kept raw with their types
      assert.equal(llm.attributes['gen_ai.input.messages'], undefined);
      assert.deepEqual(llm.attributes.flags, [1, 2, 3]);
      assert.equal(llm.attributes.ratio, 0.25);
      assert.equal(llm.attributes.ok, true);
      assert.equal(llm.attributes.big, -1234567890123);
      assert.equal(llm.attributes['gen_ai.request.model'], 'gpt-4o');
      assert.deepEqual(llm.events, [
        {
          name: 'exception',
          timeUs: (t0 + 150) * 1000,
          attributes: {
            'exception.type': 'RateLimit',
            'exception.message': 'slow down',
            'exception.stacktrace': 'at x\nat y',
          },
        },
      ]);
    });
  }

  test('HTTP server/client spans become kind http, plain spans internal', () => {
    const spans = record((tracer) => {
      tracer
        .startSpan('GET /users', {
          kind: SpanKind.SERVER,
          startTime: t0,
          attributes: { 'http.request.method': 'GET', 'http.route': '/users' },
        })
        .end(t0 + 5);
      tracer
        .startSpan('GET', {
          kind: SpanKind.CLIENT,
          startTime: t0,
          attributes: { 'http.method': 'GET', 'http.url': 'http://x' },
        })
        .end(t0 + 5);
      tracer.startSpan('compute', { startTime: t0 }).end(t0 + 5);
    });
    const res = decodeOtlpTraces(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array, 'protobuf', ctx());
    assert.deepEqual(
      res.rows.map((s) => s.kind),
      ['http', 'http', 'internal'],
    );
  });

  test('bad items are rejected and counted, the rest kept', () => {
    const spans = record((tracer) => {
      tracer.startSpan('fine', { startTime: t0 }).end(t0 + 1);
      tracer.startSpan('future', { startTime: NOW_MS + 2 * 3600_000 }).end(NOW_MS + 2 * 3600_000 + 1);
      tracer.startSpan('ancient', { startTime: NOW_MS - 40 * 86400_000 }).end(NOW_MS - 40 * 86400_000 + 1);
      const s = tracer.startSpan('backwards', { startTime: t0 });
      s.end(t0 - 10);
    });
    const json = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)));
    // The SDK clamps end < start; forge it on the wire instead, plus a zero trace id.
    const list = json.resourceSpans[0].scopeSpans[0].spans;
    list[3].endTimeUnixNano = String(BigInt(list[3].startTimeUnixNano) - 1000n);
    list.push({ ...list[0], traceId: '0'.repeat(32) });
    list.push({ ...list[0], spanId: '' });
    const res = decodeOtlpTraces(new TextEncoder().encode(JSON.stringify(json)), 'json', ctx());
    assert.deepEqual(
      res.rows.map((s) => s.name),
      ['fine'],
    );
    assert.equal(res.rejected, 5);
    assert.match(res.errorMessage ?? '', /^rejected 5 spans: .*future/);
  });

  test('too many / too long attributes and events are truncated and counted', () => {
    const limits = { ...defaultIngestLimits, maxAttributes: 3, maxAttributeValueLength: 5, maxEventsPerSpan: 1 };
    const spans = record((tracer) => {
      const s = tracer.startSpan('s', { startTime: t0, attributes: { a: 'x', b: 'toolongvalue', c: 1, d: 2, e: 3 } });
      s.addEvent('e1', {}, t0);
      s.addEvent('e2', {}, t0);
      s.end(t0 + 1);
    });
    for (const format of ['protobuf', 'json'] as const) {
      const body = (format === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer).serializeRequest(
        spans,
      ) as Uint8Array;
      const res = decodeOtlpTraces(body, format, ctx({ limits }));
      const row = res.rows[0];
      assert.deepEqual({ ...row.attributes, resource: undefined }, { a: 'x', b: 'toolo', c: 1, resource: undefined });
      assert.equal(row.events.length, 1);
      assert.equal(res.truncated, 2 /* d, e */ + 1 /* b */ + 1 /* e2 */);
    }
  });

  test('prompts longer than the attribute limit are kept up to maxPayloadChars, then cut and counted', () => {
    const spans = record((tracer) => {
      tracer
        .startSpan('chat', {
          startTime: t0,
          attributes: { 'gen_ai.input.messages': 'p'.repeat(10_000), 'gen_ai.output.messages': 'c'.repeat(40_000) },
        })
        .end(t0 + 1);
    });
    for (const format of ['protobuf', 'json'] as const) {
      const body = (format === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer).serializeRequest(
        spans,
      ) as Uint8Array;
      const res = decodeOtlpTraces(body, format, ctx());
      assert.equal(res.rows[0].input?.length, 10_000);
      assert.equal(res.rows[0].output?.length, defaultIngestLimits.maxPayloadChars);
      assert.equal(res.truncated, 1);
    }
  });

  test('gen_ai.* event content is redacted like the payload columns', () => {
    const spans = record((tracer) => {
      const s = tracer.startSpan('chat', { startTime: t0, attributes: { 'gen_ai.operation.name': 'chat' } });
      s.addEvent('gen_ai.user.message', { content: 'I am carol@example.com' }, t0);
      s.end(t0 + 1);
    });
    const res = decodeOtlpTraces(
      ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array,
      'protobuf',
      ctx({ redact: createRedactor() }),
    );
    assert.equal(res.rows[0].input, 'user: I am [REDACTED_EMAIL]');
    assert.equal(res.rows[0].events[0].attributes.content, 'I am [REDACTED_EMAIL]');
  });

  test('OTLP/JSON: enum names, snake_case fields, numeric int64, uppercase hex', () => {
    const startNs = BigInt(t0) * 1_000_000n;
    const body = {
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'py' } }] },
          scope_spans: [
            {
              spans: [
                {
                  trace_id: 'ABCDEF0123456789ABCDEF0123456789',
                  span_id: '0123456789ABCDEF',
                  name: 'retrieve',
                  kind: 'SPAN_KIND_CLIENT',
                  start_time_unix_nano: startNs.toString(),
                  end_time_unix_nano: Number(startNs + 2_000_000n),
                  attributes: [
                    { key: 'openinference.span.kind', value: { stringValue: 'RETRIEVER' } },
                    { key: 'n', value: { intValue: '42' } },
                    { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { doubleValue: 1.5 } }] } } },
                  ],
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = decodeOtlpTraces(new TextEncoder().encode(JSON.stringify(body)), 'json', ctx());
    const s = res.rows[0];
    assert.equal(s.traceId, 'abcdef0123456789abcdef0123456789');
    assert.equal(s.spanId, '0123456789abcdef');
    assert.equal(s.serviceName, 'py');
    assert.equal(s.kind, 'retrieval');
    assert.equal(s.status, 'error');
    assert.equal(s.startUs, t0 * 1000);
    assert.equal(s.endUs, t0 * 1000 + 2000);
    assert.equal(s.attributes.n, 42);
    assert.deepEqual(s.attributes.kv, { x: 1.5 });
  });

  test('invalid UTF-8 in protobuf strings is replaced and counted, not fatal', () => {
    const spans = record((tracer) => tracer.startSpan('AB', { startTime: t0 }).end(t0 + 1));
    const body = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
    // The span name "AB" is the only 0x41 0x42 pair in the message: make it invalid UTF-8.
    const i = body.findIndex((b, k) => b === 0x41 && body[k + 1] === 0x42);
    body[i] = 0xff;
    const res = decodeOtlpTraces(body, 'protobuf', ctx());
    assert.equal(res.rows[0].name, '\ufffdB');
    assert.equal(res.invalidUtf8, 1);
    assert.equal(res.truncated, 1);
  });

  test('malformed payloads are an IngestError 400 naming the problem', () => {
    const spans = record((tracer) => tracer.startSpan('s', { startTime: t0 }).end(t0 + 1));
    const good = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
    const cases: [string, Uint8Array | string, 'protobuf' | 'json', RegExp][] = [
      ['truncated', good.subarray(0, good.length - 3), 'protobuf', /invalid protobuf: .* at byte \d+/],
      ['truncated varint', Uint8Array.from([0x0a, 0xff, 0xff]), 'protobuf', /truncated varint at byte 1/],
      ['huge length', Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x07]), 'protobuf', /length \d+ exceeds/],
      [
        'wrong wire type',
        Uint8Array.from([0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x08, 0x01]),
        'protobuf',
        /wrong wire type 0 for Span.trace_id/,
      ],
      ['bad wire type', Uint8Array.from([0x0f]), 'protobuf', /unsupported wire type 7/],
      [
        'short trace id',
        Uint8Array.from([0x0a, 0x07, 0x12, 0x05, 0x12, 0x03, 0x0a, 0x01, 0x01]),
        'protobuf',
        /traceId must be 16 bytes, got 1/,
      ],
      ['not json', 'nope', 'json', /invalid JSON/],
      [
        'bad hex',
        '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}',
        'json',
        /traceId must be 16 bytes/,
      ],
      ['wrong type', '{"resourceSpans":{}}', 'json', /resourceSpans must be an array/],
      ['not an object', '[1,2]', 'json', /request must be a JSON object/],
    ];
    for (const [name, body, format, re] of cases) {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      assert.throws(
        () => decodeOtlpTraces(bytes, format, ctx()),
        (e: unknown) => e instanceof IngestError && e.status === 400 && re.test(e.message),
        name,
      );
    }
    assert.throws(
      () => decodeOtlpTraces(Uint8Array.from([0x7b, 0xff, 0x7d]), 'json', ctx()),
      (e: unknown) => e instanceof IngestError && /not valid UTF-8/.test(e.message),
    );
  });

  test('an attribute named __proto__ stays a plain attribute', () => {
    const startNs = (BigInt(t0) * 1_000_000n).toString();
    const span = {
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      startTimeUnixNano: startNs,
      endTimeUnixNano: startNs,
    };
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(span).slice(0, -1)},"attributes":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"polluted","value":{"boolValue":true}}]}}}]}]}]}]}`;
    const row = decodeOtlpTraces(new TextEncoder().encode(body), 'json', ctx()).rows[0];
    assert.equal(Object.getPrototypeOf(row.attributes), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(row.attributes, '__proto__')?.value, { polluted: true });
    assert.equal((row.attributes as Record<string, unknown>).polluted, undefined);
  });

  test('an empty request decodes to nothing', () => {
    assert.deepEqual(decodeOtlpTraces(new Uint8Array(0), 'protobuf', ctx()).rows, []);
    assert.deepEqual(decodeOtlpTraces(new TextEncoder().encode('{}'), 'json', ctx()).rows, []);
  });
});
