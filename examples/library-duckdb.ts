/**
 * Library mode: no server. The SDK drives the Vigil core in-process and writes into a DuckDB file
 * (`@vigil/core` must be installed next to `@vigil/sdk`). Open the same file later with
 * `vigil serve --store duckdb:./agent-telemetry.duckdb` to browse it in the dashboard.
 *
 *   node --conditions=vigil-source --import tsx examples/library-duckdb.ts
 */
import { quickSetup } from '@vigil/sdk';

const vigil = await quickSetup('duckdb', {
  connection: { path: './agent-telemetry.duckdb' },
  serviceName: 'batch-job',
});

for (const ticket of ['refund order 991', 'reset 2FA', 'export is broken']) {
  const run = vigil.logAgentStart('support-triage', { input: ticket, sessionId: `s-${ticket.length}` });
  try {
    vigil.trackModelInference('gpt-4o-mini', {
      duration: 420,
      inputTokens: 600,
      outputTokens: 90,
      provider: 'openai',
      agentId: 'support-triage',
    });
    if (ticket.includes('broken')) throw new Error('tool "http_get" timed out');
    vigil.logAgentComplete('support-triage', { runId: run.runId, output: `handled: ${ticket}` });
  } catch (err) {
    vigil.logAgentError('support-triage', err, { runId: run.runId });
  }
}

const dashboard = (await vigil.getDashboardData({ start: Date.now() - 3600_000 })) as {
  agentMetrics: { totalRuns: number; failedRuns: number };
  modelMetrics: { calls: number; totalCost: number | null };
};
console.log('runs:', dashboard.agentMetrics.totalRuns, 'failed:', dashboard.agentMetrics.failedRuns);
console.log('model calls:', dashboard.modelMetrics.calls, 'cost USD:', dashboard.modelMetrics.totalCost);
await vigil.destroy();
