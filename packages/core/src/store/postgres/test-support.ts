/**
 * Test support: every test gets its own fresh schema (`vigil_test_<random>`) in the real local
 * PostgreSQL, dropped afterwards, so concurrent runs never collide.
 */
import { randomBytes } from 'node:crypto';
import { connectPg } from './connect.js';
import { quoteIdent } from './migrations.js';
import { PostgresStore } from './postgres-store.js';

export const TEST_PG_URL = process.env.VIGIL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function randomSchema(prefix = 'vigil_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Opens a migrated store in a fresh schema; `drop()` closes it and removes the schema. */
export async function openTestStore(): Promise<{
  store: PostgresStore;
  schema: string;
  url: string;
  drop: () => Promise<void>;
}> {
  const schema = randomSchema();
  const store = PostgresStore.open(TEST_PG_URL, { schema, max: 4 });
  await store.migrate();
  const url = `${TEST_PG_URL}?schema=${schema}`;
  return { store, schema, url, drop: () => dropSchema(store, schema) };
}

export async function dropSchema(store: PostgresStore | null, schema: string): Promise<void> {
  await store?.close();
  const sql = connectPg(TEST_PG_URL, { max: 1 });
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
