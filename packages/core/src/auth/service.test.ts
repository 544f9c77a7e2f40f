import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { generateApiKey, hashApiKey, keyPrefix, looksLikeApiKey, roleAllows } from './keys.js';
import { AuthService, DEFAULT_PROJECT } from './service.js';

describe('api keys', () => {
  test('generated keys are vgl_ + 32 random bytes base64url, distinct, and hash to sha-256 hex', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.match(a, /^vgl_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a.slice(4), 'base64url').length, 32);
    assert.match(hashApiKey(a), /^[0-9a-f]{64}$/);
    assert.equal(keyPrefix(a), a.slice(0, 12));
    assert.ok(looksLikeApiKey(a));
    assert.ok(looksLikeApiKey('short'));
    assert.ok(!looksLikeApiKey(''));
    assert.ok(!looksLikeApiKey('has space in it'));
  });

  test('roles grant fixed permissions', () => {
    assert.ok(roleAllows('admin', 'admin'));
    assert.ok(roleAllows('member', 'ingest') && roleAllows('member', 'read') && roleAllows('member', 'write'));
    assert.ok(!roleAllows('member', 'admin'));
    assert.ok(roleAllows('viewer', 'read') && !roleAllows('viewer', 'ingest'));
    assert.ok(roleAllows('ingest', 'ingest') && !roleAllows('ingest', 'read'));
  });
});

describe('AuthService on a real DuckDB store', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-auth-'));
    store = await openStore({ dataDir: dir });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('bootstrap creates the default project and one admin key, once', async () => {
    const auth = new AuthService(store);
    const first = await auth.bootstrap();
    assert.equal(first.createdProject, true);
    assert.ok(first.createdKey);
    const rec = await auth.verify(first.createdKey);
    assert.equal(rec?.role, 'admin');
    assert.equal(rec?.project, DEFAULT_PROJECT);
    // Only the hash is stored.
    const stored = await store.listApiKeys(DEFAULT_PROJECT);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].hash, hashApiKey(first.createdKey));
    assert.ok(!JSON.stringify(stored).includes(first.createdKey));

    const second = await auth.bootstrap();
    assert.deepEqual(second, { createdProject: false, createdKey: null, ensuredKeyAdded: false });
    assert.equal((await store.listApiKeys(DEFAULT_PROJECT)).length, 1);
  });

  test('ensureKey (VIGIL_API_KEY) is idempotent across restarts', async () => {
    const key = generateApiKey();
    const a = await new AuthService(store).bootstrap({ ensureKey: key });
    assert.equal(a.ensuredKeyAdded, true);
    const b = await new AuthService(store).bootstrap({ ensureKey: key });
    assert.equal(b.ensuredKeyAdded, false);
    const matching = (await store.listApiKeys(DEFAULT_PROJECT)).filter((k) => k.hash === hashApiKey(key));
    assert.equal(matching.length, 1);
    assert.equal(matching[0].role, 'admin');
    assert.equal((await new AuthService(store).verify(key))?.role, 'admin');
  });

  test('verify: unknown and malformed keys fail; revocation through the service is immediate', async () => {
    const auth = new AuthService(store, { cacheTtlMs: 60_000 });
    assert.equal(await auth.verify(undefined), null);
    assert.equal(await auth.verify('nope'), null);
    assert.equal(await auth.verify(generateApiKey()), null);
    const { record, key } = await auth.create(DEFAULT_PROJECT, 'ci', 'ingest');
    assert.equal((await auth.verify(key))?.id, record.id);
    assert.equal(await auth.revoke(DEFAULT_PROJECT, record.id), true);
    assert.equal(await auth.verify(key), null);
    // A revoked key stays revoked for a fresh service (another instance, or after restart).
    assert.equal(await new AuthService(store).verify(key), null);
  });

  test('create validates role and name', async () => {
    const auth = new AuthService(store);
    await assert.rejects(auth.create(DEFAULT_PROJECT, 'x', 'root' as never), {
      name: 'KeyError',
      code: 'invalid_role',
    });
    await assert.rejects(auth.create(DEFAULT_PROJECT, '  ', 'viewer'), { name: 'KeyError', code: 'invalid_name' });
  });
});

describe('AuthService bootstrap racing on one PostgreSQL database', () => {
  const PG = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `vigil_test_auth_${Math.random().toString(16).slice(2, 10)}`;

  test('an instance that lost the race to create the project and key still starts', async () => {
    const url = `${PG}?schema=${schema}`;
    const winner = await openStore({ url, dataDir: '' });
    await winner.migrate();
    const loser = await openStore({ url, dataDir: '' });
    try {
      const key = 'vgl_race_test_key_0123456789';
      assert.equal((await new AuthService(winner).bootstrap({ ensureKey: key })).createdProject, true);
      // The loser read "nothing there" just before the winner's inserts landed: its first look-ups
      // answer as they did then; its inserts hit the real unique keys.
      const stale = new Set(['getProject', 'findApiKeyByHash']);
      const racing = new Proxy(loser, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (typeof prop === 'string' && stale.delete(prop)) return async () => null;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const r = await new AuthService(racing).bootstrap({ ensureKey: key });
      assert.deepEqual(r, { createdProject: false, createdKey: null, ensuredKeyAdded: false });
      assert.equal((await winner.listApiKeys(DEFAULT_PROJECT)).length, 1);
    } finally {
      await winner.close();
      await loser.close();
      const { default: postgres } = await import('postgres');
      const sql = postgres(PG, { max: 1, onnotice: () => {} });
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.end();
    }
  });
});
