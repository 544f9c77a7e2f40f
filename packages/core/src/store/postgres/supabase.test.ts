/**
 * Supabase's row-level security, tested on the local PostgreSQL with real roles: `anon`,
 * `authenticated` and `service_role` (BYPASSRLS, as on Supabase) and a stub `auth.uid()` that reads
 * the `request.jwt.claim.sub` setting the way Supabase's own does.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { spanFixture } from '../../model/span-fixture.js';
import type { SpanRecord } from '../../model/telemetry.js';
import { connectPg, type Sql } from './connect.js';
import { quoteIdent } from './migrations.js';
import { PostgresStore } from './postgres-store.js';
import { resolveStoreUrl, StoreConfigError, supabaseSql } from './supabase.js';
import { dropSchema, randomSchema, TEST_PG_URL } from './test-support.js';

async function ensureSupabaseShims(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('vigil:test:supabase-shims'))`;
    const roles = new Set((await tx`select rolname from pg_roles`).map((r) => r.rolname as string));
    if (!roles.has('anon')) await tx.unsafe('CREATE ROLE anon NOLOGIN NOINHERIT');
    if (!roles.has('authenticated')) await tx.unsafe('CREATE ROLE authenticated NOLOGIN NOINHERIT');
    if (!roles.has('service_role')) await tx.unsafe('CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS');
    await tx.unsafe('CREATE SCHEMA IF NOT EXISTS auth');
    const [{ n }] = await tx`select count(*)::int as n from pg_proc p join pg_namespace s on s.oid = p.pronamespace
                             where s.nspname = 'auth' and p.proname = 'uid'`;
    if (n === 0) {
      // Same body as Supabase's auth.uid().
      await tx.unsafe(`CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
        SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $$`);
    }
    await tx.unsafe('GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role');
    await tx.unsafe('GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role');
  });
}

function span(project: string, i: number): SpanRecord {
  const t = Date.UTC(2026, 0, 1) * 1000 + i * 1000;
  return spanFixture({
    project,
    traceId: i.toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
    name: 'run',
    kind: 'agent',
    startUs: t,
    endUs: t + 10,
  });
}

describe('Supabase SQL and row-level security', () => {
  const schema = randomSchema('vigil_test_sb');
  const s = quoteIdent(schema);
  const alice = randomUUID();
  const bob = randomUUID();
  let admin: Sql;
  let store: PostgresStore;

  before(async () => {
    admin = connectPg(TEST_PG_URL, { max: 2 });
    await ensureSupabaseShims(admin);
    // The script has its own BEGIN/COMMIT, as pasted into Supabase's SQL editor: one connection.
    const one = connectPg(TEST_PG_URL, { max: 1 });
    try {
      await one.unsafe(supabaseSql({ schema }));
      await one.unsafe(supabaseSql({ schema })); // idempotent
    } finally {
      await one.end();
    }
    store = PostgresStore.open(TEST_PG_URL, { schema, max: 2 });
    await store.migrate(); // finds every migration applied by the script
    await store.createProject({ id: 'p1', name: 'One', createdUs: 1 });
    await store.createProject({ id: 'p2', name: 'Two', createdUs: 2 });
    await store.createApiKey({
      id: 'k1',
      project: 'p1',
      name: 'ci',
      role: 'ingest',
      prefix: 'vgl_x',
      hash: 'a'.repeat(64),
      createdUs: 1,
      lastUsedUs: null,
      revokedUs: null,
    });
    const a = store.appender();
    a.spans([span('p1', 1), span('p1', 2), span('p2', 3)]);
    await a.commit();
    await admin.unsafe(`INSERT INTO ${s}.project_members (user_id, project) VALUES ($1, 'p1')`, [alice]);
  });
  after(async () => {
    await dropSchema(store, schema);
    await admin.end();
  });

  /** Runs queries as a Supabase role with the given JWT subject, as PostgREST does. */
  async function as<T>(role: string, sub: string | null, fn: (tx: Sql) => Promise<T>): Promise<T> {
    return admin.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL ROLE ${role}`);
      if (sub) await tx`select set_config('request.jwt.claim.sub', ${sub}, true)`;
      return fn(tx as unknown as Sql);
    }) as Promise<T>;
  }

  test('migrations applied by the script are recorded, so the store does not re-run them', async () => {
    const rows = await admin.unsafe(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
    assert.ok(rows.length >= 1);
  });

  test('authenticated users read only their projects', async () => {
    const spans = await as('authenticated', alice, (tx) => tx.unsafe(`SELECT DISTINCT project FROM ${s}.spans`));
    assert.deepEqual(
      spans.map((r) => r.project),
      ['p1'],
    );
    const projects = await as('authenticated', alice, (tx) => tx.unsafe(`SELECT id FROM ${s}.projects`));
    assert.deepEqual(
      projects.map((r) => r.id),
      ['p1'],
    );
    const members = await as('authenticated', alice, (tx) => tx.unsafe(`SELECT project FROM ${s}.project_members`));
    assert.equal(members.length, 1);
    const none = await as('authenticated', bob, (tx) => tx.unsafe(`SELECT count(*)::int AS n FROM ${s}.spans`));
    assert.equal(none[0].n, 0);
    const noSub = await as('authenticated', null, (tx) => tx.unsafe(`SELECT count(*)::int AS n FROM ${s}.spans`));
    assert.equal(noSub[0].n, 0);
  });

  test('authenticated users cannot write, read key hashes, or bypass policies through a partition', async () => {
    await assert.rejects(
      as('authenticated', alice, (tx) => tx.unsafe(`SELECT * FROM ${s}.api_keys`)),
      /permission denied/,
    );
    await assert.rejects(
      as('authenticated', alice, (tx) => tx.unsafe(`SELECT * FROM ${s}.notification_channels`)),
      /permission denied/,
    );
    await assert.rejects(
      as('authenticated', alice, (tx) =>
        tx.unsafe(`INSERT INTO ${s}.projects (id, name, created_us) VALUES ('p3', 'x', 0)`),
      ),
      /permission denied/,
    );
    await assert.rejects(
      as('authenticated', alice, (tx) =>
        tx.unsafe(`INSERT INTO ${s}.project_members (user_id, project) VALUES ($1, 'p2')`, [alice]),
      ),
      /permission denied/,
    );
    const [part] = await admin`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
      join pg_class p on p.oid = i.inhparent join pg_namespace n on n.oid = p.relnamespace
      where n.nspname = ${schema} and p.relname = 'spans' limit 1`;
    await assert.rejects(
      as('authenticated', alice, (tx) => tx.unsafe(`SELECT * FROM ${s}.${quoteIdent(part.relname as string)}`)),
      /permission denied/,
    );
  });

  test('anon reads nothing', async () => {
    await assert.rejects(
      as('anon', null, (tx) => tx.unsafe(`SELECT * FROM ${s}.spans`)),
      /permission denied/,
    );
  });

  test('service_role has full access', async () => {
    const rows = await as('service_role', null, (tx) =>
      tx.unsafe(`SELECT project, count(*)::int AS n FROM ${s}.spans GROUP BY project ORDER BY project`),
    );
    assert.deepEqual(
      rows.map((r) => [r.project, r.n]),
      [
        ['p1', 2],
        ['p2', 1],
      ],
    );
    await as('service_role', null, (tx) =>
      tx.unsafe(`INSERT INTO ${s}.project_members (user_id, project) VALUES ($1, 'p2')`, [bob]),
    );
    const keys = await as('service_role', null, (tx) => tx.unsafe(`SELECT id FROM ${s}.api_keys`));
    assert.equal(keys.length, 1);
    // Every table, including those of later migrations (alerting), is reachable by the service role.
    const tables = await admin`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and c.relkind in ('r', 'p') and not c.relispartition`;
    assert.ok(tables.length >= 15);
    for (const t of tables) {
      await as('service_role', null, (tx) =>
        tx.unsafe(`SELECT 1 FROM ${s}.${quoteIdent(t.relname as string)} LIMIT 1`),
      );
      const rls = await admin`select relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relname = ${t.relname as string}`;
      assert.equal(rls[0].relrowsecurity, true, `${t.relname} has RLS`);
    }
    await as('service_role', null, (tx) =>
      tx.unsafe(`INSERT INTO ${s}.logs (project, time_us, severity, severity_text, body, service_name)
                 VALUES ('p1', ${Date.now() * 1000}, 9, 'INFO', 'from service role', 's')`),
    );
    const bobSees = await as('authenticated', bob, (tx) => tx.unsafe(`SELECT DISTINCT project FROM ${s}.spans`));
    assert.deepEqual(
      bobSees.map((r) => r.project),
      ['p2'],
    );
  });
});

describe('resolveStoreUrl', () => {
  test('a Supabase REST URL + anon key is refused with the setting to use instead', () => {
    assert.throws(
      () =>
        resolveStoreUrl(
          { backend: 'supabase', connection: { url: 'https://abcdefgh.supabase.co', apiKey: 'eyJhbGciOi...' } },
          {},
        ),
      (e: unknown) =>
        e instanceof StoreConfigError &&
        /connection\.url/.test(e.message) &&
        /db\.abcdefgh\.supabase\.co:5432/.test(e.message) &&
        /apiKey/.test(e.message),
    );
  });
  test('missing URL, transaction pooler and other schemes are refused; good URLs pass', () => {
    assert.throws(() => resolveStoreUrl({ backend: 'supabase' }, {}), /Session pooler/);
    assert.throws(() => resolveStoreUrl({ backend: 'postgres' }, {}), /connection\.url/);
    assert.throws(
      () =>
        resolveStoreUrl(
          {
            backend: 'supabase',
            connection: { url: 'postgresql://postgres.ref:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres' },
          },
          {},
        ),
      /port 5432/,
    );
    assert.throws(
      () => resolveStoreUrl({ backend: 'postgres', connection: { url: 'mysql://x@y/z' } }, {}),
      /postgres:\/\//,
    );
    assert.equal(
      resolveStoreUrl(
        { backend: 'supabase', connection: { url: 'postgresql://postgres:pw@db.ref.supabase.co:5432/postgres' } },
        {},
      ),
      'postgresql://postgres:pw@db.ref.supabase.co:5432/postgres?sslmode=require',
    );
    assert.equal(resolveStoreUrl({ backend: 'postgres' }, { VIGIL_STORE_URL: 'postgres://u@h/d' }), 'postgres://u@h/d');
  });
});
