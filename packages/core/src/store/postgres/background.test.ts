import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type BackgroundJobs, startBackgroundJobs } from './background.js';
import { PostgresStore } from './postgres-store.js';
import { dropSchema, randomSchema, TEST_PG_URL } from './test-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('startBackgroundJobs', () => {
  test('with several instances on one schema, jobs run on the leader only and move when it stops', async () => {
    const schema = randomSchema();
    const stores = [0, 1, 2].map(() => PostgresStore.open(TEST_PG_URL, { schema, max: 2 }));
    await Promise.all(stores.map((s) => s.migrate()));
    const runs: number[] = [];
    const runners: BackgroundJobs[] = [];
    try {
      for (const [i, s] of stores.entries()) {
        runners.push(
          await startBackgroundJobs(s, [{ name: 'tick', intervalMs: 50, run: async () => void runs.push(i) }], {
            retryMs: 100,
            storeJobs: false,
          }),
        );
      }
      await sleep(400);
      const leaders = runners.map((r, i) => (r.isLeader ? i : -1)).filter((i) => i >= 0);
      assert.equal(leaders.length, 1, 'one leader');
      assert.ok(runs.length > 2);
      assert.deepEqual([...new Set(runs)], leaders, 'only the leader ran the job');
      assert.equal(await runners[(leaders[0] + 1) % 3].runNow('tick'), false, 'a follower refuses runNow');

      await runners[leaders[0]].stop();
      runs.length = 0;
      await sleep(600);
      const next = runners.map((r, i) => (r.isLeader ? i : -1)).filter((i) => i >= 0);
      assert.equal(next.length, 1);
      assert.notEqual(next[0], leaders[0]);
      assert.deepEqual([...new Set(runs)], next);
    } finally {
      for (const r of runners) await r.stop();
      for (const s of stores.slice(1)) await s.close();
      await dropSchema(stores[0], schema);
    }
  });

  test('the PostgreSQL upkeep jobs (partitions, rollups) run on the leader', async () => {
    const schema = randomSchema();
    const store = PostgresStore.open(TEST_PG_URL, { schema, max: 2 });
    await store.migrate();
    const errors: string[] = [];
    const jobs = await startBackgroundJobs(store, [], { retryMs: 100, onError: (j, e) => errors.push(`${j}: ${e}`) });
    try {
      assert.equal(jobs.isLeader, true);
      assert.equal(await jobs.runNow('rollups'), true);
      assert.equal(await jobs.runNow('partitions'), true);
      assert.deepEqual(errors, []);
    } finally {
      await jobs.stop();
      await dropSchema(store, schema);
    }
  });
});
