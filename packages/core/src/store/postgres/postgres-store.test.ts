/**
 * The shared Store contract suite against the real local PostgreSQL. Each handle gets a fresh
 * schema (vigil_test_<random>) that cleanup drops, so concurrent runs never collide.
 */
import { storeContract } from '../store.contract.js';
import { PostgresStore } from './postgres-store.js';
import { dropSchema, randomSchema, TEST_PG_URL } from './test-support.js';

storeContract('postgres', async () => {
  const schema = randomSchema();
  let store = PostgresStore.open(TEST_PG_URL, { schema, max: 4 });
  await store.migrate();
  const handle = {
    store: store as PostgresStore,
    async cleanup() {
      await dropSchema(handle.store as PostgresStore, schema);
    },
    async reopen() {
      await store.close();
      store = PostgresStore.open(TEST_PG_URL, { schema, max: 4 });
      await store.migrate();
      handle.store = store;
      return store;
    },
  };
  return handle;
});
