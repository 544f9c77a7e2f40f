import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { encodeOtlpResponse } from './response.js';

describe('encodeOtlpResponse', () => {
  test('full success is an empty message', () => {
    assert.equal(encodeOtlpResponse('traces', 'json', 0, null), '{}');
    assert.deepEqual(encodeOtlpResponse('traces', 'protobuf', 0, null), new Uint8Array(0));
  });

  test('JSON partial success uses the per-signal field names', () => {
    assert.deepEqual(JSON.parse(encodeOtlpResponse('traces', 'json', 3, 'bad ids') as string), {
      partialSuccess: { rejectedSpans: '3', errorMessage: 'bad ids' },
    });
    assert.deepEqual(JSON.parse(encodeOtlpResponse('metrics', 'json', 1, null) as string), {
      partialSuccess: { rejectedDataPoints: '1' },
    });
    assert.deepEqual(JSON.parse(encodeOtlpResponse('logs', 'json', 2, 'x') as string), {
      partialSuccess: { rejectedLogRecords: '2', errorMessage: 'x' },
    });
  });

  test('protobuf partial success is read back by the official OpenTelemetry deserializers', () => {
    const t = ProtobufTraceSerializer.deserializeResponse(
      encodeOtlpResponse('traces', 'protobuf', 300, 'rejected 300 spans: é') as Uint8Array,
    );
    assert.equal(Number(t.partialSuccess?.rejectedSpans), 300);
    assert.equal(t.partialSuccess?.errorMessage, 'rejected 300 spans: é');
    const m = ProtobufMetricsSerializer.deserializeResponse(
      encodeOtlpResponse('metrics', 'protobuf', 5, null) as Uint8Array,
    );
    assert.equal(Number(m.partialSuccess?.rejectedDataPoints), 5);
    const l = ProtobufLogsSerializer.deserializeResponse(encodeOtlpResponse('logs', 'protobuf', 7, 'm') as Uint8Array);
    assert.equal(Number(l.partialSuccess?.rejectedLogRecords), 7);
    assert.equal(l.partialSuccess?.errorMessage, 'm');
  });

  test('protobuf bytes match the wire format', () => {
    // 0a 05 | 08 02 | 12 01 'x'
    assert.deepEqual(
      [...(encodeOtlpResponse('traces', 'protobuf', 2, 'x') as Uint8Array)],
      [0x0a, 0x05, 0x08, 0x02, 0x12, 0x01, 0x78],
    );
  });
});
