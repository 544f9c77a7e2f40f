import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PostgresStore } from './postgres-store.js';
import { dropSchema, randomSchema, TEST_PG_URL } from './test-support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cluster bus (LISTEN/NOTIFY)', () => {
  test('instances on one schema receive each other’s messages, not their own; other schemas nothing', async () => {
    const schema = randomSchema();
    const other = randomSchema();
    const a = PostgresStore.open(TEST_PG_URL, { schema, max: 2 });
    const b = PostgresStore.open(TEST_PG_URL, { schema, max: 2 });
    const c = PostgresStore.open(TEST_PG_URL, { schema: other, max: 2 });
    const busA = await a.clusterBus({ instanceId: 'A' });
    const busB = await b.clusterBus({ instanceId: 'B' });
    const busC = await c.clusterBus({ instanceId: 'C' });
    const got: string[] = [];
    busA.subscribe('spans', (p, from) => got.push(`A<-${from}:${JSON.stringify(p)}`));
    busB.subscribe('spans', (p, from) => got.push(`B<-${from}:${JSON.stringify(p)}`));
    busC.subscribe('spans', (p, from) => got.push(`C<-${from}:${JSON.stringify(p)}`));
    const offB = busB.subscribe('alerts', () => got.push('B alert'));
    try {
      assert.equal(await busA.publish('spans', { count: 3 }), true);
      assert.equal(await busB.publish('spans', { count: 5 }), true);
      offB();
      await busA.publish('alerts', { id: 'x' });
      assert.equal(await busA.publish('spans', { big: 'x'.repeat(9000) }), false, 'oversized payloads are refused');
      for (let i = 0; i < 50 && got.length < 2; i++) await sleep(20);
      await sleep(100);
      assert.deepEqual(got.sort(), ['A<-B:{"count":5}', 'B<-A:{"count":3}']);
    } finally {
      await Promise.all([busA.close(), busB.close(), busC.close()]);
      await b.close();
      await dropSchema(a, schema);
      await dropSchema(c, other);
    }
  });
});

test('openClusterBus: a bus for PostgreSQL stores', async () => {
  const { openClusterBus } = await import('./background.js');
  const schema = randomSchema();
  const store = PostgresStore.open(TEST_PG_URL, { schema, max: 1 });
  try {
    const bus = await openClusterBus(store);
    assert.ok(bus);
    await bus.close();
  } finally {
    await dropSchema(store, schema);
  }
});
