/**
 * Alerting wired as a background job on two instances sharing one PostgreSQL schema: only the
 * elected leader evaluates and notifies, so a firing rule reaches the webhook once, not twice.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type BackgroundJobs, startBackgroundJobs } from '@vigil/core';
// Test-only: the PostgreSQL store is not part of @vigil/core's index (it loads lazily).
import { PostgresStore } from '../../../core/src/store/postgres/postgres-store.js';
import { openTestStore } from '../../../core/src/store/postgres/test-support.js';
import type { VigilServer } from '../http/app.js';
import { createAlerting } from './wiring.js';

const HOOK_PORT = 41731;
const P = 'default';

/** The parts of a server alerting uses: its store, live stream and logger. */
function serverOn(store: PostgresStore, published: unknown[]): VigilServer {
  return {
    core: { store },
    live: { publish: (_p: string, event: string, data: unknown) => published.push([event, data]) },
    app: { log: { warn: (o: unknown, m: string) => assert.fail(`${m}: ${String((o as { err: Error }).err)}`) } },
  } as unknown as VigilServer;
}

describe('alerting job on a shared PostgreSQL store', () => {
  let hook: Server;
  const bodies: { event: string; alert: { id: string } }[] = [];
  let db: Awaited<ReturnType<typeof openTestStore>>;
  let second: PostgresStore;
  const jobs: BackgroundJobs[] = [];

  before(async () => {
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(HOOK_PORT, '127.0.0.1', resolve));
    db = await openTestStore();
    second = PostgresStore.open(db.url, { max: 2 });
    await second.migrate();
  });
  after(async () => {
    for (const j of jobs) await j.stop();
    await second.close();
    await db.drop();
    hook.close();
  });

  test('only the leader evaluates; the rule fires and notifies once', async () => {
    const store = db.store;
    const nowUs = Date.now() * 1000;
    await store.createProject({ id: P, name: P, createdUs: nowUs });
    await store.upsertChannel({
      id: 'hook',
      project: P,
      name: 'hook',
      type: 'webhook',
      enabled: true,
      config: { url: `http://127.0.0.1:${HOOK_PORT}/`, maxRetries: 0, timeoutMs: 2000 },
      createdUs: nowUs,
      updatedUs: nowUs,
    });
    // No spans at all: an absence rule fires at the first evaluation.
    await store.upsertAlertRule({
      id: 'silent',
      project: P,
      name: 'No traffic',
      description: '',
      enabled: true,
      severity: 'warning',
      condition: { type: 'absence', source: 'spans', windowMs: 60_000 },
      forMs: 0,
      keepFiringForMs: 0,
      labels: {},
      channels: ['hook'],
      repeatIntervalMs: 0,
      escalation: [],
      createdUs: nowUs,
      updatedUs: nowUs,
    });
    const published: unknown[][] = [[], []];
    for (const [i, s] of [store, second].entries()) {
      const { job } = createAlerting(serverOn(s, published[i]), { intervalMs: 1000 });
      jobs.push(await startBackgroundJobs(s, [job], { retryMs: 200, storeJobs: false }));
    }
    for (let i = 0; i < 60 && bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    // Let both instances run a few more intervals.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(jobs.filter((j) => j.isLeader).length, 1, 'one leader');
    assert.deepEqual(
      bodies.map((b) => b.event),
      ['firing'],
    );
    const alerts = await store.listAlerts(P, { limit: 10 });
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].state, 'firing');
    assert.equal(bodies[0].alert.id, alerts[0].id);
    const leader = jobs.findIndex((j) => j.isLeader);
    assert.deepEqual(
      published[leader].map((p) => (p as [string])[0]),
      ['alert'],
      'the state change went out on the live stream',
    );
    assert.equal(published[1 - leader].length, 0, 'the follower did nothing');
  });
});
