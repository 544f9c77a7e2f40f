import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { IngestError } from '../../ingest/types.js';
import { QueueFullError } from '../../pipeline/ingest-pipeline.js';
import { openVigilCore } from '../../service/core.js';
import type { IngestWorkers } from './ingest-workers.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-ingest-workers-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const HOUR_MS = 3_600_000;
// Inside the current hour's first minutes or the previous hour: spans of one request share an hour.
const baseMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS / 2;
const MODELS = ['gpt-4o', 'claude-sonnet-4', 'gemini-2.0-flash'];

/** One OTLP/protobuf request of `n` spans (agent, llm and tool spans, some errors), ids from `seed`. */
function body(seed: number, n = 200): Uint8Array {
  const resource = resourceFromAttributes({ 'service.name': `svc-${seed % 3}` });
  const spans: ReadableSpan[] = [];
  const hex = (v: number, len: number) => v.toString(16).padStart(len, '0');
  for (let i = 0; i < n; i++) {
    const traceId = hex(seed * 1000 + Math.floor(i / 10) + 1, 32);
    const spanId = hex(seed * 100_000 + i + 1, 16);
    const kind = i % 10 === 0 ? 'agent' : i % 3 === 0 ? 'tool' : 'llm';
    const attributes: Record<string, string | number> = { 'gen_ai.agent.id': `agent-${i % 4}` };
    if (kind === 'agent') attributes['gen_ai.operation.name'] = 'invoke_agent';
    if (kind === 'tool') attributes['gen_ai.operation.name'] = 'execute_tool';
    if (kind === 'llm') {
      attributes['gen_ai.operation.name'] = 'chat';
      attributes['gen_ai.request.model'] = MODELS[i % 3];
      attributes['gen_ai.system'] = i % 3 === 1 ? 'anthropic' : 'openai';
      attributes['gen_ai.usage.input_tokens'] = 100 + i;
      attributes['gen_ai.usage.output_tokens'] = 10 + (i % 50);
    }
    const startMs = baseMs + seed * 1000 + i;
    const durMs = 5 + ((i * 37) % 900);
    const ctx = { traceId, spanId, traceFlags: 1 };
    spans.push({
      name: `${kind}-${i % 5}`,
      kind: kind === 'llm' ? 2 : 0,
      spanContext: () => ctx,
      parentSpanContext: i % 10 === 0 ? undefined : { traceId, spanId: hex(seed * 100_000 + i, 16), traceFlags: 1 },
      startTime: [Math.floor(startMs / 1000), (startMs % 1000) * 1e6],
      endTime: [Math.floor((startMs + durMs) / 1000), ((startMs + durMs) % 1000) * 1e6],
      duration: [0, durMs * 1e6],
      status: { code: i % 17 === 0 ? 2 : 1, message: i % 17 === 0 ? 'rate limited' : undefined },
      attributes,
      links: [],
      events: [],
      ended: true,
      resource,
      instrumentationScope: { name: 'test', version: '1' },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    } as unknown as ReadableSpan);
  }
  return ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
}

async function core(ingestWorkers: number, pipeline?: { maxQueueRows: number; flushMs: number }) {
  return openVigilCore({ dataDir: join(root, `core-${dirs++}`), duckdb: { ingestWorkers }, pipeline });
}

type Core = Awaited<ReturnType<typeof core>>;
const range = { fromUs: (baseMs - HOUR_MS) * 1000, toUs: (baseMs + 2 * HOUR_MS) * 1000 };
const workersOf = (c: Core) => (c.store as unknown as { workers: IngestWorkers | null }).workers;

/** Numbers to 9 significant digits: sums of costs depend on the order rollup rows merged in. */
const rounded = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v), (_k, x) => (typeof x === 'number' ? Number(x.toPrecision(9)) : x));

/** What the store holds, through queries that read spans, traces and the rollups. */
async function contents(c: Core) {
  const traces = await c.store.listTraces('default', { ...range, limit: 1000 });
  const one = await c.getTrace('default', traces.items[3].traceId);
  return rounded({
    models: await c.store.modelStats('default', range),
    agents: await c.store.agentStats('default', range),
    traces: traces.items.length,
    one,
  }) as { models: { calls: number }; one: { spans: unknown[] } | null };
}

describe('ingest workers (DuckDB trace decoder)', () => {
  test('requests decoded on a worker store exactly what the JS thread stores, rollups included', async () => {
    const [viaWorker, inline] = [await core(1), await core(0)];
    try {
      assert.ok(workersOf(viaWorker), 'the core took the store trace decoder');
      assert.equal(workersOf(inline), null);
      for (const c of [viaWorker, inline]) {
        const results = await Promise.all(
          [1, 2, 3, 4, 5].map((s) => c.ingestOtlp('default', 'traces', body(s), 'protobuf')),
        );
        assert.deepEqual(
          results.map((r) => [r.accepted, r.rejected, r.spans]),
          Array.from({ length: 5 }, () => [200, 0, 200]),
        );
      }
      const a = await contents(viaWorker);
      const b = await contents(inline);
      assert.equal(a.models.calls, 5 * 120);
      assert.deepEqual(a, b);
      assert.equal(a.one?.spans.length, 10);
    } finally {
      await viaWorker.close();
      await inline.close();
    }
  });

  test('a body that is not protobuf fails with the decoder’s 400; nothing is stored', async () => {
    const c = await core(1);
    try {
      await assert.rejects(
        c.ingestOtlp('default', 'traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1]), 'protobuf'),
        (e: unknown) => e instanceof IngestError && e.status === 400,
      );
      const r = await c.ingestOtlp('default', 'traces', body(9), 'protobuf');
      assert.equal(r.accepted, 200);
      assert.equal((await c.store.modelStats('default', range)).calls, 120);
    } finally {
      await c.close();
    }
  });

  test('a request refused by a full queue leaves no rollups behind', async () => {
    const c = await core(1, { maxQueueRows: 100, flushMs: 300 });
    try {
      // The first fills the empty queue (a batch larger than the queue is admitted alone) and
      // waits there for its flush; the others, decoded meanwhile, find it full.
      const results = await Promise.allSettled(
        [1, 2, 3].map((s) => c.ingestOtlp('default', 'traces', body(s), 'protobuf')),
      );
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      const full = results.filter((r) => r.status === 'rejected' && r.reason instanceof QueueFullError).length;
      assert.deepEqual([ok, full], [1, 2]);
      const stats = await c.store.modelStats('default', range);
      assert.equal(stats.calls, ok * 120);
      assert.equal((await c.store.listTraces('default', { ...range, limit: 1000 })).items.length, ok * 20);
    } finally {
      await c.close();
    }
  });

  test('a worker that dies: its requests fail, the rollups it held are rebuilt, a new worker serves the next', async () => {
    const c = await core(1);
    try {
      for (const s of [1, 2, 3]) await c.ingestOtlp('default', 'traces', body(s), 'protobuf');
      const workers = workersOf(c) as IngestWorkers;
      assert.ok(workers.holdsRollups, 'committed spans wait in the worker for a rollup flush');
      // Kill it with requests in flight (some may be answered before it stops).
      const slot = (workers as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0];
      const inFlight = [4, 5, 6, 7, 8, 9].map((s) => c.ingestOtlp('default', 'traces', body(s, 2000), 'protobuf'));
      void slot.worker.terminate();
      const settled = await Promise.allSettled(inFlight);
      const failed = settled.filter((r) => r.status === 'rejected');
      assert.ok(failed.length > 0, 'requests in flight fail');
      for (const f of failed) assert.match(String((f as PromiseRejectedResult).reason), /ingest worker/);
      const done = settled.length - failed.length;
      const r = await c.ingestOtlp('default', 'traces', body(10), 'protobuf');
      assert.equal(r.accepted, 200);
      const stats = await c.store.modelStats('default', range);
      // Requests 1-3, the answered ones and the last: rollups lost with the worker were rebuilt.
      assert.equal(stats.calls, 4 * 120 + done * 1200);
      // Every trace, page by page (a page holds at most 1,000).
      let traces = 0;
      let cursor: string | null = null;
      do {
        const page = await c.store.listTraces('default', { ...range, limit: 1000, cursor });
        traces += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(traces, 4 * 20 + done * 200);
    } finally {
      await c.close();
    }
  });

  test('commit listeners (the live stream) receive the records of worker-decoded requests', async () => {
    const c = await core(1);
    try {
      const seen: string[] = [];
      c.pipeline.onCommitted((b) => {
        for (const s of b.spans) seen.push(s.spanId);
      });
      await c.ingestOtlp('default', 'traces', body(7, 20), 'protobuf');
      assert.equal(seen.length, 20);
      assert.equal(new Set(seen).size, 20);
    } finally {
      await c.close();
    }
  });

  test('rollups held in the worker reach the tables at close, markers cleared', async () => {
    const dir = join(root, `core-${dirs++}`);
    const a = await openVigilCore({ dataDir: dir, duckdb: { ingestWorkers: 1, rollupFlushMs: 0 } });
    await a.ingestOtlp('default', 'traces', body(3), 'protobuf');
    assert.ok(workersOf(a)?.holdsRollups);
    await a.close();
    // Straight from the file: a reopened store would rebuild marked hours and hide a missed flush.
    const db = await DuckDBInstance.create(join(dir, 'vigil.duckdb'));
    const conn = await db.connect();
    try {
      const read = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0][0]);
      assert.equal(await read('SELECT count(*) FROM rollup_dirty'), 0);
      assert.equal(await read("SELECT sum(spans) FROM span_rollups WHERE kind = 'llm'"), 120);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
