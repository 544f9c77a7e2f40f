/**
 * The official OpenTelemetry JS exporters (protobuf and JSON flavours, traces, metrics, logs) sending
 * to a real `vigil serve` process; what they sent comes back through the REST API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as LogsHttp } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsHttp } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { getJson, startVigil, tempDir, type VigilProcess } from './helpers.js';

async function poll<T>(get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const flavours = [
  { name: 'proto', Traces: TracesProto, Metrics: MetricsProto, Logs: LogsProto, compression: undefined },
  { name: 'http-json', Traces: TracesHttp, Metrics: MetricsHttp, Logs: LogsHttp, compression: undefined },
  { name: 'proto-gzip', Traces: TracesProto, Metrics: MetricsProto, Logs: LogsProto, compression: 'gzip' },
] as const;

describe('official OpenTelemetry exporters → vigil serve', () => {
  const dir = tempDir();
  let vigil: VigilProcess;
  let key: string;

  before(async () => {
    vigil = await startVigil({ dataDir: dir.path });
    assert.ok(vigil.printedKey, 'first start prints an admin key');
    key = vigil.printedKey;
  });
  after(async () => {
    assert.equal(await vigil.stop(), 0);
    dir.remove();
  });

  for (const f of flavours) {
    test(`${f.name}: gen_ai spans come back with model, tokens and cost`, async () => {
      const headers = { Authorization: `Bearer ${key}` };
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': `svc-${f.name}` }),
        spanProcessors: [
          new BatchSpanProcessor(
            new f.Traces({ url: `${vigil.url}/v1/traces`, headers, compression: f.compression as never }),
          ),
        ],
      });
      const tracer = provider.getTracer('e2e');
      const root = tracer.startSpan('agent run', {
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.id': 'support',
          'gen_ai.agent.name': 'Support',
        },
      });
      const traceId = root.spanContext().traceId;
      const { trace, context } = await import('@opentelemetry/api');
      const ctx = trace.setSpan(context.active(), root);
      const llm = tracer.startSpan(
        'chat gpt-4o',
        {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.response.model': 'gpt-4o',
            'gen_ai.usage.input_tokens': 1000,
            'gen_ai.usage.output_tokens': 500,
          },
        },
        ctx,
      );
      llm.end();
      root.end();
      await provider.forceFlush();
      await provider.shutdown();

      const { status, body } = await getJson(`${vigil.url}/api/v1/traces/${traceId}`, key);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.traceId, traceId);
      assert.equal(body.spans.length, 2);
      const span = body.spans.find((s: { name: string }) => s.name === 'chat gpt-4o');
      assert.equal(span.kind, 'llm');
      assert.equal(span.model, 'gpt-4o');
      assert.equal(span.provider, 'openai');
      assert.equal(span.inputTokens, 1000);
      assert.equal(span.outputTokens, 500);
      assert.ok(span.costUsd > 0, `cost computed from the price table, got ${span.costUsd}`);
      assert.equal(span.serviceName, `svc-${f.name}`);
      assert.equal(span.parentSpanId, root.spanContext().spanId);
      assert.match(span.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(typeof span.durationMs, 'number');

      const list = await getJson(`${vigil.url}/api/v1/traces?service=svc-${f.name}`, key);
      assert.equal(list.status, 200);
      assert.ok(list.body.items.some((t: { traceId: string }) => t.traceId === traceId));
    });

    test(`${f.name}: metrics and logs are queryable`, async () => {
      const headers = { Authorization: `Bearer ${key}` };
      const reader = new PeriodicExportingMetricReader({
        exporter: new f.Metrics({ url: `${vigil.url}/v1/metrics`, headers, compression: f.compression as never }),
        exportIntervalMillis: 60_000,
      });
      const meters = new MeterProvider({
        resource: resourceFromAttributes({ 'service.name': 'm' }),
        readers: [reader],
      });
      const counter = meters.getMeter('e2e').createCounter(`e2e_${f.name.replaceAll('-', '_')}_requests`);
      counter.add(3, { route: '/a' });
      counter.add(4, { route: '/a' });
      await meters.forceFlush();
      await meters.shutdown();

      const logs = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'l' }),
        processors: [
          new BatchLogRecordProcessor({
            exporter: new f.Logs({ url: `${vigil.url}/v1/logs`, headers, compression: f.compression as never }),
          }),
        ],
      });
      const marker = `hello from ${f.name} ${Date.now()}`;
      logs.getLogger('e2e').emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: marker });
      await logs.forceFlush();
      await logs.shutdown();

      const name = `e2e_${f.name.replaceAll('-', '_')}_requests`;
      // The exporters resolve forceFlush once acknowledged (durable); the poll only absorbs an
      // exporter retry on a heavily loaded machine.
      const series = await poll(
        () => getJson(`${vigil.url}/api/v1/metrics/query?name=${name}&aggregation=max&step=1h`, key),
        (r) => r.body?.series?.length === 1,
      );
      assert.equal(series.status, 200, JSON.stringify(series.body));
      assert.equal(series.body.series.length, 1, JSON.stringify(series.body));
      assert.equal(series.body.series[0].points.at(-1)[1], 7);

      const found = await poll(
        () => getJson(`${vigil.url}/api/v1/logs?text=${encodeURIComponent(marker)}`, key),
        (r) => r.body?.items?.length === 1,
      );
      assert.equal(found.status, 200);
      assert.equal(found.body.items.length, 1, JSON.stringify(found.body));
      assert.equal(found.body.items[0].body, marker);
      assert.equal(found.body.items[0].severity, SeverityNumber.WARN);
    });
  }

  test('the Prometheus endpoint counts what was ingested', async () => {
    const text = await (await fetch(`${vigil.url}/metrics`)).text();
    const spans = /vigil_ingest_items_total\{signal="traces"\} (\d+)/.exec(text);
    assert.ok(spans && Number(spans[1]) >= 4, text.slice(0, 2000));
    assert.match(text, /vigil_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/traces"/);
    assert.match(text, /process_resident_memory_bytes/);
  });
});
