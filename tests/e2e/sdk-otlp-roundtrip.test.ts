/**
 * The SDK's hand-rolled OTLP encoders, decoded by the server's own decoders (packages/core/src/ingest):
 * every column the SDK means to fill (kind, model, provider, tokens, agent, session, user, payloads,
 * status, exception events, parent links, times to the microsecond) comes out filled.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createPriceTable,
  decodeOtlpLogs,
  decodeOtlpMetrics,
  decodeOtlpTraces,
  defaultIngestLimits,
  type NormalizeContext,
} from '@vigil/core';
import {
  encodeHeader,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
  Meter,
  ProtoWriter,
  type ReadableVigilSpan,
  VigilTracer,
} from '@vigil/sdk';

const ctx = (): NormalizeContext => ({
  project: 'p1',
  nowUs: Date.now() * 1000,
  limits: defaultIngestLimits,
  prices: createPriceTable(),
});
const header = encodeHeader({ 'service.name': 'roundtrip' }, '@vigil/sdk', 'test');

describe('SDK encoder → core decoder', () => {
  test('spans keep every Vigil column', () => {
    const spans: ReadableVigilSpan[] = [];
    const tracer = new VigilTracer({ onEnd: (s) => spans.push(s) });
    const agent = tracer.startSpan('triage', {
      kind: 'agent',
      agentId: 'support-triage',
      agentName: 'Support Triage',
      agentVersion: '2.0.0',
      sessionId: 'sess-1',
      userId: 'user-1',
      input: 'refund please',
    });
    const llm = tracer.startSpan('chat gpt-4o', { kind: 'llm', model: 'gpt-4o', provider: 'openai', parent: agent });
    llm.setUsage({ inputTokens: 1000, outputTokens: 200 });
    llm.setOutput('Sure, refunding.');
    llm.end();
    const tool = tracer.startSpan('sql_query', { kind: 'tool', parent: agent });
    tool.recordException(new Error('column "x" does not exist'));
    tool.setStatus('error', 'column "x" does not exist');
    tool.end();
    agent.setStatus('ok');
    agent.end();

    const d = decodeOtlpTraces(encodeTraces(new ProtoWriter(), header, spans), 'protobuf', ctx());
    assert.equal(d.rejected, 0, d.errorMessage ?? '');
    const rows = Object.fromEntries(d.rows.map((r) => [r.name, r]));
    const a = rows.triage;
    assert.equal(a.kind, 'agent');
    assert.equal(a.agentId, 'support-triage');
    assert.equal(a.agentName, 'Support Triage');
    assert.equal(a.agentVersion, '2.0.0');
    assert.equal(a.sessionId, 'sess-1');
    assert.equal(a.userId, 'user-1');
    assert.equal(a.input, 'refund please');
    assert.equal(a.status, 'ok');
    assert.equal(a.serviceName, 'roundtrip');
    assert.equal(a.project, 'p1');
    assert.equal(a.traceId, agent.traceId);
    assert.equal(a.startUs, spans[2].startUs);
    const l = rows['chat gpt-4o'];
    assert.equal(l.kind, 'llm');
    assert.equal(l.parentSpanId, agent.spanId);
    assert.equal(l.model, 'gpt-4o');
    assert.equal(l.provider, 'openai');
    assert.equal(l.inputTokens, 1000);
    assert.equal(l.outputTokens, 200);
    assert.ok((l.costUsd ?? 0) > 0, 'priced');
    assert.equal(l.output, 'Sure, refunding.');
    const t = rows.sql_query;
    assert.equal(t.kind, 'tool');
    assert.equal(t.status, 'error');
    assert.equal(t.statusMessage, 'column "x" does not exist');
    assert.equal(t.events[0].name, 'exception');
    assert.match(String(t.events[0].attributes['exception.stacktrace']), /Error: column "x" does not exist/);
  });

  test('metrics and logs decode', () => {
    const meter = new Meter();
    meter.counter('calls', { unit: '{call}' }).add(3, { model: 'gpt-4o' });
    meter.gauge('queue').set(7);
    meter.histogram('latency', { unit: 'ms', boundaries: [10, 100] }).record(50);
    meter.summary('score').observe(0.9);
    const m = decodeOtlpMetrics(encodeMetrics(new ProtoWriter(), header, meter.collect()), 'protobuf', ctx());
    assert.equal(m.rejected, 0, m.errorMessage ?? '');
    const byName = Object.fromEntries(m.rows.map((r) => [r.name, r]));
    assert.equal(byName.calls.type, 'counter');
    assert.equal(byName.calls.value, 3);
    assert.equal(byName.calls.labels.model, 'gpt-4o');
    assert.equal(byName.queue.type, 'gauge');
    assert.equal(byName.queue.value, 7);
    assert.equal(byName.latency.type, 'histogram');
    assert.ok(byName.latency.histogram);
    assert.equal(byName.score.type, 'summary');

    const now = Date.now() * 1000;
    const lg = decodeOtlpLogs(
      encodeLogs(
        new ProtoWriter(),
        header,
        [
          {
            timeUs: now,
            severity: 13,
            severityText: 'WARN',
            body: 'slow tool',
            attributes: { tool: 'sql' },
            traceId: 'ab'.repeat(16),
            spanId: 'cd'.repeat(8),
          },
        ],
        now,
      ),
      'protobuf',
      ctx(),
    );
    assert.equal(lg.rows.length, 1);
    assert.equal(lg.rows[0].severity, 13);
    assert.equal(lg.rows[0].body, 'slow tool');
    assert.equal(lg.rows[0].traceId, 'ab'.repeat(16));
    assert.equal(lg.rows[0].attributes.tool, 'sql');
  });
});
