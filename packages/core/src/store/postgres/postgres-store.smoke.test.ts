import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spanFixture } from '../../model/span-fixture.js';
import type { SpanRecord } from '../../model/telemetry.js';
import { PostgresStore } from './postgres-store.js';
import { dropSchema, openTestStore, randomSchema, TEST_PG_URL } from './test-support.js';

const HOUR = 3_600_000_000;

function span(over: Partial<SpanRecord>): SpanRecord {
  return spanFixture({
    project: 'p1',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    name: 'agent run',
    kind: 'agent',
    startUs: 1_700_000_000_000_000,
    endUs: 1_700_000_001_000_000,
    agentId: 'a1',
    agentName: 'Agent One',
    attributes: { k: 'tab\there', nested: { nul: 'x\u0000y' } },
    input: 'back\\slash\nnewline',
    ...over,
  });
}

describe('PostgresStore (direct)', () => {
  let store: PostgresStore;
  let drop: () => Promise<void>;
  before(async () => {
    ({ store, drop } = await openTestStore());
  });
  after(async () => drop());

  test('round-trips spans through COPY, including escapes, NUL and a day with no partition yet', async () => {
    const a = store.appender();
    const old = 1_500_000_000_000_000; // 2017: no partition exists for that day
    a.spans([
      span({}),
      span({
        spanId: '1111111111111111',
        parentSpanId: 'b7ad6b7169203331',
        kind: 'llm',
        model: 'gpt-4o',
        startUs: 1_700_000_000_100_000,
        endUs: 1_700_000_000_600_000,
        costUsd: 0.01,
        inputTokens: 10,
        outputTokens: 5,
      }),
      span({ traceId: 'ffffffffffffffffffffffffffffffff', startUs: old, endUs: old + 5 }),
    ]);
    await a.commit();
    const trace = await store.getTrace('p1', '0af7651916cd43dd8448eb211c80319c');
    assert.equal(trace.length, 2);
    assert.equal(trace[0].input, 'back\\slash\nnewline');
    assert.deepEqual(trace[0].attributes, { k: 'tab\there', nested: { nul: 'xy' } });
    assert.equal(trace[1].model, 'gpt-4o');
    assert.equal(trace[1].inputTokens, 10);
    assert.equal(trace[1].startUs, 1_700_000_000_100_000);
    assert.equal((await store.getTrace('p1', 'ffffffffffffffffffffffffffffffff')).length, 1);
    assert.equal((await store.getTrace('other', '0af7651916cd43dd8448eb211c80319c')).length, 0);

    const page = await store.listTraces('p1', {
      fromUs: 1_700_000_000_000_000 - HOUR,
      toUs: 1_700_000_000_000_000 + HOUR,
      limit: 10,
    });
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0].spanCount, 2);
    assert.deepEqual(page.items[0].models, ['gpt-4o']);
    assert.equal(page.items[0].costUsd, 0.01);

    const ms = await store.modelStats('p1', {
      fromUs: 1_700_000_000_000_000 - HOUR,
      toUs: 1_700_000_000_000_000 + HOUR,
    });
    assert.equal(ms.calls, 1);
    assert.equal(ms.p50, 500);
    const as = await store.agentStats('p1', {
      fromUs: 1_700_000_000_000_000 - HOUR,
      toUs: 1_700_000_000_000_000 + HOUR,
    });
    assert.equal(as.totalRuns, 1);
    assert.equal(as.byAgent[0].costUsd, 0.01);
  });

  test('retention drops whole partitions and trims the cutoff day exactly', async () => {
    const res = await store.deleteBefore(1_700_000_000_050_000);
    assert.equal(res.spans, 2); // the 2017 span (dropped partition) + the root (trimmed)
    assert.equal((await store.getTrace('p1', '0af7651916cd43dd8448eb211c80319c')).length, 1);
  });

  test('retention removes run ends whose run never started here', async () => {
    const a = store.appender();
    a.agentRunEnds([{ project: 'p1', spanId: 'ffffffffffffff01' }]);
    await a.commit();
    const count = async () =>
      (
        await store.sql.unsafe(
          `SELECT count(*)::int AS n FROM ${store.t}.agent_run_ends WHERE span_id = 'ffffffffffffff01'`,
        )
      )[0].n;
    assert.equal(await count(), 1);
    await store.deleteBefore(Date.now() * 1000 - HOUR);
    assert.equal(await count(), 1, 'a recent end stays');
    await store.deleteBefore(Date.now() * 1000 + HOUR);
    assert.equal(await count(), 0);
  });

  describe('several instances at once', () => {
    test('concurrent migrate() and concurrent first writes into a new day are safe', async () => {
      const schema = randomSchema();
      const stores = [0, 1, 2, 3].map(() => PostgresStore.open(TEST_PG_URL, { schema, max: 2 }));
      try {
        await Promise.all(stores.map((st) => st.migrate()));
        const rows = await stores[0].sql.unsafe(
          `SELECT version, count(*)::int AS n FROM "${schema}".schema_migrations GROUP BY version`,
        );
        assert.ok(rows.length >= 2);
        assert.ok(rows.every((r) => r.n === 1));
        // Each store has its own partition cache: all four race to create the same new day.
        const day = Date.UTC(2031, 4, 5) * 1000;
        await Promise.all(
          stores.map((st, i) => {
            const a = st.appender();
            a.spans([span({ traceId: `${i}`.padStart(32, '0'), startUs: day + i, endUs: day + i + 10 })]);
            a.logs([
              {
                project: 'p1',
                timeUs: day + i,
                severity: 9,
                severityText: 'INFO',
                body: `l${i}`,
                traceId: null,
                spanId: null,
                serviceName: 's',
                attributes: {},
              },
            ]);
            return a.commit();
          }),
        );
        const [{ n }] = await stores[0].sql.unsafe(`SELECT count(*)::int AS n FROM "${schema}".spans`);
        assert.equal(n, 4);
      } finally {
        for (const st of stores.slice(1)) await st.close();
        await dropSchema(stores[0], schema);
      }
    });
  });
});
