import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../test-server.js';

const MIN = 60_000;
const base = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();
const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

/**
 * Three runs of agent "planner" (v1, v1, v2) in sessions s1/s1/s2 for users u1/u1/u2: each an LLM
 * call (run 1 rate-limited: "RateLimitError: ... 3012 ms"; run 2 the same after 2990 ms) and a
 * search tool (run 0 raises ToolError with an id in the message).
 */
function spans() {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < 3; i++) {
    const traceId = hex(0xc000 + i, 32);
    const root = hex(0x5000 + i, 16);
    const t = base + i * 10 * MIN;
    const rateLimited = i > 0;
    out.push(
      {
        type: 'span',
        traceId,
        spanId: root,
        name: 'run planner',
        kind: 'agent',
        startTime: iso(t),
        endTime: iso(t + 400 + i * 1000),
        status: i === 1 ? 'error' : 'ok',
        statusMessage: i === 1 ? 'run failed' : undefined,
        agentId: 'planner',
        agentName: 'Planner',
        agentVersion: i < 2 ? 'v1' : 'v2',
        sessionId: i < 2 ? 's1' : 's2',
        userId: i < 2 ? 'u1' : 'u2',
      },
      {
        type: 'span',
        traceId,
        spanId: hex(0x6000 + i, 16),
        parentSpanId: root,
        name: 'chat gpt-4o',
        kind: 'llm',
        startTime: iso(t + 10),
        endTime: iso(t + 210),
        status: rateLimited ? 'error' : 'ok',
        statusMessage: rateLimited
          ? `RateLimitError: rate limit exceeded, retry after ${i === 1 ? 3012 : 2990} ms`
          : undefined,
        model: 'gpt-4o',
        provider: 'openai',
        inputTokens: 100,
        outputTokens: 10,
        costUsd: 0.5 * (i + 1),
        agentId: 'planner',
      },
      {
        type: 'span',
        traceId,
        spanId: hex(0x7000 + i, 16),
        parentSpanId: root,
        name: 'search',
        kind: 'tool',
        startTime: iso(t + 220),
        endTime: iso(t + 300),
        status: i === 0 ? 'error' : 'ok',
        statusMessage: i === 0 ? 'tool failed' : undefined,
        agentId: 'planner',
        events:
          i === 0
            ? [{ name: 'exception', attributes: { 'exception.type': 'ToolError', 'exception.message': 'no doc 4711' } }]
            : [],
      },
    );
  }
  return out;
}

describe('insights API', () => {
  let s: TestServer;
  const from = base - MIN;
  const to = base + 60 * MIN;
  const range = `from=${from}&to=${to}`;
  before(async () => {
    s = await startTestServer({ anomalyIntervalMs: 0, alertIntervalMs: 0, hostMetricsIntervalMs: 0 });
    const body = JSON.stringify({ serviceName: 'app', events: spans() });
    const r = await s.api('/api/v1/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(r.status, 200, await r.clone().text());
  });
  after(async () => {
    await s.dispose();
  });

  const get = async (path: string) => {
    const r = await s.api(path);
    const body = (await r.json()) as Record<string, unknown>;
    return { status: r.status, body };
  };

  test('GET /api/v1/errors/groups groups retries of one rate limit and names exception types', async () => {
    const { status, body } = await get(`/api/v1/errors/groups?${range}&step=10m`);
    assert.equal(status, 200);
    const groups = body.groups as {
      type: string;
      message: string;
      count: number;
      firstSeen: string;
      lastSeen: string;
      models: string[];
      agents: string[];
      examples: { traceId: string }[];
      buckets: [number, number][];
    }[];
    assert.equal(body.totalErrors, 4);
    assert.deepEqual(
      groups.map((g) => [g.type, g.message, g.count]),
      [
        ['RateLimitError', 'RateLimitError: rate limit exceeded, retry after <n> ms', 2],
        ['ToolError', 'no doc <n>', 1],
        ['agent error', 'run failed', 1],
      ],
    );
    const rl = groups[0];
    assert.equal(rl.firstSeen, iso(base + 10 * MIN + 10));
    assert.equal(rl.lastSeen, iso(base + 20 * MIN + 10));
    assert.deepEqual(rl.models, ['gpt-4o']);
    assert.deepEqual(rl.agents, ['planner']);
    assert.deepEqual(
      rl.examples.map((e) => e.traceId),
      [hex(0xc002, 32), hex(0xc001, 32)],
    );
    const b10 = (ms: number) => Math.floor(ms / (10 * MIN)) * 10 * MIN;
    assert.deepEqual(rl.buckets, [
      [b10(base + 10 * MIN + 10), 1],
      [b10(base + 20 * MIN + 10), 1],
    ]);
  });

  test('GET /api/v1/service-map links service → agent → model and tool', async () => {
    const { status, body } = await get(`/api/v1/service-map?${range}`);
    assert.equal(status, 200);
    const edges = body.edges as { from: string; to: string; calls: number; errors: number; errorRate: number }[];
    assert.deepEqual(edges.map((e) => [e.from, e.to, e.calls, e.errors]).sort(), [
      ['agent:planner', 'model:gpt-4o', 3, 2],
      ['agent:planner', 'tool:search', 3, 1],
      ['service:app', 'agent:planner', 3, 1],
    ]);
    const nodes = body.nodes as { id: string; type: string }[];
    assert.deepEqual(nodes.map((n) => `${n.type} ${n.id}`).sort(), [
      'agent agent:planner',
      'model model:gpt-4o',
      'service service:app',
      'tool tool:search',
    ]);
  });

  test('GET /api/v1/cost/breakdown by user takes the user from the trace root', async () => {
    const { status, body } = await get(`/api/v1/cost/breakdown?${range}&groupBy=user`);
    assert.equal(status, 200);
    assert.equal(body.groupBy, 'user');
    assert.deepEqual(
      (body.groups as { key: string; costUsd: number; calls: number; traces: number }[]).map((g) => [
        g.key,
        g.costUsd,
        g.calls,
        g.traces,
      ]),
      [
        ['u1', 1.5, 2, 2],
        ['u2', 1.5, 1, 1],
      ],
    );
    assert.deepEqual(body.total, { costUsd: 3, inputTokens: 300, outputTokens: 30, calls: 3 });
    const bad = await get(`/api/v1/cost/breakdown?${range}&groupBy=planet`);
    assert.equal(bad.status, 400);
    assert.equal((bad.body.error as { code: string }).code, 'invalid_parameter');
  });

  test('GET /api/v1/cost/forecast projects the month with an interval', async () => {
    const { status, body } = await get('/api/v1/cost/forecast');
    assert.equal(status, 200);
    assert.ok((body.monthToDate as number) >= 3 - 1e-9 || new Date(base).getUTCMonth() !== new Date().getUTCMonth());
    assert.ok((body.projected as number) >= (body.monthToDate as number) - 1e-9);
    assert.ok(['ok', 'insufficient_data'].includes(body.status as string));
    const days = body.daily as [number, number][];
    assert.ok(days.length >= 36);
    const bad = await get('/api/v1/cost/forecast?confidence=2');
    assert.equal(bad.status, 400);
  });

  test('GET /api/v1/agents/{id} returns runs, histogram, tools, models, versions, sessions', async () => {
    const { status, body } = await get(`/api/v1/agents/planner?${range}`);
    assert.equal(status, 200);
    assert.equal(body.runs, 3);
    assert.equal(body.errors, 1);
    assert.equal(body.agentName, 'Planner');
    assert.equal(body.costUsd, 3);
    const h = body.histogram as { boundsMs: number[]; counts: number[] };
    assert.equal(
      h.counts.reduce((a, b) => a + b, 0),
      3,
    );
    assert.equal(h.counts[h.boundsMs.indexOf(500)], 1); // the 400 ms run
    assert.deepEqual(body.tools, [{ name: 'search', calls: 3, errors: 1, avgMs: 80 }]);
    assert.deepEqual(
      (body.versions as { version: string; runs: number; errors: number }[]).map((v) => [v.version, v.runs, v.errors]),
      [
        ['v2', 1, 0],
        ['v1', 2, 1],
      ],
    );
    assert.deepEqual(
      (body.sessions as { sessionId: string; userId: string; runs: number }[]).map((x) => [
        x.sessionId,
        x.userId,
        x.runs,
      ]),
      [
        ['s2', 'u2', 1],
        ['s1', 'u1', 2],
      ],
    );
    const none = await get(`/api/v1/agents/nobody?${range}`);
    assert.equal(none.status, 200);
    assert.equal(none.body.runs, 0);
  });

  test('GET /api/v1/models/errors counts rate limits per model', async () => {
    const { status, body } = await get(`/api/v1/models/errors?${range}`);
    assert.equal(status, 200);
    assert.deepEqual(body.byModel, [
      {
        model: 'gpt-4o',
        provider: 'openai',
        calls: 3,
        errors: 2,
        byKind: { rate_limit: 2, timeout: 0, auth: 0, server: 0, other: 0 },
      },
    ]);
  });

  test('GET /api/v1/traces filters by userId and sessionId', async () => {
    const u = await get(`/api/v1/traces?${range}&userId=u1`);
    assert.deepEqual((u.body.items as { traceId: string }[]).map((t) => t.traceId).sort(), [
      hex(0xc000, 32),
      hex(0xc001, 32),
    ]);
    const ses = await get(`/api/v1/traces?${range}&sessionId=s2`);
    assert.deepEqual(
      (ses.body.items as { traceId: string }[]).map((t) => t.traceId),
      [hex(0xc002, 32)],
    );
  });

  test('the insight routes need a key and answer JSON errors', async () => {
    const r = await s.api(`/api/v1/service-map?${range}`, { key: null });
    assert.equal(r.status, 401);
    const body = (await r.json()) as { error: { code: string } };
    assert.ok(body.error.code);
    const bad = await get('/api/v1/errors/groups?from=yesterday');
    assert.equal(bad.status, 400);
    assert.equal((bad.body.error as { code: string }).code, 'invalid_parameter');
  });
});
