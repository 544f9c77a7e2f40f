/**
 * Several `vigil serve` processes sharing one PostgreSQL: ingest into one, read from the other,
 * same projects and keys; background jobs run on exactly one instance (the holder of the leader
 * advisory lock) and move to a survivor within 30 s when that process is SIGKILLed.
 * Runs against the local PostgreSQL in a fresh schema, dropped afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { leaderLockKeys } from '../../packages/core/src/store/postgres/leader.js';
import { auth, getJson, randomHex, startVigil, tempDir, type VigilProcess } from './helpers.js';
import { nowNs, otlpJsonSpans } from './otlp-fixtures.js';

const PG = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

describe('several vigil serve instances on one PostgreSQL', () => {
  const schema = `vigil_test_mi_${randomBytes(5).toString('hex')}`;
  const storeUrl = `${PG}?schema=${schema}`;
  const sql = postgres(PG, { max: 1, onnotice: () => {} });
  const dirs = [tempDir(), tempDir(), tempDir()];
  const servers: VigilProcess[] = [];
  let key = '';

  /** pid of the process holding the background-jobs leader lock, from pg_locks ⋈ pg_stat_activity. */
  async function leaderPids(): Promise<number[]> {
    const [k1, k2] = leaderLockKeys(`${schema}:background`);
    const rows = await sql`
      select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.classid = ${k1}::int4::oid and l.objid = ${k2}::int4::oid`;
    return rows.map((r) => Number(String(r.application_name).split(':')[1]));
  }

  before(async () => {
    // The first instance migrates and bootstraps; the others start together afterwards.
    servers.push(await startVigil({ dataDir: dirs[0].path, args: ['--store', storeUrl] }));
    assert.ok(servers[0].printedKey, servers[0].stdout());
    key = servers[0].printedKey as string;
    servers.push(
      ...(await Promise.all([1, 2].map((i) => startVigil({ dataDir: dirs[i].path, args: ['--store', storeUrl] })))),
    );
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.kill9()));
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end();
    for (const d of dirs) d.remove();
  });

  test('ingest into one instance, read it from another; projects and keys are shared', async () => {
    const [a, b, c] = servers;
    assert.equal(b.printedKey, null, 'later instances find the bootstrapped project');
    const traceId = randomHex(32);
    const res = await fetch(`${a.url}/v1/traces`, {
      method: 'POST',
      headers: auth(key, { 'content-type': 'application/json' }),
      body: otlpJsonSpans([
        { traceId, spanId: randomHex(16), name: 'multi-instance root', startNs: nowNs(-50), endNs: nowNs() },
      ]),
    });
    const resBody = await res.text();
    assert.equal(res.status, 200, resBody);
    // Acked = committed to PostgreSQL, so the other instances see it at once.
    for (const s of [b, c]) {
      const t = await getJson(`${s.url}/api/v1/traces/${traceId}`, key);
      assert.equal(t.status, 200, JSON.stringify(t.body));
      assert.equal(t.body.spans[0].name, 'multi-instance root');
    }
    // A key created through one instance works on another.
    const created = await fetch(`${b.url}/api/v1/keys`, {
      method: 'POST',
      headers: auth(key, { 'content-type': 'application/json' }),
      body: JSON.stringify({ name: 'from-b', role: 'viewer' }),
    });
    const createdBody = await created.text();
    assert.equal(created.status, 201, createdBody);
    const newKey = JSON.parse(createdBody).key as string;
    const list = await getJson(`${c.url}/api/v1/traces?limit=5`, newKey);
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((t: { traceId: string }) => t.traceId === traceId));
  });

  test('background jobs lead on exactly one instance; SIGKILL of the leader hands over within 30 s', async () => {
    const pids = servers.map((s) => s.proc.pid as number);
    const [first] = await waitFor(
      'a leader',
      async () => ((await leaderPids()).length === 1 ? leaderPids() : null),
      15_000,
    );
    assert.ok(pids.includes(first), `leader ${first} is one of ${pids}`);
    assert.equal((await leaderPids()).length, 1, 'exactly one holder');

    const leader = servers[pids.indexOf(first)];
    const t0 = Date.now();
    await leader.kill9();
    const [next] = await waitFor(
      'a new leader',
      async () => {
        const p = await leaderPids();
        return p.length === 1 && p[0] !== first ? p : null;
      },
      30_000,
    );
    const took = Date.now() - t0;
    assert.ok(pids.includes(next) && next !== first);
    assert.ok(took < 30_000, `takeover took ${took} ms`);

    // The survivors keep serving reads and writes.
    const survivor = servers[pids.indexOf(next)];
    const traceId = randomHex(32);
    const res = await fetch(`${survivor.url}/v1/traces`, {
      method: 'POST',
      headers: auth(key, { 'content-type': 'application/json' }),
      body: otlpJsonSpans([
        { traceId, spanId: randomHex(16), name: 'after failover', startNs: nowNs(-5), endNs: nowNs() },
      ]),
    });
    assert.equal(res.status, 200);
    const other = servers.find((s, i) => i !== pids.indexOf(first) && s !== survivor) as VigilProcess;
    assert.equal((await getJson(`${other.url}/api/v1/traces/${traceId}`, key)).status, 200);
  });
});
