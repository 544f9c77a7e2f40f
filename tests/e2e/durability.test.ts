/**
 * kill -9 durability: every span whose request was acknowledged survives SIGKILL of the server
 * process and is there after a restart on the same data dir. Also: VIGIL_API_KEY is ensured
 * idempotently across restarts, and a tiny queue answers 429 with Retry-After.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auth, getJson, startVigil, tempDir, type VigilProcess } from './helpers.js';
import { makeOtelSpans, toProtobuf } from './otlp-fixtures.js';

const KEY = `vgl_${'k'.repeat(43)}`;

async function allTraceIds(vigil: VigilProcess, service: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({
      service,
      limit: '1000',
      from: String(Date.now() - 3600_000),
      to: String(Date.now() + 60_000),
    });
    if (cursor) q.set('cursor', cursor);
    const r = await getJson(`${vigil.url}/api/v1/traces?${q}`, KEY);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const t of r.body.items) ids.add(t.traceId);
    cursor = r.body.nextCursor;
  } while (cursor);
  return ids;
}

describe('durability and restarts', () => {
  test('acknowledged spans survive SIGKILL; VIGIL_API_KEY is ensured once', async () => {
    const dir = tempDir();
    try {
      const env = { VIGIL_API_KEY: KEY };
      let vigil = await startVigil({ dataDir: dir.path, env });
      assert.equal(vigil.printedKey, null, 'with VIGIL_API_KEY no other key is generated');
      assert.match(vigil.stdout(), /VIGIL_API_KEY registered/);

      // 30 requests of 40 spans each (one trace per span), 6 in flight at a time.
      const batches = await Promise.all(Array.from({ length: 30 }, () => makeOtelSpans(40, { service: 'durable' })));
      const acked = new Set<string>();
      let next = 0;
      const worker = async () => {
        while (next < batches.length) {
          const spans = batches[next++];
          const res = await fetch(`${vigil.url}/v1/traces`, {
            method: 'POST',
            body: toProtobuf(spans),
            headers: auth(KEY, { 'content-type': 'application/x-protobuf' }),
          });
          await res.arrayBuffer();
          if (res.status === 200) for (const s of spans) acked.add(s.spanContext().traceId);
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      assert.equal(acked.size, 1200);

      // More traffic still in flight at the moment of the kill: not acknowledged, may or may not survive.
      const inflight = makeOtelSpans(200, { service: 'durable' }).then((spans) =>
        fetch(`${vigil.url}/v1/traces`, {
          method: 'POST',
          body: toProtobuf(spans),
          headers: auth(KEY, { 'content-type': 'application/x-protobuf' }),
        }).catch(() => null),
      );
      await vigil.kill9();
      await inflight;

      vigil = await startVigil({ dataDir: dir.path, env });
      assert.equal(vigil.printedKey, null);
      assert.doesNotMatch(vigil.stdout(), /VIGIL_API_KEY registered/, 'the key already existed');
      const stored = await allTraceIds(vigil, 'durable');
      const missing = [...acked].filter((id) => !stored.has(id));
      assert.deepEqual(missing, [], `${missing.length} acknowledged traces lost`);

      const keys = await getJson(`${vigil.url}/api/v1/keys`, KEY);
      assert.equal(keys.status, 200);
      assert.equal(keys.body.items.filter((k: { name: string }) => k.name === 'VIGIL_API_KEY').length, 1);
      assert.equal(keys.body.items.length, 1, 'no bootstrap key besides VIGIL_API_KEY');
      assert.equal(await vigil.stop(), 0);

      // A third start after a clean stop: still one key, data still there.
      vigil = await startVigil({ dataDir: dir.path, env });
      assert.equal((await getJson(`${vigil.url}/api/v1/keys`, KEY)).body.items.length, 1);
      assert.ok((await allTraceIds(vigil, 'durable')).size >= 1200);
      assert.equal(await vigil.stop(), 0);
    } finally {
      dir.remove();
    }
  });

  test('a full queue answers 429 with Retry-After and a JSON error', async () => {
    const dir = tempDir();
    const vigil = await startVigil({
      dataDir: dir.path,
      env: { VIGIL_API_KEY: KEY },
      args: ['--queue-max-rows', '10', '--flush-rows', '100000', '--flush-ms', '1500'],
    });
    try {
      const post = async (n: number) => {
        const spans = await makeOtelSpans(n, { service: 'q' });
        return fetch(`${vigil.url}/v1/traces`, {
          method: 'POST',
          body: toProtobuf(spans),
          headers: auth(KEY, { 'content-type': 'application/x-protobuf' }),
        });
      };
      const first = post(6); // waits in the queue for the 1.5 s flush
      await new Promise((r) => setTimeout(r, 300));
      const second = await post(6);
      assert.equal(second.status, 429);
      assert.ok(Number(second.headers.get('retry-after')) >= 1);
      const body = (await second.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'queue_full');
      assert.equal((await first).status, 200, 'the queued request is still acknowledged');
      const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
      assert.match(metrics, /vigil_ingest_requests_rejected_total\{reason="queue_full"\} 1/);
    } finally {
      await vigil.stop();
      dir.remove();
    }
  });

  test('past the load backlog limit ingest answers 429 naming it; a read loads the backlog and ingest resumes', async () => {
    const dir = tempDir();
    const vigil = await startVigil({
      dataDir: dir.path,
      env: { VIGIL_API_KEY: KEY },
      // Loads only when a read asks for them.
      args: ['--duckdb-max-load-backlog', '20', '--duckdb-load-delay-ms', '600000'],
    });
    try {
      const post = async (n: number, service: string) =>
        fetch(`${vigil.url}/v1/traces`, {
          method: 'POST',
          body: toProtobuf(await makeOtelSpans(n, { service })),
          headers: auth(KEY, { 'content-type': 'application/x-protobuf' }),
        });
      assert.equal((await post(30, 'backlog')).status, 200);
      const refused = await post(5, 'refused');
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '1');
      const body = (await refused.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'queue_full');
      assert.match(body.error.message, /30 rows behind ingest \(limit 20\); retry after 1s/);
      const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
      assert.match(metrics, /vigil_store_load_backlog_rows 30/);
      assert.match(metrics, /vigil_ingest_requests_rejected_total\{reason="queue_full"\} 1/);
      // The read loads what was acknowledged; the refused request stored nothing.
      const traces = await getJson(`${vigil.url}/api/v1/traces?limit=100`, KEY);
      const services = new Set(traces.body.items.map((t: { serviceName: string }) => t.serviceName));
      assert.deepEqual([...services], ['backlog']);
      assert.match(await (await fetch(`${vigil.url}/metrics`)).text(), /vigil_store_load_backlog_rows 0/);
      assert.equal((await post(5, 'after')).status, 200);
    } finally {
      await vigil.stop();
      dir.remove();
    }
  });
});

describe('vigil demo', () => {
  test('sends the workload to a running server and exits 0', async () => {
    const dir = tempDir();
    const vigil = await startVigil({ dataDir: dir.path, env: { VIGIL_API_KEY: KEY } });
    try {
      const { runCliToEnd } = await import('./helpers.js');
      const r = await runCliToEnd(['demo', '--url', vigil.url, '--api-key', KEY, '--duration', '3']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /demo finished/);
      const traces = await getJson(`${vigil.url}/api/v1/traces?limit=5`, KEY);
      assert.equal(traces.status, 200);
      assert.ok(traces.body.items.length > 0, 'demo traces stored');
      const dash = await getJson(`${vigil.url}/api/v1/dashboard`, KEY);
      assert.ok(dash.body.modelMetrics.calls > 0);
    } finally {
      await vigil.stop();
      dir.remove();
    }
  });
});
