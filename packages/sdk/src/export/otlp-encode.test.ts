import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  attrsToObject,
  decodeLogsRequest,
  decodeMetricsRequest,
  decodeTracesRequest,
  spansOf,
} from '../../test-support/otlp-decode.js';
import type { SpanSink } from '../trace/span.js';
import { VigilTracer } from '../trace/tracer.js';
import type { ReadableVigilSpan } from '../trace/types.js';
import { encodeHeader, encodeLogs, encodeMetrics, encodeTraces, type MetricData } from './otlp-encode.js';
import { ProtoWriter } from './proto-writer.js';

const RESOURCE = { 'service.name': 'svc', 'telemetry.sdk.language': 'nodejs', 'deployment.count': 3 };
const header = encodeHeader(RESOURCE, 'scope-x', '1.2.3');
const OTEL_RESOURCE = resourceFromAttributes(RESOURCE);
const OTEL_SCOPE = { name: 'scope-x', version: '1.2.3' };

function collect(): { sink: SpanSink; spans: ReadableVigilSpan[] } {
  const spans: ReadableVigilSpan[] = [];
  return { sink: { onEnd: (s) => spans.push(s) }, spans };
}

const hrTime = (us: number): [number, number] => [Math.floor(us / 1e6), (us % 1e6) * 1000];

/** The same span as an OpenTelemetry ReadableSpan, for the official serializer. */
function toOtel(s: ReadableVigilSpan): any {
  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s.attributes)) if (v !== null && v !== undefined) attrs[k] = v;
  return {
    name: s.name,
    kind: s.otelKind - 1, // @opentelemetry/api SpanKind is 0-based
    spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: 1 }),
    parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1 } : undefined,
    startTime: hrTime(s.startUs),
    endTime: hrTime(s.endUs),
    status: { code: s.statusCode, message: s.statusMessage },
    attributes: attrs,
    links: [],
    events: (s.events ?? []).map((e) => ({ name: e.name, time: hrTime(e.timeUs), attributes: e.attributes ?? {} })),
    duration: hrTime(s.endUs - s.startUs),
    ended: true,
    resource: OTEL_RESOURCE,
    instrumentationScope: OTEL_SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** Drops what the official serializer writes as explicit defaults (proto3: absent == default). */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === 0 || x === 0n || x === '' || x === false) continue;
      if (k === 'flags') continue; // W3C trace flags: the official SDK sets them, we leave them unset
      const n = normalize(x);
      if (n && typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  return v;
}

describe('OTLP trace encoding', () => {
  test('decodes to the same message as the official ProtobufTraceSerializer', () => {
    const { sink, spans } = collect();
    const tracer = new VigilTracer(sink);
    const root = tracer.startSpan('agent run', { kind: 'agent', agentId: 'a1', sessionId: 's1', input: { q: 'hi' } });
    const child = tracer.startSpan('chat gpt-4o', { kind: 'llm', model: 'gpt-4o', provider: 'openai', parent: root });
    child.setAttributes({
      int: 42,
      neg: -7,
      big: 2 ** 40,
      dbl: 0.25,
      flag: true,
      list: ['a', 'b'],
      nums: [1, 2.5],
      obj: { x: 1, y: 'z' },
      unicode: 'héllo wörld ✓ 🚀',
      long: 'x'.repeat(300),
      empty: '',
    });
    child.setUsage({ inputTokens: 120, outputTokens: 40, costUsd: 0.0012 });
    child.recordException(new TypeError('bad thing'));
    child.setStatus('error', 'bad thing');
    child.end();
    root.setStatus('ok');
    root.end();
    for (let i = 0; i < 200; i++) tracer.startSpan(`s${i}`, { parent: root, attributes: { i } }).end();

    const ours = decodeTracesRequest(encodeTraces(new ProtoWriter(256), header, spans));
    const official = decodeTracesRequest(ProtobufTraceSerializer.serializeRequest(spans.map(toOtel)) as Uint8Array);
    assert.deepEqual(normalize(ours), normalize(official));

    const decoded = spansOf(ours);
    assert.equal(decoded.length, 202);
    const llm = decoded.find((s) => s.name === 'chat gpt-4o');
    assert.equal(llm.traceId, root.traceId);
    assert.equal(llm.parentSpanId, root.spanId);
    assert.equal(llm.attrs['gen_ai.request.model'], 'gpt-4o');
    assert.equal(llm.attrs['vigil.kind'], 'llm');
    assert.equal(llm.attrs.unicode, 'héllo wörld ✓ 🚀');
    assert.equal(llm.attrs.neg, -7);
    assert.equal(llm.status.code, 2);
    assert.equal(attrsToObject(llm.events[0].attributes)['exception.type'], 'TypeError');
    assert.equal(llm.startTimeUnixNano, BigInt(spans[0].startUs) * 1000n);
  });

  test('lone surrogates and long non-ASCII strings encode as valid UTF-8', () => {
    const { sink, spans } = collect();
    const tracer = new VigilTracer(sink);
    tracer.startSpan('x', { attributes: { lone: 'a\ud800b', wide: 'ж'.repeat(70), mid: 'é'.repeat(63) } }).end();
    const d = spansOf(decodeTracesRequest(encodeTraces(new ProtoWriter(16), header, spans)))[0];
    assert.equal(d.attrs.lone, 'a\ufffdb');
    assert.equal(d.attrs.wide, 'ж'.repeat(70));
    assert.equal(d.attrs.mid, 'é'.repeat(63));
  });
});

describe('OTLP metrics and logs encoding', () => {
  test('metrics match the official ProtobufMetricsSerializer', () => {
    const t0 = 1_700_000_000_000_000;
    const t1 = t0 + 5_000_000;
    const metrics: MetricData[] = [
      {
        name: 'requests',
        description: 'reqs',
        unit: '1',
        type: 'counter',
        points: [{ labels: { route: '/a' }, startUs: t0, timeUs: t1, value: 12 }],
      },
      {
        name: 'temp',
        description: '',
        unit: 'C',
        type: 'gauge',
        points: [{ labels: {}, startUs: t0, timeUs: t1, value: 21.5 }],
      },
      {
        name: 'latency',
        description: '',
        unit: 'ms',
        type: 'histogram',
        points: [
          {
            labels: { model: 'gpt-4o' },
            startUs: t0,
            timeUs: t1,
            value: 0,
            histogram: { count: 3, sum: 60, min: 5, max: 40, bounds: [10, 20], counts: [1, 1, 1] },
          },
        ],
      },
    ];
    const ours = decodeMetricsRequest(encodeMetrics(new ProtoWriter(64), header, metrics));
    const ns = (us: number): [number, number] => hrTime(us);
    const otel = {
      resource: resourceFromAttributes(RESOURCE),
      scopeMetrics: [
        {
          scope: { name: 'scope-x', version: '1.2.3' },
          metrics: [
            {
              descriptor: { name: 'requests', description: 'reqs', unit: '1', valueType: 1, type: 'COUNTER' },
              dataPointType: 3, // SUM
              aggregationTemporality: 1, // CUMULATIVE in sdk-metrics
              isMonotonic: true,
              dataPoints: [{ attributes: { route: '/a' }, startTime: ns(t0), endTime: ns(t1), value: 12 }],
            },
            {
              descriptor: { name: 'temp', description: '', unit: 'C', valueType: 1, type: 'GAUGE' },
              dataPointType: 2, // GAUGE
              aggregationTemporality: 1,
              dataPoints: [{ attributes: {}, startTime: ns(t0), endTime: ns(t1), value: 21.5 }],
            },
            {
              descriptor: { name: 'latency', description: '', unit: 'ms', valueType: 1, type: 'HISTOGRAM' },
              dataPointType: 0, // HISTOGRAM
              aggregationTemporality: 1,
              dataPoints: [
                {
                  attributes: { model: 'gpt-4o' },
                  startTime: ns(t0),
                  endTime: ns(t1),
                  value: { count: 3, sum: 60, min: 5, max: 40, buckets: { boundaries: [10, 20], counts: [1, 1, 1] } },
                },
              ],
            },
          ],
        },
      ],
    };
    const official = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(otel as any) as Uint8Array);
    assert.deepEqual(normalize(ours), normalize(official));
  });

  test('logs decode with severity, body, attributes and trace correlation', () => {
    const logs = [
      {
        timeUs: 1_700_000_000_123_456,
        severity: 17,
        severityText: 'ERROR',
        body: 'tool failed',
        attributes: { tool: 'sql', attempt: 2 },
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
      },
    ];
    const ours = decodeLogsRequest(encodeLogs(new ProtoWriter(32), header, logs, 1_700_000_000_200_000));
    const rec = ours.resourceLogs?.[0].scopeLogs[0].logRecords[0];
    assert.equal(rec.severityNumber, 17);
    assert.equal(rec.body.stringValue, 'tool failed');
    assert.equal(rec.traceId, logs[0].traceId);
    assert.equal(rec.spanId, logs[0].spanId);
    assert.equal(rec.timeUnixNano, 1_700_000_000_123_456_000n);
    assert.deepEqual(attrsToObject(rec.attributes), { tool: 'sql', attempt: 2 });
    // cross-check the decoder itself on the official logs serializer
    const official = decodeLogsRequest(
      ProtobufLogsSerializer.serializeRequest([
        {
          hrTime: hrTime(logs[0].timeUs),
          hrTimeObserved: hrTime(1_700_000_000_200_000),
          severityNumber: 17,
          severityText: 'ERROR',
          body: 'tool failed',
          attributes: { tool: 'sql', attempt: 2 },
          spanContext: { traceId: logs[0].traceId, spanId: logs[0].spanId, traceFlags: 0 },
          resource: resourceFromAttributes(RESOURCE),
          instrumentationScope: { name: 'scope-x', version: '1.2.3' },
          droppedAttributesCount: 0,
        } as any,
      ]) as Uint8Array,
    );
    assert.deepEqual(normalize(ours), normalize(official));
  });
});
