import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpanRecord } from '../model/telemetry.js';
import { spanToJson, traceSummaryToJson, traceToJson, usToIso } from './json.js';

const span: SpanRecord = {
  project: 'p',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: null,
  serviceName: 'svc',
  name: 'chat gpt-4o',
  kind: 'llm',
  startUs: 1_700_000_000_000_000,
  endUs: 1_700_000_000_012_500,
  status: 'ok',
  statusMessage: null,
  model: 'gpt-4o',
  provider: 'openai',
  inputTokens: 10,
  outputTokens: 20,
  costUsd: 0.000225,
  agentId: null,
  agentName: null,
  agentVersion: null,
  sessionId: null,
  userId: null,
  attributes: { 'gen_ai.request.model': 'gpt-4o' },
  events: [{ name: 'exception', timeUs: 1_700_000_000_001_000, attributes: {} }],
  input: null,
  output: 'hi',
};

test('spanToJson follows the automation contract exactly', () => {
  const j = spanToJson(span);
  assert.deepEqual(Object.keys(j), [
    'traceId',
    'spanId',
    'parentSpanId',
    'name',
    'kind',
    'startTime',
    'endTime',
    'durationMs',
    'status',
    'statusMessage',
    'serviceName',
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
  assert.equal(j.startTime, '2023-11-14T22:13:20.000Z');
  assert.equal(j.endTime, '2023-11-14T22:13:20.012Z');
  assert.equal(j.durationMs, 12.5);
  assert.deepEqual(j.events, [{ name: 'exception', time: '2023-11-14T22:13:20.001Z', attributes: {} }]);
  assert.equal(j.costUsd, 0.000225);
  assert.ok(!('project' in j));
});

test('NaN and missing numbers become null, never NaN', () => {
  const j = spanToJson({ ...span, inputTokens: Number.NaN, costUsd: null });
  assert.equal(j.inputTokens, null);
  assert.equal(j.costUsd, null);
  assert.ok(!JSON.stringify(j).includes('NaN'));
});

test('traces are ordered by start; summaries carry durationMs', () => {
  const later = { ...span, spanId: '1111111111111111', startUs: span.startUs + 5, parentSpanId: span.spanId };
  const t = traceToJson(span.traceId, [later, span]);
  assert.deepEqual(
    t.spans.map((s) => s.spanId),
    [span.spanId, later.spanId],
  );
  const s = traceSummaryToJson({
    traceId: span.traceId,
    rootSpanId: span.spanId,
    name: 'n',
    kind: 'agent',
    serviceName: 'svc',
    startUs: span.startUs,
    endUs: span.startUs + 2_000_000,
    status: 'ok',
    spanCount: 2,
    errorCount: 0,
    agentId: 'a',
    agentName: null,
    models: ['gpt-4o'],
    inputTokens: 1,
    outputTokens: 2,
    costUsd: 0.5,
  });
  assert.equal(s.durationMs, 2000);
  assert.equal(usToIso(0), '1970-01-01T00:00:00.000Z');
});
