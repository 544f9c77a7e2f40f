import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import postgres from 'postgres';
import type { CliIO } from './io.js';
import { main } from './main.js';

const PG = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function io(): CliIO & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  return {
    stdout,
    stderr,
    env: {},
    cwd: process.cwd(),
    shutdownSignal: () => new Promise(() => {}),
    out: () => out,
    err: () => err,
  };
}

test('vigil migrate --print: postgres and supabase dialects; bad flags are usage errors', async () => {
  const sb = io();
  assert.equal(await main(['migrate', '--print', '--dialect', 'supabase', '--schema', 'obs'], sb), 0, sb.err());
  assert.match(sb.out(), /CREATE SCHEMA IF NOT EXISTS "obs"/);
  assert.match(sb.out(), /ENABLE ROW LEVEL SECURITY/);
  assert.match(sb.out(), /auth\.uid\(\)/);
  assert.match(sb.out(), /TO service_role USING \(true\)/);
  const bad = io();
  assert.equal(await main(['migrate', '--print', '--dialect', 'mysql'], bad), 2);
  const help = io();
  assert.equal(await main(['migrate', '--help'], help), 0);
  assert.match(help.out(), /Usage:/);
});

test('vigil migrate applies to PostgreSQL; the printed script and the command agree', async () => {
  const schema = `vigil_test_cli_${randomBytes(5).toString('hex')}`;
  const sql = postgres(PG, { max: 1, onnotice: () => {} });
  try {
    const printed = io();
    assert.equal(await main(['migrate', '--print', '--schema', schema], printed), 0);
    await sql.unsafe(printed.out()); // what an operator would pipe into psql
    const a = io();
    assert.equal(await main(['migrate', '--store', `${PG}?schema=${schema}`], a), 0, a.err());
    assert.match(a.out(), /postgres store migrated/);
    const versions = await sql.unsafe(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    assert.ok(versions.length >= 2);
    const [{ n }] = await sql.unsafe(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename IN ('projects', 'api_keys', 'alerts')`,
      [schema],
    );
    assert.equal(n, 3);
  } finally {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end();
  }
});
