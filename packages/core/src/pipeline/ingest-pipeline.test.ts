import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { SpanRecord } from '../model/telemetry.js';
import { DuckDbStore } from '../store/duckdb/duckdb-store.js';
import { runUntilKilled } from '../testing/run-until-killed.js';
import { type CommittedBatch, type FlushInfo, IngestPipeline, QueueFullError } from './ingest-pipeline.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-pipeline-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const T0 = Date.UTC(2026, 0, 1) * 1000;
const RANGE = { fromUs: T0 - 1, toUs: T0 + 3_600_000_000 };

function spans(trace: number, count: number, project = 'p'): SpanRecord[] {
  const out: SpanRecord[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      project,
      traceId: trace.toString(16).padStart(32, '0'),
      spanId: i.toString(16).padStart(16, '0'),
      parentSpanId: null,
      serviceName: 's',
      name: `span ${i}`,
      kind: 'llm',
      startUs: T0 + trace * 1000 + i,
      endUs: T0 + trace * 1000 + i + 10,
      status: 'ok',
      statusMessage: null,
      model: 'm',
      provider: null,
      inputTokens: 1,
      outputTokens: 1,
      costUsd: null,
      agentId: null,
      agentName: null,
      agentVersion: null,
      sessionId: null,
      userId: null,
      attributes: { i },
      events: [],
      input: null,
      output: null,
    });
  }
  return out;
}

async function openStore() {
  const path = join(root, `s${n++}`, 'vigil.duckdb');
  return { path, store: await DuckDbStore.open(path) };
}

async function countSpans(store: DuckDbStore, project = 'p'): Promise<number> {
  return (await store.modelStats(project, RANGE)).calls;
}

describe('IngestPipeline', () => {
  test('group commit: concurrent batches share one commit and are all durable when acknowledged', async () => {
    const { path, store } = await openStore();
    const p = new IngestPipeline(store, { maxQueueRows: 10_000, flushRows: 1000, flushMs: 50 });
    const flushes: FlushInfo[] = [];
    const committed: CommittedBatch[] = [];
    p.onFlush((f) => flushes.push(f));
    p.onCommitted((b) => committed.push(b));
    await Promise.all(Array.from({ length: 40 }, (_, t) => p.submit({ spans: spans(t, 10) })));
    const st = p.stats();
    assert.equal(st.committedBatches, 40);
    assert.equal(st.committedRows, 400);
    assert.ok(st.flushes <= 2, `40 small batches should need 1-2 flushes, took ${st.flushes}`);
    assert.equal(
      flushes.reduce((a, f) => a + f.batches, 0),
      40,
    );
    assert.ok(flushes.every((f) => f.ok && f.durationMs >= 0));
    assert.equal(
      committed.reduce((a, b) => a + b.spans.length, 0),
      400,
    );
    assert.equal(committed[0].rows, committed[0].spans.length);
    // Acknowledged means committed: visible to queries immediately, and after reopening.
    assert.equal(await countSpans(store), 400);
    await p.close();
    await store.close();
    const again = await DuckDbStore.open(path);
    assert.equal(await countSpans(again), 400);
    await again.close();
  });

  test('flushRows triggers a flush without waiting for flushMs', async () => {
    const { store } = await openStore();
    const p = new IngestPipeline(store, { maxQueueRows: 10_000, flushRows: 100, flushMs: 60_000 });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 10 }, (_, t) => p.submit({ spans: spans(t, 10) })));
    assert.ok(performance.now() - t0 < 10_000);
    assert.equal(p.stats().flushes, 1);
    await p.close();
    await store.close();
  });

  test('flushMs bounds the wait of a small batch', async () => {
    const { store } = await openStore();
    const p = new IngestPipeline(store, { maxQueueRows: 10_000, flushRows: 1_000_000, flushMs: 40 });
    const t0 = performance.now();
    await p.submit({ spans: spans(1, 3), metrics: [] });
    const waited = performance.now() - t0;
    assert.ok(waited >= 35, `flushed after ${waited} ms, before flushMs`);
    assert.equal(await countSpans(store), 3);
    await p.close();
    await store.close();
  });

  test('a full queue refuses at once with QueueFullError and keeps memory bounded', async () => {
    const { store } = await openStore();
    const p = new IngestPipeline(store, { maxQueueRows: 100, flushRows: 1000, flushMs: 200 });
    const first = p.submit({ spans: spans(1, 60) });
    const t0 = performance.now();
    await assert.rejects(p.submit({ spans: spans(2, 50) }), (e: unknown) => {
      assert.ok(e instanceof QueueFullError);
      assert.equal(e.name, 'QueueFullError');
      assert.ok(e.retryAfterS >= 1);
      return true;
    });
    assert.ok(performance.now() - t0 < 50, 'refusal must not wait for a flush');
    assert.equal(p.stats().rejectedFull, 1);
    assert.equal(p.stats().queuedRows, 60);
    // A batch that fits still gets in.
    const second = p.submit({ spans: spans(3, 40) });
    await Promise.all([first, second]);
    assert.equal(await countSpans(store), 100);
    // A batch larger than the whole queue is admitted into an empty queue.
    await p.submit({ spans: spans(4, 150) });
    assert.equal(await countSpans(store), 250);
    await p.close();
    await store.close();
  });

  test("past the store's load backlog limit batches are refused (429), none lost, and admitted once it loads", async () => {
    const path = join(root, `s${n++}`, 'vigil.duckdb');
    // Loads only when a read asks (long delay, row groups larger than the test writes).
    const store = await DuckDbStore.open(path, { loadDelayMs: 600_000, maxLoadBacklogRows: 250 });
    const p = new IngestPipeline(store, { maxQueueRows: 10_000, flushRows: 1, flushMs: 0 });
    for (let t = 1; t <= 3; t++) await p.submit({ spans: spans(t, 100) });
    assert.deepEqual(store.loadBacklog(), { rows: 300, maxRows: 250 });
    await assert.rejects(p.submit({ spans: spans(9, 10) }), (e: unknown) => {
      assert.ok(e instanceof QueueFullError);
      assert.equal(e.retryAfterS, 1);
      assert.match(e.message, /300 rows behind ingest \(limit 250\)/);
      return true;
    });
    assert.throws(() => p.admit(), QueueFullError);
    assert.equal(p.stats().rejectedBacklog, 2);
    // A read loads the backlog: every acknowledged span is there, and ingest is admitted again.
    assert.equal(await countSpans(store), 300);
    assert.equal(store.loadBacklog().rows, 0);
    await p.submit({ spans: spans(10, 10) });
    assert.equal(await countSpans(store), 310);
    await p.close();
    await store.close();
  });

  test('a failed commit rejects every batch in it and writes none of them', async () => {
    const { store } = await openStore();
    const p = new IngestPipeline(store, { maxQueueRows: 10_000, flushRows: 1000, flushMs: 30 });
    const bad = spans(9, 1)[0];
    // A required column missing: DuckDB refuses the row, so the whole transaction fails.
    const broken = { ...bad, kind: null } as unknown as SpanRecord;
    const results = await Promise.allSettled([
      p.submit({ spans: spans(1, 5) }),
      p.submit({ spans: [broken] }),
      p.submit({ spans: spans(2, 5) }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'rejected'],
    );
    assert.equal(p.stats().failedFlushes, 1);
    assert.equal(p.stats().committedRows, 0);
    assert.equal(await countSpans(store), 0, 'nothing of a failed commit is visible');
    // The pipeline recovers: the next batch commits.
    await p.submit({ spans: spans(3, 5) });
    assert.equal(await countSpans(store), 5);
    await p.close();
    await store.close();
  });

  test('close flushes what is queued and later submits are refused', async () => {
    const { store } = await openStore();
    const p = new IngestPipeline(store, { maxQueueRows: 10_000, flushRows: 1000, flushMs: 60_000 });
    const pending = p.submit({ spans: spans(1, 7) });
    await p.close();
    await pending;
    assert.equal(await countSpans(store), 7);
    await assert.rejects(p.submit({ spans: spans(2, 1) }), { name: 'PipelineClosedError' });
    await store.close();
  });

  test('acknowledged batches survive kill -9', () => {
    const path = join(root, 'kill9', 'vigil.duckdb');
    const child = `
      import { DuckDbStore } from ${JSON.stringify(new URL('../store/duckdb/duckdb-store.ts', import.meta.url).pathname)};
      import { IngestPipeline } from ${JSON.stringify(new URL('./ingest-pipeline.ts', import.meta.url).pathname)};
      const store = await DuckDbStore.open(${JSON.stringify(path)});
      const p = new IngestPipeline(store, { maxQueueRows: 100000, flushRows: 500, flushMs: 20 });
      const mk = (b) => Array.from({ length: 100 }, (_, i) => ({ project: 'p', traceId: String(b).padStart(32, '0'),
        spanId: String(i).padStart(16, '0'), parentSpanId: null, serviceName: 's', name: 'x', kind: 'llm',
        startUs: ${T0} + b * 1000 + i, endUs: ${T0} + b * 1000 + i + 1, status: 'ok', statusMessage: null, model: 'm',
        provider: null, inputTokens: 1, outputTokens: 1, costUsd: null, agentId: null, agentName: null,
        agentVersion: null, sessionId: null, userId: null, attributes: {}, events: [], input: null, output: null }));
      let acked = 0;
      await Promise.all(Array.from({ length: 30 }, (_, b) => p.submit({ spans: mk(b) }).then(() => { acked++; })));
      console.log('acked', acked);
      // Unacknowledged work in flight when the process dies is allowed to be lost; acknowledged is not.
      p.submit({ spans: mk(99) });
      process.kill(process.pid, 'SIGKILL');
    `;
    assert.match(runUntilKilled(child), /acked 30/);
    return (async () => {
      const store = await DuckDbStore.open(path);
      try {
        for (let b = 0; b < 30; b++) assert.equal((await store.getTrace('p', String(b).padStart(32, '0'))).length, 100);
      } finally {
        await store.close();
      }
    })();
  });
});
