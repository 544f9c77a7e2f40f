/**
 * SDK library mode: `backend: 'duckdb'` writes through the core in-process (no server) into a real
 * DuckDB file; the data is then read back through the same core and after reopening the file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openVigilCore } from '@vigil/core';
import { createAnalyticsService, withSpan } from '@vigil/sdk';
import { tempDir } from './helpers.js';

describe('SDK library mode (DuckDB)', () => {
  test('agent runs, inference, spans, metrics and logs land in the DuckDB file', async () => {
    const dir = tempDir('vigil-sdk-lib-');
    const path = join(dir.path, 'lib.duckdb');
    try {
      const svc = createAnalyticsService({
        backend: 'duckdb',
        connection: { path },
        serviceName: 'lib-app',
        flushInterval: 60_000,
        metricsInterval: 60_000,
        onWarning: (m) => console.error(m),
      });
      await svc.initialize();
      const run = svc.logAgentStart('research', { agentName: 'Research', sessionId: 's-1', userId: 'u-1' });
      await svc.flush();
      const open = (await svc.getDashboardData({ start: Date.now() - 60_000, end: Date.now() + 1000 })) as any;
      assert.equal(open.agentMetrics.activeAgents, 1, 'the started run is active');

      await withSpan('retrieve docs', { kind: 'retrieval', parent: run.span }, async () => {
        svc.trackModelInference('gpt-4o', {
          duration: 420,
          inputTokens: 900,
          outputTokens: 150,
          provider: 'openai',
          agentId: 'research',
        });
      });
      svc.trackModelInference('claude-sonnet-4', {
        duration: 80,
        agentId: 'research',
        success: false,
        error: new Error('overloaded'),
      });
      svc.logAgentComplete('research', { output: 'found 3 papers' });
      const failed = svc.logAgentStart('billing');
      svc.logAgentError('billing', new Error('card declined'), { runId: failed.runId });
      svc.trackMetric({ name: 'docs.retrieved', value: 3, metricType: 'counter', agentId: 'research' });
      svc.trackSystemUsage({ cpuUsage: 12.5, memoryUsage: 40 });
      svc.logger.info('run finished', { runId: run.runId });
      const data = (await svc.getDashboardData({ start: Date.now() - 60_000, end: Date.now() + 1000 })) as any;
      assert.equal(svc.stats().spans.failed + svc.stats().events.failed, 0, JSON.stringify(svc.stats()));
      await svc.destroy();

      assert.equal(data.agentMetrics.activeAgents, 0);
      assert.equal(data.agentMetrics.totalRuns, 2);
      assert.equal(data.agentMetrics.failedRuns, 1);
      assert.equal(data.modelMetrics.calls, 2);
      assert.equal(data.modelMetrics.errors, 1);
      assert.equal(data.modelMetrics.inputTokens, 900);
      assert.equal(data.systemMetrics.cpuUsage, 12.5);

      // Reopen the file with a fresh core: everything is durable.
      const core = await openVigilCore({ storeUrl: `duckdb:${path}` });
      try {
        const trace = (await core.getTrace('default', run.traceId)) as any;
        const spans = trace.spans as any[];
        const agent = spans.find((s) => s.kind === 'agent');
        assert.equal(agent.spanId, run.runId);
        assert.equal(agent.agentId, 'research');
        assert.equal(agent.sessionId, 's-1');
        assert.equal(agent.output, 'found 3 papers');
        const retrieval = spans.find((s) => s.kind === 'retrieval');
        assert.equal(retrieval.parentSpanId, run.runId);
        const llm = spans.find((s) => s.model === 'gpt-4o');
        assert.equal(llm.parentSpanId, retrieval.spanId);
        assert.equal(llm.provider, 'openai');
        assert.equal(llm.inputTokens, 900);
        assert.ok(llm.costUsd > 0, 'priced from the table');
        assert.ok(Math.abs(llm.durationMs - 420) < 1);
      } finally {
        await core.close();
      }
    } finally {
      dir.remove();
    }
  });
});
