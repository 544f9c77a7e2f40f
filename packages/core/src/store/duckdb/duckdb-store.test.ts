import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { spanFixture } from '../../model/span-fixture.js';
import { runUntilKilled } from '../../testing/run-until-killed.js';
import { openStore } from '../open.js';
import { storeContract } from '../store.contract.js';
import { DuckDbStore } from './duckdb-store.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-duckdb-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

storeContract('duckdb', async () => {
  const path = join(root, `contract-${n++}`, 'vigil.duckdb');
  const h = {
    store: (await DuckDbStore.open(path)) as DuckDbStore,
    async cleanup() {
      await h.store.close();
    },
    async reopen() {
      await h.store.close();
      h.store = await DuckDbStore.open(path);
      return h.store;
    },
  };
  return h;
});

describe('DuckDbStore specifics', () => {
  test('acknowledged commits survive kill -9 of the writing process', () => {
    const path = join(root, 'kill9', 'vigil.duckdb');
    // The child commits 3 batches, prints after each acknowledgement, then SIGKILLs itself without
    // closing the store: the bulk loader never ran (its delay is long), so only the ingest log can
    // bring the rows back. Its rollups are never flushed (write-behind), so the reopened store must
    // rebuild them from the replayed spans.
    const child = `
      import { DuckDbStore } from ${JSON.stringify(new URL('./duckdb-store.ts', import.meta.url).pathname)};
      const s = await DuckDbStore.open(${JSON.stringify(path)}, { rollupFlushMs: 0, loadDelayMs: 600_000 });
      for (let b = 0; b < 3; b++) {
        const a = s.appender();
        const spans = [];
        for (let i = 0; i < 2000; i++) spans.push({
          project: 'k', traceId: String(b).padStart(32, '0'), spanId: String(i).padStart(16, '0'), parentSpanId: null,
          serviceName: 's', name: 'n' + i, kind: 'llm', startUs: 1.7e15 + i, endUs: 1.7e15 + i + 5, status: 'ok',
          statusMessage: null, model: 'm', provider: null, inputTokens: i, outputTokens: 1, costUsd: 0.5,
          agentId: null, agentName: null, agentVersion: null, sessionId: null, userId: null,
          attributes: { i }, events: [], input: null, output: null });
        a.spans(spans);
        a.metrics([{ project: 'k', name: 'x', type: 'gauge', unit: '', timeUs: 1.7e15 + b, value: b, histogram: null, labels: {}, serviceName: 's' }]);
        await a.commit();
        console.log('acked', b);
      }
      process.kill(process.pid, 'SIGKILL');
    `;
    assert.match(runUntilKilled(child), /acked 2/);
    return (async () => {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const countSpans = async () => {
        const inst = await DuckDBInstance.create(path);
        const c = await inst.connect();
        const k = (await c.runAndReadAll('SELECT count(*)::INTEGER FROM spans')).getRows()[0][0];
        c.closeSync();
        inst.closeSync();
        return k;
      };
      assert.equal(await countSpans(), 0, 'the rows are in the ingest log only');
      for (let open = 0; open < 2; open++) await checkReopened(open);
      // Replayed exactly once: a second open finds nothing left to load.
      assert.equal(await countSpans(), 6000);
    })();

    async function checkReopened(open: number) {
      const s = await DuckDbStore.open(path);
      try {
        for (let b = 0; b < 3; b++) {
          const spans = await s.getTrace('k', String(b).padStart(32, '0'));
          assert.equal(spans.length, 2000, `batch ${b}`);
          assert.deepEqual(spans[7].attributes, { i: 7 });
        }
        const m = await s.latestMetrics('k', { fromUs: 0, toUs: 2e15 }, 'x');
        assert.equal(m[0].value, 2);
        // Whole hours: answered from the rollups, which must count every acknowledged span.
        const stats = await s.modelStats('k', { fromUs: 0, toUs: 2e15 });
        assert.equal(stats.calls, 6000);
        assert.equal(stats.inputTokens, 3 * ((1999 * 2000) / 2));
        assert.ok(Math.abs(stats.costUsd - 3000) < 1e-6, `open ${open}: ${stats.costUsd}`);
      } finally {
        await s.close();
      }
    }
  });

  test('loads of exactly loadRows spans end inside frames; after kill -9 the rest of a begun frame loads once', () => {
    const path = join(root, 'split', 'vigil.duckdb');
    // Two commits of 700 spans; the first load takes the first frame and 300 spans of the second
    // (its other tables' rows whole), then the child dies: the reopened store must load exactly the
    // second frame's last 400 spans and nothing else of it again.
    const child = `
      import { DuckDbStore } from ${JSON.stringify(new URL('./duckdb-store.ts', import.meta.url).pathname)};
      const s = await DuckDbStore.open(${JSON.stringify(path)}, { rollupFlushMs: 0, loadRows: 1000, loadDelayMs: 600_000 });
      for (let b = 0; b < 2; b++) {
        const a = s.appender();
        const spans = [];
        for (let i = 0; i < 700; i++) spans.push({
          project: 'k', traceId: String(b).padStart(32, 'a'), spanId: String(b * 1000 + i).padStart(16, '0'),
          parentSpanId: i % 7 ? null : 'p' + i, serviceName: 's', name: 'n' + i, kind: i % 2 ? 'agent' : 'llm',
          startUs: 1.7e15 + i, endUs: 1.7e15 + i + 5, status: 'ok', statusMessage: i % 11 ? null : 'm' + i,
          model: 'm', provider: null, inputTokens: i, outputTokens: 1, costUsd: 0.5, agentId: null, agentName: null,
          agentVersion: null, sessionId: null, userId: null, attributes: { i }, events: [], input: null, output: null });
        a.spans(spans);
        a.agentRunEnds(spans.filter((x) => x.kind === 'agent').map((x) => ({ project: 'k', spanId: x.spanId })));
        a.metrics([{ project: 'k', name: 'x', type: 'gauge', unit: '', timeUs: 1.7e15 + b, value: b, histogram: null, labels: {}, serviceName: 's' }]);
        await a.commit();
      }
      while (s.loader.stats().loads < 1) await new Promise((r) => setTimeout(r, 5));
      console.log('loaded', JSON.stringify(s.loader.stats()));
      process.kill(process.pid, 'SIGKILL');
    `;
    assert.match(runUntilKilled(child), /loaded/);
    return (async () => {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const counts = async () => {
        const inst = await DuckDBInstance.create(path);
        const c = await inst.connect();
        const k = (
          await c.runAndReadAll(`SELECT (SELECT count(*) FROM spans)::INTEGER, (SELECT count(DISTINCT span_id) FROM spans)::INTEGER,
            (SELECT count(*) FROM trace_index)::INTEGER, (SELECT count(*) FROM agent_run_ends)::INTEGER,
            (SELECT count(*) FROM metrics)::INTEGER, (SELECT applied_rows FROM ingest_log_state)::INTEGER`)
        ).getRows()[0];
        c.closeSync();
        inst.closeSync();
        return k;
      };
      // What the first load left: 1000 spans, both frames' other rows, 300 spans of frame 2 applied.
      assert.deepEqual(await counts(), [1000, 1000, 2, 700, 2, 300]);
      const s = await DuckDbStore.open(path);
      try {
        for (let b = 0; b < 2; b++) {
          const spans = await s.getTrace('k', String(b).padStart(32, 'a'));
          assert.equal(spans.length, 700, `trace ${b}`);
          // Nullable columns across the split (row 300 is not on a byte of the validity bits).
          for (const x of spans) {
            const i = Number(x.name.slice(1));
            assert.equal(x.parentSpanId, i % 7 ? null : `p${i}`);
            assert.equal(x.statusMessage, i % 11 ? null : `m${i}`);
            assert.deepEqual(x.attributes, { i });
          }
        }
      } finally {
        await s.close();
      }
      assert.deepEqual(await counts(), [1400, 1400, 2, 700, 2, 0]);
    })();
  });

  test('a failed bulk load keeps every acknowledged row: reads report it, the retry loads them once', async () => {
    const path = join(root, 'retry', 'vigil.duckdb');
    const s = await DuckDbStore.open(path, { loadDelayMs: 600_000 });
    const reader = (s as unknown as { readers: import('@duckdb/node-api').DuckDBConnection[] }).readers[0];
    try {
      for (let b = 0; b < 4; b++) {
        const a = s.appender();
        const spans = [];
        for (let i = 0; i < 3000; i++)
          spans.push(
            spanFixture({
              project: 'r',
              traceId: String(b).padStart(32, '7'),
              spanId: String(i).padStart(16, '0'),
              startUs: 1.7e15 + i,
            }),
          );
        a.spans(spans);
        await a.commit();
      }
      // DuckDB cannot allocate the load's rows: the load fails, as it does when memory runs out.
      const used = Number(
        (await reader.runAndReadAll('SELECT sum(memory_usage_bytes)::DOUBLE FROM duckdb_memory()')).getRows()[0][0],
      );
      await reader.run(`SET memory_limit = '${Math.ceil(used / 1024) + 512}KB'`);
      await assert.rejects(s.syncIngest(), /memory|allocate/i);
      // A load purges DuckDB's allocator at each block it allocates, and only while it runs.
      const purgeThreshold = async () =>
        (
          await reader.runAndReadAll(
            "SELECT value FROM duckdb_settings() WHERE name = 'allocator_bulk_deallocation_flush_threshold'",
          )
        ).getRows()[0][0];
      assert.equal(await purgeThreshold(), '512.0 MiB', 'restored after the failed load');
      await reader.run("SET memory_limit = '2GB'");
      // The frames came back from the log; the next read loads them, exactly once.
      for (let b = 0; b < 4; b++) assert.equal((await s.getTrace('r', String(b).padStart(32, '7'))).length, 3000);
      assert.equal(await purgeThreshold(), '512.0 MiB', 'restored after the load');
      const stats = (
        s as unknown as { loader: { stats(): { failedLoads: number; pendingFrames: number } } }
      ).loader.stats();
      assert.ok(stats.failedLoads >= 1, JSON.stringify(stats));
      assert.equal(stats.pendingFrames, 0);
    } finally {
      await s.close();
    }
  });

  test('spanSeries approximate: minute-bucket percentiles from a sketch, close to the exact ones', async () => {
    const path = join(root, 'approx', 'vigil.duckdb');
    const s = await DuckDbStore.open(path);
    try {
      const t0 = Date.UTC(2026, 0, 1, 10) * 1000;
      const a = s.appender();
      const spans = [];
      // Two minutes, 5,000 spans each, durations 1..5000 ms in a shuffled order.
      for (let m = 0; m < 2; m++)
        for (let i = 0; i < 5000; i++) {
          const d = ((i * 7919) % 5000) + 1 + m * 5000;
          const startUs = t0 + m * 60_000_000 + i;
          spans.push(
            spanFixture({
              project: 'q',
              traceId: `${m}`.padStart(32, 'a'),
              spanId: `${m}${i}`.padStart(16, '0'),
              startUs,
              endUs: startUs + d * 1000,
            }),
          );
        }
      a.spans(spans);
      await a.commit();
      const q = { fromUs: t0, toUs: t0 + 120_000_000, stepMs: 60_000, measure: 'p95_ms' as const };
      const [exact] = await s.spanSeries('q', q);
      const [approx] = await s.spanSeries('q', { ...q, approximate: true });
      assert.deepEqual(
        exact.points.map(([, v]) => Math.round(v)),
        [4750, 9750],
      );
      assert.equal(approx.points.length, 2);
      for (let i = 0; i < 2; i++) {
        assert.equal(approx.points[i][0], exact.points[i][0]);
        assert.ok(Math.abs(approx.points[i][1] / exact.points[i][1] - 1) < 0.02, JSON.stringify(approx.points));
      }
    } finally {
      await s.close();
    }
  });

  test('retention removes run ends whose run never started here', async () => {
    const path = join(root, 'ends', 'vigil.duckdb');
    const s = await DuckDbStore.open(path);
    const a = s.appender();
    a.agentRunEnds([{ project: 'p1', spanId: 'ffffffffffffff01' }]);
    await a.commit();
    const hour = 3_600_000_000;
    await s.deleteBefore(Date.now() * 1000 - hour);
    await s.close();
    const count = async () => {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const inst = await DuckDBInstance.create(path);
      const c = await inst.connect();
      const n = (await c.runAndReadAll('SELECT count(*)::INTEGER FROM agent_run_ends')).getRows()[0][0];
      c.closeSync();
      inst.closeSync();
      return n;
    };
    assert.equal(await count(), 1, 'a recent end stays');
    const s2 = await DuckDbStore.open(path);
    await s2.deleteBefore(Date.now() * 1000 + hour);
    await s2.close();
    assert.equal(await count(), 0);
  });

  test('cacheMemoryBytes: the memory limit is the cache budget plus headroom over unevictable memory', async () => {
    const path = join(root, 'budget', 'vigil.duckdb');
    const MB = 1024 * 1024;
    const s = await DuckDbStore.open(path, { cacheMemoryBytes: 32 * MB });
    try {
      const limitMb = async () => {
        const c = (s as unknown as { readers: import('@duckdb/node-api').DuckDBConnection[] }).readers[0];
        const r = await c.runAndReadAll(
          `SELECT (SELECT value FROM duckdb_settings() WHERE name = 'memory_limit') AS lim,
             (SELECT coalesce(sum(memory_usage_bytes) FILTER (WHERE tag <> 'BASE_TABLE'), 0)::DOUBLE FROM duckdb_memory()) AS pinned`,
        );
        const [lim, pinned] = r.getRows()[0] as [string, number];
        return { lim, pinned: pinned / MB };
      };
      const { lim, pinned } = await limitMb();
      // 32 MB of cache + max(32 MB, pinned), as DuckDB prints it.
      const want = 32 + Math.max(32, pinned);
      const got = Number.parseFloat(lim) * (/GiB/.test(lim) ? 1024 : 1);
      assert.ok(Math.abs(got - want) <= 17, `limit ${lim} vs expected ~${want.toFixed(0)} MiB`);
    } finally {
      await s.close();
    }
  });

  test('migrations are recorded once per version', async () => {
    const path = join(root, 'migr', 'vigil.duckdb');
    const s1 = await DuckDbStore.open(path);
    await s1.close();
    const s2 = await DuckDbStore.open(path);
    await s2.migrate();
    await s2.close();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const inst = await DuckDBInstance.create(path);
    const c = await inst.connect();
    const rows = (await c.runAndReadAll('SELECT version FROM schema_migrations ORDER BY version')).getRowsJS();
    c.closeSync();
    inst.closeSync();
    assert.deepEqual(
      rows.map((r) => r[0]),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });

  test('openStore: default file in dataDir, duckdb: URLs, unknown schemes refused', async () => {
    const dir = join(root, 'open', 'data');
    const s = await openStore({ dataDir: dir });
    assert.equal(s.backend, 'duckdb');
    assert.equal((s as DuckDbStore).path, join(dir, 'vigil.duckdb'));
    await s.close();
    const s2 = await openStore({ url: 'duckdb:other.duckdb', dataDir: dir });
    assert.equal((s2 as DuckDbStore).path, join(dir, 'other.duckdb'));
    await s2.close();
    await assert.rejects(openStore({ url: 'mysql://x', dataDir: dir }), /unsupported store URL/);
  });
});
