import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPriceTable } from './prices.js';
import { createRedactor } from './redact.js';
import { normalizeSdkBatch, parseSdkTimeUs } from './sdk-batch.js';
import { defaultIngestLimits, IngestError, type NormalizeContext } from './types.js';

const NOW_MS = Date.now();
const ctx = (over: Partial<NormalizeContext> = {}): NormalizeContext => ({
  project: 'proj',
  nowUs: NOW_MS * 1000,
  limits: defaultIngestLimits,
  prices: createPriceTable(),
  ...over,
});
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const RUN = '00f067aa0ba902b7';
const iso = (ms: number) => new Date(ms).toISOString();

describe('normalizeSdkBatch', () => {
  test('a body that is not an object with an events array is a 400', () => {
    for (const body of [null, 42, 'x', [], {}, { events: {} }]) {
      assert.throws(
        () => normalizeSdkBatch(body, ctx()),
        (e: unknown) => e instanceof IngestError && e.status === 400,
      );
    }
  });

  test('agent run: start, then complete closes it with an agent span', () => {
    const start = NOW_MS - 2000;
    const res = normalizeSdkBatch(
      {
        serviceName: 'app',
        events: [
          {
            type: 'agent_start',
            time: start,
            agentId: 'planner',
            runId: RUN,
            traceId: TRACE,
            agentName: 'Planner',
            agentVersion: '1.2',
            sessionId: 's1',
            userId: 'u1',
            input: 'plan a trip',
          },
          {
            type: 'agent_complete',
            time: iso(NOW_MS - 500),
            agentId: 'planner',
            runId: RUN.toUpperCase(),
            traceId: TRACE,
            startTime: iso(start),
            agentName: 'Planner',
            output: { plan: ['a', 'b'] },
            attributes: { 'vigil.session.id': 's1', steps: 3 },
          },
        ],
      },
      ctx(),
    );
    assert.deepEqual(res.errors, []);
    assert.equal(res.accepted, 2);
    assert.equal(res.rejected, 0);
    assert.deepEqual(res.agentRunStarts, [
      {
        project: 'proj',
        traceId: TRACE,
        spanId: RUN,
        agentId: 'planner',
        agentName: 'Planner',
        agentVersion: '1.2',
        sessionId: 's1',
        userId: 'u1',
        serviceName: 'app',
        startUs: start * 1000,
      },
    ]);
    assert.deepEqual(res.agentRunEnds, [{ project: 'proj', spanId: RUN }]);
    const s = res.spans[0];
    assert.equal(s.kind, 'agent');
    assert.equal(s.spanId, RUN);
    assert.equal(s.traceId, TRACE);
    assert.equal(s.startUs, start * 1000);
    assert.equal(s.endUs, (NOW_MS - 500) * 1000);
    assert.equal(s.status, 'ok');
    assert.equal(s.agentId, 'planner');
    assert.equal(s.agentName, 'Planner');
    assert.equal(s.sessionId, 's1', 'filled from vigil.* attributes');
    assert.equal(s.output, '{"plan":["a","b"]}');
    assert.equal(s.serviceName, 'app');
    assert.equal(s.attributes.steps, 3);
  });

  test('agent_error stores an error span with the exception event', () => {
    const res = normalizeSdkBatch(
      {
        events: [
          {
            type: 'agent_error',
            time: NOW_MS,
            agentId: 'a',
            runId: RUN,
            traceId: TRACE,
            startTime: NOW_MS - 10,
            error: { message: 'tool crashed', type: 'ToolError', stack: 'at tool()' },
          },
        ],
      },
      ctx(),
    );
    const s = res.spans[0];
    assert.equal(s.status, 'error');
    assert.equal(s.statusMessage, 'tool crashed');
    assert.deepEqual(s.events, [
      {
        name: 'exception',
        timeUs: NOW_MS * 1000,
        attributes: {
          'exception.type': 'ToolError',
          'exception.message': 'tool crashed',
          'exception.stacktrace': 'at tool()',
        },
      },
    ]);
    assert.deepEqual(res.agentRunEnds, [{ project: 'proj', spanId: RUN }]);
  });

  test('inference becomes a priced llm span', () => {
    const res = normalizeSdkBatch(
      {
        serviceName: 'app',
        events: [
          {
            type: 'inference',
            time: NOW_MS,
            model: 'gpt-4o',
            provider: 'openai',
            durationMs: 1500,
            inputTokens: 1000,
            outputTokens: 200,
            success: true,
            agentId: 'a',
            traceId: TRACE,
            spanId: '1111111111111111',
            parentSpanId: RUN,
            input: 'secret key sk-proj-abcdefghijklmnopqrstuvwx',
          },
          { type: 'inference', model: 'gpt-4o-mini', tokenCount: 300, success: false, error: 'timeout' },
          { type: 'inference', model: 'gpt-4o', costUsd: 0.5, inputTokens: 1 },
        ],
      },
      ctx({ redact: createRedactor() }),
    );
    assert.deepEqual(res.errors, []);
    const [a, b, c] = res.spans;
    assert.equal(a.kind, 'llm');
    assert.equal(a.startUs, (NOW_MS - 1500) * 1000);
    assert.equal(a.endUs, NOW_MS * 1000);
    assert.deepEqual([a.model, a.provider, a.inputTokens, a.outputTokens], ['gpt-4o', 'openai', 1000, 200]);
    assert.ok(a.costUsd !== null && Math.abs(a.costUsd - (1000 * 2.5 + 200 * 10) / 1e6) < 1e-9);
    assert.deepEqual(
      [a.traceId, a.spanId, a.parentSpanId, a.agentId, a.status],
      [TRACE, '1111111111111111', RUN, 'a', 'ok'],
    );
    assert.equal(a.input, 'secret key [REDACTED_SECRET]');
    assert.match(b.traceId, /^[0-9a-f]{32}$/);
    assert.match(b.spanId, /^[0-9a-f]{16}$/);
    assert.equal(b.status, 'error');
    assert.equal(b.statusMessage, 'timeout');
    assert.equal(b.inputTokens, 300, 'a bare tokenCount is priced as input, never a zero cost');
    assert.ok(b.costUsd !== null && b.costUsd > 0);
    assert.equal(c.costUsd, 0.5);
  });

  test('metric and system events become metric points', () => {
    const res = normalizeSdkBatch(
      {
        serviceName: 'app',
        events: [
          {
            type: 'metric',
            name: 'queue.size',
            value: 3,
            unit: '{item}',
            metricType: 'gauge',
            labels: { q: 'a' },
            agentId: 'ag',
          },
          { type: 'metric', name: 'calls', value: '2', metricType: 'counter', dimensions: { n: 1 } },
          { type: 'metric', name: 'x', value: 1, tags: { t: true } },
          {
            type: 'system',
            time: NOW_MS,
            cpuUsage: 55.5,
            memoryUsage: 40,
            diskUsage: 70,
            networkLatency: 12,
            activeConnections: 8,
            gpuUsage: 90,
            gpuMemoryUsage: 60,
          },
        ],
      },
      ctx(),
    );
    assert.deepEqual(res.errors, []);
    const [q, calls, x, ...sys] = res.metrics;
    assert.deepEqual(
      { ...q, timeUs: 0 },
      {
        project: 'proj',
        name: 'queue.size',
        type: 'gauge',
        unit: '{item}',
        timeUs: 0,
        value: 3,
        histogram: null,
        labels: { q: 'a', agent_id: 'ag' },
        serviceName: 'app',
      },
    );
    assert.deepEqual([calls.type, calls.value, calls.labels], ['counter', 2, { n: '1' }]);
    assert.deepEqual(x.labels, { t: 'true' });
    assert.deepEqual(
      sys.map((m) => [m.name, m.value, m.type]),
      [
        ['system.cpu.usage', 55.5, 'gauge'],
        ['system.memory.usage', 40, 'gauge'],
        ['system.disk.usage', 70, 'gauge'],
        ['system.network.latency', 12, 'gauge'],
        ['system.connections.active', 8, 'gauge'],
        ['system.gpu.usage', 90, 'gauge'],
        ['system.gpu.memory.usage', 60, 'gauge'],
      ],
    );
    assert.ok(sys.every((m) => m.timeUs === NOW_MS * 1000));
  });

  test('log events', () => {
    const res = normalizeSdkBatch(
      {
        events: [
          {
            type: 'log',
            severity: 'warn',
            body: 'disk almost full',
            traceId: TRACE,
            spanId: RUN,
            attributes: { disk: '/' },
          },
          { type: 'log', severity: 21, body: { crash: true } },
          { type: 'log', body: 'default info' },
        ],
      },
      ctx(),
    );
    assert.deepEqual(
      res.logs.map((l) => [l.severity, l.severityText, l.body, l.traceId, l.spanId]),
      [
        [13, 'WARN', 'disk almost full', TRACE, RUN],
        [21, 'FATAL', '{"crash":true}', null, null],
        [9, 'INFO', 'default info', null, null],
      ],
    );
    assert.equal(res.logs[0].attributes.disk, '/');
  });

  test('span events in the API shape', () => {
    const res = normalizeSdkBatch(
      {
        serviceName: 'batch-svc',
        events: [
          {
            type: 'span',
            traceId: TRACE,
            spanId: RUN,
            parentSpanId: null,
            name: 'retrieve docs',
            kind: 'retrieval',
            startTime: '2026-01-01T00:00:00.123456Z',
            endTime: '2026-01-01T00:00:00.223456Z',
            status: 'ok',
            serviceName: 'rag',
            attributes: { k: 1 },
            events: [{ name: 'exception', time: '2026-01-01T00:00:00.2Z', attributes: { 'exception.message': 'x' } }],
            input: 'q',
            output: 'docs',
          },
          {
            type: 'span',
            traceId: TRACE,
            spanId: '2222222222222222',
            name: 'llm',
            startTime: Date.parse('2026-01-01T00:01:00Z'),
            endTime: Date.parse('2026-01-01T00:01:01Z'),
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.usage.input_tokens': 100,
            },
          },
        ],
      },
      ctx({
        nowUs: Date.parse('2026-01-01T00:10:00Z') * 1000,
        limits: { ...defaultIngestLimits, maxAgeMs: 10 * 365 * 86400_000 },
      }),
    );
    assert.deepEqual(res.errors, []);
    const [a, b] = res.spans;
    assert.equal(a.startUs, Date.parse('2026-01-01T00:00:00.123Z') * 1000 + 456, 'microseconds from ISO kept');
    assert.equal(a.endUs - a.startUs, 100_000);
    assert.deepEqual(
      [a.kind, a.status, a.serviceName, a.name, a.input, a.output],
      ['retrieval', 'ok', 'rag', 'retrieve docs', 'q', 'docs'],
    );
    assert.equal(a.events[0].timeUs, Date.parse('2026-01-01T00:00:00.2Z') * 1000);
    assert.equal(b.kind, 'llm', 'kind from the attribute conventions when not given');
    assert.equal(b.model, 'gpt-4o');
    assert.ok(b.costUsd !== null && b.costUsd > 0);
    assert.equal(b.serviceName, 'batch-svc');
  });

  test('bad events are rejected with their index and reason, the rest accepted', () => {
    const res = normalizeSdkBatch(
      {
        events: [
          { type: 'log', body: 'fine' },
          'not an object',
          { type: 'nope' },
          { type: 'agent_start', agentId: 'a', runId: 'xyz', traceId: TRACE },
          { type: 'agent_start', agentId: 'a', runId: RUN, traceId: '0'.repeat(32) },
          { type: 'agent_complete', agentId: 'a', runId: RUN, traceId: TRACE },
          { type: 'inference', durationMs: 1 },
          { type: 'inference', model: 'm', inputTokens: -1 },
          { type: 'metric', name: 'm' },
          { type: 'metric', name: 'm', value: 1, metricType: 'weird' },
          { type: 'system' },
          { type: 'log', severity: 'loud' },
          { type: 'log', time: NOW_MS + 3 * 3600_000 },
          { type: 'log', time: 'yesterday-ish' },
          { type: 'span', traceId: TRACE, spanId: RUN, startTime: NOW_MS },
          { type: 'span', traceId: TRACE, spanId: RUN, startTime: NOW_MS, endTime: NOW_MS - 1 },
          { type: 'span', traceId: TRACE, spanId: RUN, startTime: NOW_MS, endTime: NOW_MS, kind: 'weird' },
          { type: 'agent_complete', agentId: 'a', runId: RUN, traceId: TRACE, startTime: NOW_MS, time: NOW_MS - 5 },
          { type: 'log', body: 'also fine' },
        ],
      },
      ctx(),
    );
    assert.equal(res.accepted, 2);
    assert.equal(res.rejected, 17);
    assert.deepEqual(
      res.errors.map((e) => e.index),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    );
    const msg = (i: number) => res.errors.find((e) => e.index === i)?.message;
    assert.match(msg(2) ?? '', /unknown event type "nope"/);
    assert.match(msg(3) ?? '', /runId must be 16 hex/);
    assert.match(msg(5) ?? '', /startTime is required/);
    assert.match(msg(6) ?? '', /model is required/);
    assert.match(msg(12) ?? '', /in the future/);
    assert.match(msg(14) ?? '', /endTime is required/);
    assert.deepEqual(
      res.logs.map((l) => l.body),
      ['fine', 'also fine'],
    );
  });

  test('parseSdkTimeUs accepts ISO 8601 and epoch milliseconds', () => {
    assert.equal(parseSdkTimeUs(1700000000000, 't'), 1700000000000000);
    assert.equal(parseSdkTimeUs('1700000000000', 't'), 1700000000000000);
    assert.equal(parseSdkTimeUs(1700000000000.5, 't'), 1700000000000500);
    assert.equal(parseSdkTimeUs('2023-11-14T22:13:20Z', 't'), 1700000000000000);
    assert.equal(parseSdkTimeUs('2023-11-14T22:13:20.000001Z', 't'), 1700000000000001);
    assert.equal(parseSdkTimeUs('2023-11-14T23:13:20+01:00', 't'), 1700000000000000);
  });
});
