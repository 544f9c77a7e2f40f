/**
 * `backend: 'supabase'` in library mode: a database connection string works (Supabase is
 * PostgreSQL; the local server stands in for it), and the seed example's REST config ({url, apiKey})
 * is refused with a message naming the setting to use instead — the app itself never sees a throw.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { createAnalyticsService } from '@vigil/sdk';
import postgres from 'postgres';

const PG = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe("SDK library mode with backend 'supabase'", () => {
  const schema = `vigil_test_supa_${randomBytes(5).toString('hex')}`;
  after(async () => {
    const sql = postgres(PG, { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end();
  });

  test('the REST URL + anon key gets a warning naming connection.url and the connection string', async () => {
    const warnings: string[] = [];
    const svc = createAnalyticsService({
      backend: 'supabase',
      connection: { url: 'https://abcdefghijklmnop.supabase.co', apiKey: 'anon-key' },
      onWarning: (m) => warnings.push(m),
      flushInterval: 60_000,
    });
    await svc.initialize();
    svc.trackMetric({ name: 'x', value: 1 }); // recording still never throws
    await svc.destroy();
    const text = warnings.join('\n');
    assert.match(text, /connection\.url/);
    assert.match(text, /postgresql:\/\/postgres\.abcdefghijklmnop:<db-password>@/);
  });

  test('a database connection string stores and reads back in-process', async () => {
    const warnings: string[] = [];
    const svc = createAnalyticsService({
      backend: 'supabase',
      connection: { url: `${PG}?schema=${schema}` },
      onWarning: (m) => warnings.push(m),
      flushInterval: 60_000,
      metricsInterval: 60_000,
    });
    await svc.initialize();
    svc.trackModelInference('gpt-4o', { duration: 120, inputTokens: 100, outputTokens: 20, success: true });
    await svc.flush();
    // biome-ignore lint/suspicious/noExplicitAny: dashboard JSON
    const d = (await svc.getDashboardData({ start: Date.now() - 60_000, end: Date.now() + 1000 })) as any;
    await svc.destroy();
    assert.deepEqual(warnings, []);
    assert.equal(d.modelMetrics.calls, 1);
  });
});
