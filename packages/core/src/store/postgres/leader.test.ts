import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectPg } from './connect.js';
import { createLeaderElector, type LeaderElector, leaderLockKeys } from './leader.js';
import { TEST_PG_URL } from './test-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
  return Date.now() - t0;
}

describe('createLeaderElector', () => {
  test('exactly one of several electors leads; stopping it hands over', async () => {
    const name = `test-${randomBytes(4).toString('hex')}`;
    const changes: string[] = [];
    const es: LeaderElector[] = ['a', 'b', 'c'].map((id) =>
      createLeaderElector(TEST_PG_URL, name, { retryMs: 100, onChange: (l) => changes.push(`${id}:${l}`) }),
    );
    try {
      await Promise.all(es.map((e) => e.start()));
      await sleep(300);
      assert.equal(es.filter((e) => e.isLeader).length, 1);
      const first = es.find((e) => e.isLeader)!;
      let ran = 0;
      const job = async () => ++ran;
      for (const e of es) await e.leaderOnly(job)();
      assert.equal(ran, 1, 'leaderOnly runs the job on the leader only');
      await first.stop();
      await waitFor(() => es.some((e) => e !== first && e.isLeader), 10_000);
      await sleep(300);
      assert.equal(es.filter((e) => e.isLeader).length, 1);
    } finally {
      await Promise.all(es.map((e) => e.stop()));
    }
    assert.ok(changes.length >= 3, changes.join(','));
  });

  test('a leader whose session is terminated notices, and leadership settles on exactly one elector', async () => {
    const name = `test-${randomBytes(4).toString('hex')}`;
    const aChanges: boolean[] = [];
    const a = createLeaderElector(TEST_PG_URL, name, { retryMs: 100, onChange: (l) => aChanges.push(l) });
    const b = createLeaderElector(TEST_PG_URL, name, { retryMs: 100 });
    const admin = connectPg(TEST_PG_URL, { max: 1 });
    const [k1, k2] = leaderLockKeys(name);
    const holders = async () =>
      (
        await admin`select pid from pg_locks
                    where locktype = 'advisory' and classid = ${k1}::int4::oid and objid = ${k2}::int4::oid and granted`
      ).map((r) => r.pid as number);
    try {
      await a.start();
      assert.equal(a.isLeader, true);
      await b.start();
      assert.equal(b.isLeader, false);
      const [before] = await holders();
      await admin`select pg_terminate_backend(${before})`;
      // a sees its session end; then whichever elector locks first leads (a may win on reconnect).
      await waitFor(() => aChanges.includes(false), 10_000);
      await waitFor(() => a.isLeader !== b.isLeader, 10_000);
      await sleep(300);
      assert.notEqual(a.isLeader, b.isLeader, 'exactly one leader');
      const after = await holders();
      assert.equal(after.length, 1);
      assert.notEqual(after[0], before, 'the lock is held by a new session');
    } finally {
      await a.stop();
      await b.stop();
      await admin.end();
    }
  });

  test('SIGKILL of the leading process: a peer takes over within seconds', async () => {
    const name = `test-${randomBytes(4).toString('hex')}`;
    const leaderModule = fileURLToPath(new URL('./leader.ts', import.meta.url));
    const script = `
      const { createLeaderElector } = await import(${JSON.stringify(leaderModule)});
      const e = createLeaderElector(${JSON.stringify(TEST_PG_URL)}, ${JSON.stringify(name)}, { retryMs: 100 });
      await e.start();
      console.log(e.isLeader ? 'LEADER' : 'FOLLOWER');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const b = createLeaderElector(TEST_PG_URL, name, { retryMs: 250 });
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      assert.equal(line.toString().trim(), 'LEADER');
      await b.start();
      assert.equal(b.isLeader, false);
      child.kill('SIGKILL');
      const took = await waitFor(() => b.isLeader, 10_000);
      assert.ok(took < 10_000, `takeover after ${took} ms`);
    } finally {
      child.kill('SIGKILL');
      await b.stop();
    }
  });
});
