/**
 * Library mode on PostgreSQL next to a server: an app using `createAnalyticsService({ backend:
 * 'postgres' })` writes in-process into the same database a `vigil serve` instance reads, and each
 * sees the other's data. Fresh schema, dropped afterwards; port from 41600-41699.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAnalyticsService } from '@vigil/sdk';
import postgres from 'postgres';
import { getJson, startVigil, tempDir, type VigilProcess } from './helpers.js';

const PG = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('SDK library mode (PostgreSQL) beside a server on the same database', () => {
  const schema = `vigil_test_lib_${randomBytes(5).toString('hex')}`;
  const storeUrl = `${PG}?schema=${schema}`;
  const key = `vgl_${randomBytes(16).toString('hex')}`;
  const dir = tempDir();
  let server: VigilProcess;

  before(async () => {
    server = await startVigil({
      dataDir: dir.path,
      args: ['--store', storeUrl, '--port', String(41690 + Math.floor(Math.random() * 10))],
      env: { VIGIL_API_KEY: key },
    });
  });
  after(async () => {
    await server?.kill9();
    const sql = postgres(PG, { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end();
    dir.remove();
  });

  test('runs written in-process are durable in PostgreSQL and visible through the server', async () => {
    const svc = createAnalyticsService({
      backend: 'postgres',
      connection: { url: storeUrl },
      serviceName: 'lib-pg-app',
      flushInterval: 60_000,
      metricsInterval: 60_000,
      onWarning: (m) => console.error(m),
    });
    await svc.initialize();
    const run = svc.logAgentStart('planner', { agentName: 'Planner' });
    svc.trackModelInference('gpt-4o', {
      duration: 250,
      inputTokens: 400,
      outputTokens: 60,
      provider: 'openai',
      agentId: 'planner',
    });
    svc.logAgentComplete('planner', { output: 'plan ready' });
    await svc.flush();
    // biome-ignore lint/suspicious/noExplicitAny: dashboard JSON
    const local = (await svc.getDashboardData({ start: Date.now() - 60_000, end: Date.now() + 1000 })) as any;
    assert.equal(svc.stats().spans.failed + svc.stats().events.failed, 0, JSON.stringify(svc.stats()));
    await svc.destroy();
    assert.equal(local.agentMetrics.totalRuns, 1);
    assert.equal(local.modelMetrics.calls, 1);

    const trace = await getJson(`${server.url}/api/v1/traces/${run.traceId}`, key);
    assert.equal(trace.status, 200, JSON.stringify(trace.body));
    const spans = trace.body.spans as { kind: string; agentId: string | null; model: string | null }[];
    assert.ok(spans.some((s) => s.kind === 'agent' && s.agentId === 'planner'));
    assert.ok(spans.some((s) => s.model === 'gpt-4o'));
    const dash = await getJson(
      `${server.url}/api/v1/dashboard?from=${Date.now() - 3_600_000}&to=${Date.now() + 1000}`,
      key,
    );
    assert.equal(dash.status, 200);
    assert.equal(dash.body.modelMetrics.calls, 1);
    assert.equal(dash.body.agentMetrics.totalRuns, 1);
  });
});
