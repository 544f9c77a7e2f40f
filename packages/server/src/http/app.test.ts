import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isApiPath } from './static.js';
import { startTestServer, type TestServer } from './test-server.js';

const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');

function sdkBatch() {
  const now = Date.now();
  const traceId = hex(32);
  const runId = hex(16);
  return {
    traceId,
    runId,
    body: {
      serviceName: 'api-test',
      events: [
        { type: 'agent_start', time: now - 3000, agentId: 'planner', agentName: 'Planner', runId, traceId },
        {
          type: 'inference',
          time: now - 2000,
          model: 'gpt-4o',
          provider: 'openai',
          durationMs: 800,
          inputTokens: 1200,
          outputTokens: 300,
          success: true,
          agentId: 'planner',
          traceId,
          spanId: hex(16),
          parentSpanId: runId,
        },
        { type: 'agent_complete', time: now - 1000, agentId: 'planner', runId, traceId, startTime: now - 3000 },
        { type: 'system', time: now - 500, cpuUsage: 42.5, memoryUsage: 61 },
        { type: 'log', time: now - 400, severity: 'error', body: 'boom', traceId },
        { type: 'no_such_event' },
      ],
    },
  };
}

describe('HTTP API on a real server', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.dispose();
  });

  test('SDK batch → dashboard, trace, logs; rates are fractions, no NaN', async () => {
    const { body, traceId } = sdkBatch();
    const r = await s.api('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(r.status, 200);
    const ingest = (await r.json()) as { accepted: number; rejected: number; errors: { index: number }[] };
    assert.equal(ingest.rejected, 1);
    assert.equal(ingest.errors[0].index, 5);
    assert.ok(ingest.accepted >= 5);

    const dash = await (await s.api('/api/v1/dashboard')).json();
    assert.equal(dash.agentMetrics.totalRuns, 1);
    assert.equal(dash.agentMetrics.completedRuns, 1);
    assert.equal(dash.agentMetrics.completionRate, 1);
    assert.equal(dash.agentMetrics.errorRate, 0);
    assert.equal(dash.modelMetrics.calls, 1);
    assert.equal(dash.modelMetrics.totalTokens, 1500);
    assert.ok(dash.modelMetrics.totalCost > 0);
    assert.equal(dash.modelMetrics.byModel[0].model, 'gpt-4o');
    assert.equal(dash.systemMetrics.cpuUsage, 42.5);
    assert.equal(dash.systemMetrics.memoryUsage, 61);
    assert.equal(dash.systemMetrics.gpuUsage, null);
    assert.ok(Array.isArray(dash.recentAnomalies) && Array.isArray(dash.activeAlerts));
    assert.ok(!JSON.stringify(dash).includes('NaN'));

    const trace = await (await s.api(`/api/v1/traces/${traceId}`)).json();
    assert.deepEqual(
      trace.spans.map((x: { kind: string }) => x.kind),
      ['agent', 'llm'],
    );
    const logs = await (await s.api(`/api/v1/logs?traceId=${traceId}&minSeverity=warn`)).json();
    assert.equal(logs.items.length, 1);
    assert.equal(logs.items[0].body, 'boom');

    const series = await (await s.api('/api/v1/spans/series?measure=count&groupBy=kind&step=1h')).json();
    assert.ok(series.series.length >= 2);
    const empty = await (await s.api('/api/v1/dashboard?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).json();
    assert.equal(empty.agentMetrics.completionRate, null);
    assert.equal(empty.modelMetrics.averageLatency, null);
  });

  test('live stream: a spans event after a commit, scoped to the project', async () => {
    const ac = new AbortController();
    const res = await s.api('/api/v1/stream', { signal: ac.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const { body, traceId } = sdkBatch();
    await s.api('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes(traceId) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ac.abort();
    assert.match(text, /event: spans\ndata: \{"count":\d+,"traces":\[/);
    assert.ok(text.includes(traceId));
  });

  test('keys: create (shown once), list without secrets, revoke → 401; roles enforced', async () => {
    const created = await s.api('/api/v1/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'collector', role: 'member' }),
    });
    assert.equal(created.status, 201);
    const k = (await created.json()) as { id: string; key: string; prefix: string; role: string };
    assert.match(k.key, /^vgl_/);
    assert.equal(k.role, 'member');
    const list = await (await s.api('/api/v1/keys')).json();
    const text = JSON.stringify(list);
    assert.ok(!text.includes(k.key) && !text.includes('hash'));
    assert.ok(list.items.some((x: { id: string }) => x.id === k.id));
    // member: read and ingest yes, keys no
    assert.equal((await s.api('/api/v1/traces', { key: k.key })).status, 200);
    assert.equal((await s.api('/api/v1/keys', { key: k.key })).status, 403);
    assert.equal((await s.api(`/api/v1/keys/${k.id}`, { method: 'DELETE' })).status, 204);
    const after = await s.api('/api/v1/traces', { key: k.key });
    assert.equal(after.status, 401);
    assert.equal(((await after.json()) as { error: { code: string } }).error.code, 'unauthorized');
    assert.equal((await s.api('/api/v1/keys/nope', { method: 'DELETE' })).status, 404);
    const bad = await s.api('/api/v1/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', role: 'root' }),
    });
    assert.equal(bad.status, 400);
  });

  test('alerts: list by state and acknowledge', async () => {
    const nowUs = Date.now() * 1000;
    await s.server.core.store.upsertAlert({
      id: 'alert-1',
      project: 'default',
      ruleId: null,
      name: 'p95 latency',
      severity: 'warning',
      state: 'firing',
      message: 'p95 over 2 s',
      labels: { model: 'gpt-4o' },
      value: 2400,
      startedUs: nowUs,
      updatedUs: nowUs,
      resolvedUs: null,
      acknowledgedBy: null,
    });
    const firing = await (await s.api('/api/v1/alerts?state=firing')).json();
    assert.equal(firing.items.length, 1);
    const ack = await s.api('/api/v1/alerts/alert-1/ack', { method: 'POST' });
    assert.equal(ack.status, 200);
    const a = (await ack.json()) as { state: string; acknowledgedBy: string };
    assert.equal(a.state, 'acknowledged');
    assert.equal(a.acknowledgedBy, 'VIGIL_API_KEY');
    assert.equal((await (await s.api('/api/v1/alerts?state=firing')).json()).items.length, 0);
    assert.equal((await s.api('/api/v1/alerts/missing/ack', { method: 'POST' })).status, 404);
    assert.equal((await s.api('/api/v1/alerts?state=bogus')).status, 400);
  });

  test('OpenAPI 3.1 document lists every route', async () => {
    const res = await s.api('/api/v1/openapi.json', { key: null });
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/v1/traces',
      '/v1/metrics',
      '/v1/logs',
      '/api/v1/ingest',
      '/api/v1/traces',
      '/api/v1/traces/{traceId}',
      '/api/v1/dashboard',
      '/api/v1/metrics/query',
      '/api/v1/spans/series',
      '/api/v1/logs',
      '/api/v1/anomalies',
      '/api/v1/alerts',
      '/api/v1/alerts/{id}/ack',
      '/api/v1/keys',
      '/api/v1/keys/{id}',
      '/api/v1/stream',
      '/live',
      '/ready',
      '/metrics',
    ]) {
      assert.ok(doc.paths[path], `missing ${path}`);
    }
    // Every API route the server registered is documented, and nothing documented is missing.
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const registered = new Set(s.server.routes.filter((r) => isApiPath(r.url)).map((r) => `${r.method} ${r.url}`));
    for (const r of registered) assert.ok(documented.has(r), `${r} is not in the OpenAPI document`);
    for (const d of documented) assert.ok(registered.has(d), `${d} is documented but not served`);
  });

  test('health, metrics and JSON 404s', async () => {
    assert.equal((await s.api('/live', { key: null })).status, 200);
    const ready = await s.api('/ready', { key: null });
    assert.deepEqual(await ready.json(), { status: 'ready' });
    const m = await (await s.api('/metrics', { key: null })).text();
    assert.match(m, /vigil_ingest_queue_rows \d+/);
    assert.match(m, /vigil_ingest_flush_duration_seconds_count \d+/);
    const nf = await s.api('/api/v1/unknown');
    assert.equal(nf.status, 404);
    assert.equal(((await nf.json()) as { error: { code: string } }).error.code, 'not_found');
    const method = await s.api('/api/v1/traces', { method: 'PUT' });
    assert.equal(method.status, 404);
  });
});

describe('tenancy', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.dispose();
  });

  test("a key sees only its own project's data", async () => {
    const { generateApiKey, newKeyRecord } = await import('@vigil/core');
    const store = s.server.core.store;
    await store.createProject({ id: 'other', name: 'Other', createdUs: Date.now() * 1000 });
    const otherKey = generateApiKey();
    await store.createApiKey(newKeyRecord(otherKey, { project: 'other', name: 'other admin', role: 'admin' }));
    const { body, traceId } = sdkBatch();
    const r = await s.api('/api/v1/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(r.status, 200);
    assert.equal((await s.api(`/api/v1/traces/${traceId}`)).status, 200);
    assert.equal((await s.api(`/api/v1/traces/${traceId}`, { key: otherKey })).status, 404);
    const list = await (await s.api('/api/v1/traces', { key: otherKey })).json();
    assert.equal(list.items.length, 0);
    const dash = await (await s.api('/api/v1/dashboard', { key: otherKey })).json();
    assert.equal(dash.modelMetrics.calls, 0);
    const keys = await (await s.api('/api/v1/keys', { key: otherKey })).json();
    assert.deepEqual(
      keys.items.map((k: { name: string }) => k.name),
      ['other admin'],
    );
  });
});

describe('dashboard files', () => {
  let s: TestServer;
  let web: string;
  before(async () => {
    web = mkdtempSync(join(tmpdir(), 'vigil-web-'));
    mkdirSync(join(web, 'assets'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>Vigil</title>');
    writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(web, 'assets', 'app.js.gz'), gzipSync('console.log(1)'));
    s = await startTestServer({ webDir: web });
  });
  after(async () => {
    await s.dispose();
    rmSync(web, { recursive: true, force: true });
  });

  test('serves the SPA with index.html fallback; API misses stay JSON', async () => {
    const root = await s.api('/', { key: null });
    assert.equal(root.status, 200);
    assert.match(await root.text(), /<title>Vigil/);
    const asset = await s.api('/assets/app.js', { key: null });
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(root.headers.get('cache-control'), 'no-cache');
    // node:http, not fetch: fetch would decompress, hiding whether the .gz file was served as is.
    const gz = await new Promise<{ encoding: string | undefined; body: Buffer }>((done, fail) => {
      get(`${s.url}/assets/app.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }).on('error', fail);
    });
    assert.equal(gz.encoding, 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), 'console.log(1)');
    const deep = await s.api('/traces/abc?x=1', { key: null });
    assert.equal(deep.status, 200);
    assert.match(deep.headers.get('content-type') ?? '', /text\/html/);
    const api = await s.api('/api/v1/nothing-here', { key: null });
    assert.equal(api.status, 404);
    assert.match(api.headers.get('content-type') ?? '', /json/);
  });
});

describe('CORS', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ corsOrigins: 'https://app.example' });
  });
  after(async () => {
    await s.dispose();
  });

  test('preflight and simple requests from an allowed origin; others get no CORS headers', async () => {
    const pre = await s.api('/v1/traces', {
      method: 'OPTIONS',
      key: null,
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const get = await s.api('/api/v1/traces', { headers: { origin: 'https://app.example' } });
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('access-control-allow-origin'), 'https://app.example');
    const other = await s.api('/api/v1/traces', { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});
