import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Collector } from '../../test-support/collector.js';
import { attrsToObject } from '../../test-support/otlp-decode.js';
import { createLogger } from '../logs/logger.js';
import { getTracer, NoopTracer, withSpan } from '../trace/tracer.js';
import { createAnalyticsService, quickSetup } from './analytics-service.js';
import { resolveConfig } from './config.js';

const PORT = 41320;
let collector: Collector;

before(async () => {
  collector = await new Collector(PORT).start();
});
after(() => collector.stop());

function service(extra: Parameters<typeof createAnalyticsService>[0] = {}) {
  return createAnalyticsService({
    connection: { url: collector.url, apiKey: 'vk_test' },
    serviceName: 'support-bot',
    flushInterval: 60_000,
    metricsInterval: 60_000,
    onWarning: null,
    ...extra,
  });
}

describe('seed API over HTTP', () => {
  test('agent run: agent_start event, then the agent span with nested inference and a failed run', async () => {
    collector.requests.length = 0;
    const svc = await service().initialize();
    assert.equal(getTracer(), svc.tracer, 'registered as the global tracer');

    const run = svc.logAgentStart('support-triage', {
      agentName: 'Support triage',
      agentVersion: '1.4.0',
      sessionId: 'sess-1',
      userId: 'user-9',
      input: { ticket: 'refund please' },
    });
    assert.equal(svc.stats().activeRuns, 1);
    await svc.flush(); // the start reaches the server while the run is still open
    const start = collector.events().find((e) => e.type === 'agent_start');
    assert.ok(start);
    assert.equal(start.agentId, 'support-triage');
    assert.equal(start.runId, run.runId);
    assert.equal(start.traceId, run.traceId);
    assert.equal(start.sessionId, 'sess-1');
    assert.equal(collector.on('/api/v1/ingest')[0].headers.authorization, 'Bearer vk_test');

    svc.trackModelInference('gpt-4o', {
      duration: 850,
      inputTokens: 1200,
      outputTokens: 300,
      agentId: 'support-triage',
      provider: 'openai',
      success: true,
    });
    svc.trackModelInference('claude-sonnet-4', {
      duration: 120,
      tokenCount: 50,
      agentId: 'support-triage',
      success: false,
      error: new Error('rate limited'),
    });
    svc.logAgentComplete('support-triage', { output: 'refund issued' });
    assert.equal(svc.stats().activeRuns, 0);

    const failing = svc.logAgentStart('billing');
    svc.logAgentError('billing', new TypeError('invoice missing'), { runId: failing.runId });
    await svc.destroy();
    assert.ok(getTracer() instanceof NoopTracer, 'destroy unregisters the global tracer');

    const spans = collector.spans();
    assert.equal(spans.filter((s) => s.attrs['vigil.kind'] === 'agent').length, 0, 'runs travel as events');
    const done = collector.events().find((e) => e.type === 'agent_complete');
    assert.ok(done, 'agent_complete event exported');
    assert.equal(done.runId, run.runId);
    assert.equal(done.traceId, run.traceId);
    assert.equal(done.agentId, 'support-triage');
    assert.equal(done.agentName, 'Support triage');
    assert.equal(done.agentVersion, '1.4.0');
    assert.equal(done.sessionId, 'sess-1');
    assert.equal(done.userId, 'user-9');
    assert.equal(done.input, '{"ticket":"refund please"}');
    assert.equal(done.output, 'refund issued');
    assert.ok(Date.parse(done.startTime as string) <= Date.parse(done.time as string));
    assert.match(done.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal((done.attributes as Record<string, unknown>)['vigil.kind'], 'agent');
    const events = collector.events().map((e) => e.type);
    assert.ok(events.indexOf('agent_start') < events.indexOf('agent_complete'));

    const gpt = spans.find((s) => s.attrs['gen_ai.request.model'] === 'gpt-4o');
    assert.equal(gpt.parentSpanId, run.runId, 'inference nests under the open run');
    assert.equal(gpt.attrs['vigil.kind'], 'llm');
    assert.equal(gpt.attrs['gen_ai.provider.name'], 'openai');
    assert.equal(gpt.attrs['gen_ai.usage.input_tokens'], 1200);
    assert.equal(gpt.attrs['gen_ai.usage.output_tokens'], 300);
    const durMs = Number(gpt.endTimeUnixNano - gpt.startTimeUnixNano) / 1e6;
    assert.ok(Math.abs(durMs - 850) < 1, `duration ${durMs}`);
    assert.ok(Math.abs(Number(gpt.endTimeUnixNano / 1_000_000n) - Date.now()) < 60_000, 'timestamps are near now');

    const claude = spans.find((s) => s.attrs['gen_ai.request.model'] === 'claude-sonnet-4');
    assert.equal(claude.status.code, 2);
    assert.equal(claude.attrs['llm.token_count.total'], 50);
    assert.equal(attrsToObject(claude.events[0].attributes)['exception.message'], 'rate limited');

    const billing = collector.events().find((e) => e.type === 'agent_error');
    assert.equal(billing?.runId, failing.runId);
    const error = billing?.error as { message: string; type: string; stack: string };
    assert.equal(error.message, 'invoice missing');
    assert.equal(error.type, 'TypeError');
    assert.match(error.stack, /TypeError: invoice missing/);
    // The billing run ended before its agent_start left the buffer: the start was withdrawn.
    assert.equal(collector.events().filter((e) => e.type === 'agent_start' && e.agentId === 'billing').length, 0);
  });

  test('runAgent wraps a function as a run; spans inside nest under it', async () => {
    collector.requests.length = 0;
    const svc = await service().initialize();
    const out = await svc.runAgent('research', { captureOutput: true }, async () => {
      await withSpan('search', { kind: 'tool' }, async () => {});
      return 'summary';
    });
    assert.equal(out, 'summary');
    await assert.rejects(
      svc.runAgent('research', {}, async () => {
        throw new Error('tool exploded');
      }),
      /tool exploded/,
    );
    await svc.destroy();
    const ok = collector.events().find((e) => e.type === 'agent_complete');
    const failed = collector.events().find((e) => e.type === 'agent_error');
    assert.ok(ok && failed);
    const search = collector.spans().find((s) => s.name === 'search');
    assert.equal(search.parentSpanId, ok.runId);
    assert.equal(ok.output, 'summary');
    assert.match(String((failed.error as { message: string }).message), /tool exploded/);
  });

  test('metrics (counter, gauge, histogram, summary via trackMetric) and system usage', async () => {
    collector.requests.length = 0;
    const svc = await service().initialize();
    svc.trackMetric({
      name: 'tickets.resolved',
      value: 2,
      metricType: 'counter',
      agentId: 'triage',
      dimensions: { tier: 'gold' },
    });
    svc.trackMetric({
      name: 'tickets.resolved',
      value: 3,
      metricType: 'counter',
      agentId: 'triage',
      dimensions: { tier: 'gold' },
    });
    svc.trackMetric({ name: 'queue.depth', value: 17, unit: '{tickets}' });
    svc.trackMetric({ name: 'reply.latency', value: 120, unit: 'ms', metricType: 'histogram' });
    svc.trackMetric({ name: 'reply.latency', value: 480, unit: 'ms', metricType: 'histogram' });
    svc.trackMetric({ name: 'judge.score', value: 0.8, metricType: 'summary', tags: ['eval'] });
    svc.meter.counter('custom.calls').add(1, { route: '/x' });
    svc.trackSystemUsage({ cpuUsage: 41.5, memoryUsage: 63, activeConnections: 12 });
    await svc.destroy();

    const metrics = collector.metrics();
    const byName = Object.fromEntries(metrics.map((m: any) => [m.name, m]));
    const counter = byName['tickets.resolved'].sum;
    assert.equal(counter.isMonotonic, true);
    assert.equal(counter.dataPoints[0].asDouble, 5);
    assert.deepEqual(attrsToObject(counter.dataPoints[0].attributes), { agent_id: 'triage', tier: 'gold' });
    assert.equal(byName['queue.depth'].gauge.dataPoints[0].asDouble, 17);
    assert.equal(byName['queue.depth'].unit, '{tickets}');
    const h = byName['reply.latency'].histogram.dataPoints[0];
    assert.equal(h.count, 2n);
    assert.equal(h.sum, 600);
    assert.equal(h.min, 120);
    assert.equal(h.max, 480);
    assert.equal(
      h.bucketCounts.reduce((a: bigint, b: bigint) => a + b, 0n),
      2n,
    );
    assert.equal(byName['judge.score'].summary.dataPoints[0].count, 1n);
    assert.equal(byName['custom.calls'].sum.dataPoints[0].asDouble, 1);

    const sys = collector.events().find((e) => e.type === 'system');
    assert.equal(sys?.cpuUsage, 41.5);
    assert.equal(sys?.activeConnections, 12);
    assert.equal(sys?.diskUsage, undefined);
  });

  test('logs: JSON lines with trace correlation, exported as OTLP logs', async () => {
    collector.requests.length = 0;
    const lines: string[] = [];
    const svc = await service().initialize();
    const log = createLogger({ name: 'worker', output: (l) => lines.push(l), level: 'debug' }).withCorrelationId(
      'req-7',
    );
    await withSpan('handle', async (span) => {
      log.info('handling ticket', { ticketId: 42 });
      log.error('tool failed', { err: new Error('timeout') });
      log.trace('not shown');
      assert.equal(JSON.parse(lines[0]).spanId, span.spanId);
    });
    await svc.destroy();
    const first = JSON.parse(lines[0]);
    assert.equal(first.level, 'info');
    assert.equal(first.msg, 'handling ticket');
    assert.equal(first.correlationId, 'req-7');
    assert.equal(first.logger, 'worker');
    assert.equal(first.ticketId, 42);
    assert.equal(JSON.parse(lines[1]).err.message, 'timeout');
    assert.equal(lines.length, 2);
    const logs = collector.logs();
    assert.equal(logs.length, 2);
    assert.equal(logs[1].severityNumber, 17);
    assert.equal(logs[1].body.stringValue, 'tool failed');
    assert.equal(logs[0].traceId, first.traceId);
    assert.equal(attrsToObject(logs[0].attributes).correlationId, 'req-7');
  });

  test('getDashboardData queries the server with the range', async () => {
    collector.requests.length = 0;
    collector.script.push({ path: undefined, response: { status: 200, body: '{"agentMetrics":{"activeAgents":3}}' } });
    const svc = await service().initialize();
    const start = new Date(Date.now() - 3600_000);
    const data = (await svc.getDashboardData({ start, end: new Date() })) as { agentMetrics: { activeAgents: number } };
    assert.equal(data.agentMetrics.activeAgents, 3);
    const req = collector.requests.find((r) => r.path.startsWith('/api/v1/dashboard'));
    assert.ok(req);
    const q = new URL(req.path, collector.url).searchParams;
    assert.equal(Number(q.get('from')), start.getTime());
    await svc.destroy();
  });

  test('server unreachable: every method returns normally', async () => {
    const svc = createAnalyticsService({
      connection: { url: 'http://127.0.0.1:41399' },
      onWarning: null,
      retry: { maxAttempts: 1 },
    });
    await svc.initialize();
    svc.logAgentStart('a');
    svc.trackModelInference('gpt-4o', { duration: 5 });
    svc.trackMetric({ name: 'm', value: 1 });
    svc.logAgentComplete('a');
    svc.logAgentComplete('never-started');
    svc.trackMetric(undefined as never);
    await svc.flush(2000);
    await svc.destroy();
    assert.ok(svc.stats().spans.failed >= 1);
  });

  test('quickSetup and configuration from the environment', async () => {
    const c = resolveConfig(
      {},
      { VIGIL_URL: 'http://vigil:9000', VIGIL_API_KEY: 'k', VIGIL_SERVICE_NAME: 'svc', VIGIL_BATCH_SIZE: '64' },
    );
    assert.equal(c.url, 'http://vigil:9000');
    assert.equal(c.apiKey, 'k');
    assert.equal(c.serviceName, 'svc');
    assert.equal(c.batchSize, 64);
    assert.equal(c.backend, 'http');
    const d = resolveConfig({ backend: 'duckdb', connection: { path: '/tmp/x.duckdb' } }, {});
    assert.equal(d.storeUrl, 'duckdb:/tmp/x.duckdb');
    assert.equal(resolveConfig({ serviceName: 'explicit' }, { VIGIL_SERVICE_NAME: 'env' }).serviceName, 'explicit');

    collector.requests.length = 0;
    const svc = await quickSetup(collector.url, 'vk_quick');
    svc.trackModelInference('gpt-4o-mini', { duration: 10, inputTokens: 1, outputTokens: 1 });
    await svc.destroy();
    assert.equal(collector.spans().length, 1);
    assert.equal(collector.on('/v1/traces')[0].headers.authorization, 'Bearer vk_quick');
  });
});
