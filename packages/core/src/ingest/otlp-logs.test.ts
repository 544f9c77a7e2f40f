import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { decodeOtlpLogs } from './otlp.js';
import { createPriceTable } from './prices.js';
import { createRedactor } from './redact.js';
import { defaultIngestLimits, IngestError, type NormalizeContext } from './types.js';

const ctx = (over: Partial<NormalizeContext> = {}): NormalizeContext => ({
  project: 'proj',
  nowUs: Date.now() * 1000,
  limits: defaultIngestLimits,
  prices: createPriceTable(),
  ...over,
});

function logs() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'log-svc' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('l');
  const t = Date.now() - 1000;
  logger.emit({
    timestamp: t,
    severityNumber: SeverityNumber.ERROR,
    severityText: 'ERROR',
    body: 'payment failed for alice@example.com',
    attributes: { 'order.id': 42 },
    context: undefined,
  });
  logger.emit({ timestamp: t, severityNumber: SeverityNumber.INFO, body: { structured: true } as never });
  return { records: exporter.getFinishedLogRecords(), t };
}

describe('decodeOtlpLogs', () => {
  for (const format of ['protobuf', 'json'] as const) {
    test(`${format}: log records from the SDK`, () => {
      const { records, t } = logs();
      const body = (format === 'protobuf' ? ProtobufLogsSerializer : JsonLogsSerializer).serializeRequest(
        records,
      ) as Uint8Array;
      const res = decodeOtlpLogs(body, format, ctx({ redact: createRedactor() }));
      assert.equal(res.rejected, 0);
      assert.equal(res.rows.length, 2);
      const [a, b] = res.rows;
      assert.equal(a.project, 'proj');
      assert.equal(a.timeUs, t * 1000);
      assert.equal(a.severity, 17);
      assert.equal(a.severityText, 'ERROR');
      assert.equal(a.body, 'payment failed for [REDACTED_EMAIL]');
      assert.equal(a.traceId, null);
      assert.equal(a.spanId, null);
      assert.equal(a.serviceName, 'log-svc');
      assert.equal(a.attributes['order.id'], 42);
      assert.deepEqual(a.attributes.resource, { 'service.name': 'log-svc' });
      assert.equal(b.severity, 9);
      assert.equal(b.severityText, 'INFO', 'derived from the number when absent');
      assert.equal(b.body, '{"structured":true}');
    });
  }

  test('OTLP/JSON trace correlation, severity names, observed time fallback, rejections', () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  observedTimeUnixNano: now.toString(),
                  severityNumber: 'SEVERITY_NUMBER_WARN',
                  body: { stringValue: 'careful' },
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: 'b7ad6b7169203331',
                },
                { timeUnixNano: '1000000000', body: { stringValue: 'ancient' } },
                { severityNumber: 99, body: { stringValue: 'bad severity' } },
              ],
            },
          ],
        },
      ],
    };
    const res = decodeOtlpLogs(new TextEncoder().encode(JSON.stringify(body)), 'json', ctx());
    assert.equal(res.rows.length, 1);
    const l = res.rows[0];
    assert.equal(l.timeUs, Number(now / 1000n));
    assert.deepEqual([l.severity, l.severityText, l.body], [13, 'WARN', 'careful']);
    assert.equal(l.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(l.spanId, 'b7ad6b7169203331');
    assert.equal(l.serviceName, 'unknown_service');
    assert.equal(res.rejected, 2);
  });

  test('a body longer than the attribute limit is kept up to maxPayloadChars', () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
    provider.getLogger('l').emit({ timestamp: Date.now(), body: 'y'.repeat(10_000) });
    for (const format of ['protobuf', 'json'] as const) {
      const body = (format === 'protobuf' ? ProtobufLogsSerializer : JsonLogsSerializer).serializeRequest(
        exporter.getFinishedLogRecords(),
      ) as Uint8Array;
      const res = decodeOtlpLogs(body, format, ctx());
      assert.equal(res.rows[0].body.length, 10_000);
      assert.equal(res.truncated, 0);
    }
  });

  test('a long body is capped at maxPayloadChars and counted', () => {
    const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x'.repeat(100) } }] }] }] };
    const res = decodeOtlpLogs(
      new TextEncoder().encode(JSON.stringify(body)),
      'json',
      ctx({ limits: { ...defaultIngestLimits, maxPayloadChars: 10 } }),
    );
    assert.equal(res.rows[0].body, 'x'.repeat(10));
    assert.equal(res.truncated, 1);
  });

  test('malformed logs payloads are IngestErrors', () => {
    assert.throws(() => decodeOtlpLogs(Uint8Array.from([0x0a, 0x02, 0x12, 0x09]), 'protobuf', ctx()), IngestError);
    assert.throws(
      () =>
        decodeOtlpLogs(
          new TextEncoder().encode('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"abc"}]}]}]}'),
          'json',
          ctx(),
        ),
      /spanId must be 8 bytes/,
    );
  });
});
