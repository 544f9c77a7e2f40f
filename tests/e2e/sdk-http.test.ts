/**
 * The SDK in http mode against a real `vigil serve`: OTLP protobuf spans, metrics and logs plus the
 * SDK-batch events (agent runs, system usage) arrive and are queryable through the REST API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAnalyticsService, createLogger, withSpan } from '@vigil/sdk';
import { getJson, startVigil, tempDir, type VigilProcess } from './helpers.js';

const KEY = `vgl_${'s'.repeat(43)}`;
let vigil: VigilProcess;
let dir: ReturnType<typeof tempDir>;

before(async () => {
  dir = tempDir('vigil-sdk-http-');
  vigil = await startVigil({ dataDir: dir.path, env: { VIGIL_API_KEY: KEY } });
});
after(async () => {
  await vigil?.stop();
  dir?.remove();
});

const range = () => `from=${Date.now() - 3600_000}&to=${Date.now() + 60_000}`;

describe('SDK → vigil serve', () => {
  test('agent runs, nested spans, inference, metrics, system usage and logs are queryable', async () => {
    const svc = createAnalyticsService({
      connection: { url: vigil.url, apiKey: KEY },
      serviceName: 'sdk-e2e',
      flushInterval: 60_000,
      metricsInterval: 60_000,
      onWarning: (m) => console.error(m),
    });
    await svc.initialize();
    const log = createLogger({ output: false });

    const run = svc.logAgentStart('code-review', { agentName: 'Code review', sessionId: 'sess-e2e', userId: 'dev-1' });
    await svc.flush();
    let dash = (await getJson(`${vigil.url}/api/v1/dashboard?${range()}`, KEY)).body;
    assert.equal(dash.agentMetrics.activeAgents, 1, JSON.stringify(dash.agentMetrics));

    await withSpan('review PR', { kind: 'chain', parent: run.span }, async () => {
      await withSpan(
        'fetch diff',
        { kind: 'tool', attributes: { 'http.url': 'https://git.example/pr/1' } },
        async () => {
          log.info('fetched diff', { files: 3 });
        },
      );
      await withSpan('chat gpt-4o', { kind: 'llm', model: 'gpt-4o', provider: 'openai' }, async (span) => {
        span.setUsage({ inputTokens: 2000, outputTokens: 400 });
      });
    });
    svc.trackModelInference('gemini-1.5-pro', {
      duration: 300,
      inputTokens: 100,
      outputTokens: 20,
      provider: 'google',
      agentId: 'code-review',
    });
    svc.logAgentComplete('code-review', { output: 'LGTM' });
    svc.trackMetric({ name: 'reviews.done', value: 1, metricType: 'counter', agentId: 'code-review' });
    svc.trackSystemUsage({ cpuUsage: 33, memoryUsage: 55, diskUsage: 70, networkLatency: 12, activeConnections: 4 });
    await svc.destroy();
    assert.equal(svc.stats().spans.exported, 4, JSON.stringify(svc.stats()));

    const trace = await getJson(`${vigil.url}/api/v1/traces/${run.traceId}`, KEY);
    assert.equal(trace.status, 200, JSON.stringify(trace.body));
    const spans = trace.body.spans as any[];
    assert.equal(spans.length, 5);
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    const agent = spans.find((s) => s.kind === 'agent');
    assert.equal(agent.spanId, run.runId);
    assert.equal(agent.agentId, 'code-review');
    assert.equal(agent.status, 'ok');
    assert.equal(agent.output, 'LGTM');
    assert.equal(byName['review PR'].parentSpanId, run.runId);
    assert.equal(byName['fetch diff'].kind, 'tool');
    assert.equal(byName['chat gpt-4o'].model, 'gpt-4o');
    assert.equal(byName['chat gpt-4o'].provider, 'openai');
    assert.equal(byName['chat gpt-4o'].inputTokens, 2000);
    assert.ok(byName['chat gpt-4o'].costUsd > 0, 'priced');
    assert.equal(byName['chat gpt-4o'].serviceName, 'sdk-e2e');
    const gemini = spans.find((s) => s.model === 'gemini-1.5-pro');
    assert.equal(gemini.parentSpanId, run.runId);
    assert.ok(Math.abs(gemini.durationMs - 300) < 1);

    dash = (await getJson(`${vigil.url}/api/v1/dashboard?${range()}`, KEY)).body;
    assert.equal(dash.agentMetrics.activeAgents, 0);
    assert.equal(dash.agentMetrics.completedRuns, 1);
    assert.equal(dash.modelMetrics.calls, 2);
    assert.equal(dash.systemMetrics.cpuUsage, 33);
    assert.equal(dash.systemMetrics.memoryUsage, 55);

    const m = await getJson(
      `${vigil.url}/api/v1/metrics/query?name=reviews.done&aggregation=last&step=1h&groupBy=agent_id&${range()}`,
      KEY,
    );
    assert.equal(m.status, 200, JSON.stringify(m.body));
    assert.equal(m.body.series[0].labels.agent_id, 'code-review');
    assert.equal(m.body.series[0].points.at(-1)[1], 1);

    const logs = await getJson(`${vigil.url}/api/v1/logs?traceId=${run.traceId}&${range()}`, KEY);
    assert.equal(logs.status, 200, JSON.stringify(logs.body));
    assert.equal(logs.body.items.length, 1);
    assert.equal(logs.body.items[0].body, 'fetched diff');
  });
});
