/**
 * Store contract for the aggregate insight queries (error groups, service map, cost breakdown,
 * agent detail, model errors) and the trace list's user/session filters, run by `storeContract`
 * for every backend. Expected values are computed here from the spans written, by straightforward
 * reference implementations of the rules in insights.ts. Project B gets a different dataset under
 * the same trace ids, so a query that forgets its project filter returns wrong numbers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spanFixture } from '../model/span-fixture.js';
import type { SpanRecord } from '../model/telemetry.js';
import {
  type AgentDetail,
  COST_GROUPS,
  type CostGroupBy,
  classifyError,
  ERROR_KINDS,
  type ErrorKind,
  errorTypeOf,
  LATENCY_BUCKETS_MS,
  latencyBucket,
  normaliseErrorMessage,
} from './insights.js';
import type { ContractHandle } from './store.contract.js';
import type { Store, TimeRange } from './store.js';

const HOUR_US = 3_600_000_000;
const MS = 1000;
const T0 = Date.UTC(2026, 0, 1) * 1000;
const PA = 'ins-a';
const PB = 'ins-b';
const RANGE: TimeRange = { fromUs: T0, toUs: T0 + 24 * HOUR_US };
const LOOKBACK_US = HOUR_US;
const MODELS = ['gpt-4o', 'claude-3-5-sonnet', 'gpt-4o-mini'];
const PROVIDERS: Record<string, string> = {
  'gpt-4o': 'openai',
  'claude-3-5-sonnet': 'anthropic',
  'gpt-4o-mini': 'openai',
};
const ROOT_MS = [5, 30, 120, 700, 1500, 3000, 8000, 20_000, 70_000, 400_000];

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

function span(o: Partial<SpanRecord> & Pick<SpanRecord, 'project' | 'traceId' | 'spanId' | 'startUs' | 'endUs'>) {
  return spanFixture({ serviceName: 'api', ...o });
}

/**
 * Agent runs (alpha, beta) of: an LLM call (rate limits, timeouts), a tool behind a chain span
 * (exception events with ids in the message; some without agent id), and on even runs an HTTP call
 * into service "backend" that runs a retrieval. Variant 1 (project B) has fewer runs and other costs.
 */
function dataset(project: string, variant: number): SpanRecord[] {
  const out: SpanRecord[] = [];
  const runs = variant === 0 ? 10 : 7;
  for (let i = 0; i < runs; i++) {
    const traceId = hex(0xb000 + i, 32);
    const start = T0 + i * 2 * HOUR_US + variant * 1000;
    const agent = i % 3 === 2 ? 'beta' : 'alpha';
    const rootId = hex(0x2000 + i, 16);
    const id = (c: number) => hex(0x300000 + i * 16 + c, 16);
    const common = { project, traceId };
    const model = MODELS[i % 3];
    const llmError =
      i % 4 === 1
        ? i % 8 === 1
          ? `RateLimitError: rate limit exceeded, retry after ${3000 + i} ms`
          : 'Error code: 429 - too busy'
        : i % 4 === 3
          ? `timeout after ${2990 + i * 10} ms`
          : null;
    out.push(
      span({
        ...common,
        spanId: rootId,
        name: `run ${agent}`,
        kind: 'agent',
        startUs: start,
        endUs: start + ROOT_MS[i] * MS,
        status: i % 4 === 1 ? 'error' : 'ok',
        statusMessage: i % 4 === 1 ? 'run failed' : null,
        agentId: agent,
        agentName: `Agent ${agent}`,
        agentVersion: i < 5 ? 'v1' : 'v2',
        sessionId: `s${i % 3}`,
        userId: `u${i % 2}`,
      }),
      span({
        ...common,
        spanId: id(1),
        parentSpanId: rootId,
        name: `chat ${model}`,
        kind: 'llm',
        startUs: start + 1 * MS,
        endUs: start + (3 + i) * MS,
        status: llmError ? 'error' : 'ok',
        statusMessage: llmError,
        model,
        provider: PROVIDERS[model],
        inputTokens: 100 + i + variant * 50,
        outputTokens: 10 + i,
        costUsd: 0.01 * (i + 1) + variant * 0.5,
        agentId: agent,
        agentName: `Agent ${agent}`,
      }),
      span({
        ...common,
        spanId: id(2),
        parentSpanId: rootId,
        name: 'plan',
        kind: 'chain',
        startUs: start + 2 * MS,
        endUs: start + 4 * MS,
      }),
    );
    const toolError = i % 3 === 0;
    out.push(
      span({
        ...common,
        spanId: id(3),
        parentSpanId: id(2),
        name: i % 2 ? 'fetch' : 'search',
        kind: 'tool',
        startUs: start + 2 * MS + 10,
        endUs: start + (3 + (i % 4)) * MS,
        status: toolError ? 'error' : 'ok',
        statusMessage: toolError ? 'tool failed' : null,
        agentId: i % 5 === 4 ? null : agent,
        events: toolError
          ? [
              { name: 'log', timeUs: start + 3 * MS, attributes: { message: 'calling' } },
              {
                name: 'exception',
                timeUs: start + 3 * MS,
                attributes: {
                  'exception.type': 'ToolError',
                  'exception.message':
                    i % 2 === 0 ? `bad id 123e4567-e89b-12d3-a456-42661417400${i}` : `bad id deadbeef00${i}`,
                  'exception.stacktrace': 'at tool (tool.ts:1)',
                },
              },
            ]
          : [],
      }),
    );
    if (i % 2 === 0) {
      out.push(
        span({
          ...common,
          spanId: id(4),
          parentSpanId: rootId,
          name: 'POST /search',
          kind: 'http',
          startUs: start + 5 * MS,
          endUs: start + 9 * MS,
        }),
        span({
          ...common,
          spanId: id(5),
          parentSpanId: id(4),
          serviceName: 'backend',
          name: 'POST /search',
          kind: 'http',
          startUs: start + 5 * MS + 100,
          endUs: start + 8 * MS,
          status: i === 4 ? 'error' : 'ok',
          statusMessage: i === 4 ? 'HTTP 503 service unavailable' : null,
        }),
        span({
          ...common,
          spanId: id(6),
          parentSpanId: id(5),
          serviceName: 'backend',
          name: 'vector search',
          kind: 'retrieval',
          startUs: start + 6 * MS,
          endUs: start + (7 + i) * MS,
        }),
      );
    }
  }
  // Outside the range: must not count anywhere.
  out.push(
    span({
      project,
      traceId: hex(0xbfff, 32),
      spanId: hex(0x4fff, 16),
      name: 'chat gpt-4o',
      kind: 'llm',
      startUs: T0 - 3 * HOUR_US,
      endUs: T0 - 3 * HOUR_US + 5 * MS,
      status: 'error',
      statusMessage: 'RateLimitError: rate limit exceeded, retry after 1 ms',
      model: 'gpt-4o',
      costUsd: 9,
      agentId: 'alpha',
    }),
  );
  return out;
}

// --- reference implementations ---

const durMs = (s: SpanRecord) => (s.endUs - s.startUs) / 1000;
const inRange = (s: SpanRecord, r: TimeRange) => s.startUs >= r.fromUs && s.startUs < r.toUs;

function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function near(actual: number | null, expected: number | null, msg: string): void {
  if (expected === null || actual === null) {
    assert.equal(actual, expected, msg);
    return;
  }
  assert.ok(
    Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)),
    `${msg}: expected ${expected}, got ${actual}`,
  );
}

function exceptionOf(s: SpanRecord): { type: string | null; message: string | null } {
  const ev = s.events.find((e) => e.name === 'exception');
  const a = ev?.attributes ?? {};
  return {
    type: typeof a['exception.type'] === 'string' ? (a['exception.type'] as string) : null,
    message: typeof a['exception.message'] === 'string' ? (a['exception.message'] as string) : null,
  };
}

const sortStr = (xs: Iterable<string>) => [...new Set(xs)].sort();

function refErrorGroups(spans: SpanRecord[], r: TimeRange, stepMs: number) {
  const groups = new Map<
    string,
    { type: string; message: string; spans: SpanRecord[]; buckets: Map<number, number> }
  >();
  for (const s of spans) {
    if (!inRange(s, r) || s.status !== 'error') continue;
    const ex = exceptionOf(s);
    const type = errorTypeOf(ex.type || null, s.statusMessage, s.kind);
    const message = normaliseErrorMessage(ex.message || s.statusMessage || '(no message)');
    const key = `${type}\u0000${message}`;
    let g = groups.get(key);
    if (!g) {
      g = { type, message, spans: [], buckets: new Map() };
      groups.set(key, g);
    }
    g.spans.push(s);
    const b = Math.floor(s.startUs / 1000 / stepMs) * stepMs;
    g.buckets.set(b, (g.buckets.get(b) ?? 0) + 1);
  }
  return [...groups.values()].sort(
    (a, b) =>
      b.spans.length - a.spans.length ||
      (a.type < b.type ? -1 : a.type > b.type ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

function ownNode(s: SpanRecord): string | null {
  switch (s.kind) {
    case 'agent':
      return `agent:${s.agentId ?? s.agentName ?? s.name}`;
    case 'llm':
    case 'embedding':
      return `model:${s.model ?? s.name}`;
    case 'tool':
      return `tool:${s.name}`;
    case 'retrieval':
      return `retrieval:${s.name}`;
    default:
      return null;
  }
}

function refServiceMap(spans: SpanRecord[], r: TimeRange) {
  const win = spans.filter((s) => s.startUs >= r.fromUs - LOOKBACK_US && s.startUs < r.toUs);
  const byKey = new Map(win.map((s) => [`${s.traceId}/${s.spanId}`, s]));
  const nodes = new Map<string, SpanRecord[]>();
  const edges = new Map<string, SpanRecord[]>();
  for (const c of win) {
    if (c.startUs < r.fromUs) continue;
    const p = c.parentSpanId ? byKey.get(`${c.traceId}/${c.parentSpanId}`) : undefined;
    const g = p?.parentSpanId ? byKey.get(`${p.traceId}/${p.parentSpanId}`) : undefined;
    const to = ownNode(c) ?? (!p || p.serviceName !== c.serviceName ? `service:${c.serviceName}` : null);
    if (!to) continue;
    const from = !p
      ? `service:${c.serviceName}`
      : (ownNode(p) ?? (g ? ownNode(g) : null) ?? `service:${p.serviceName}`);
    nodes.set(to, [...(nodes.get(to) ?? []), c]);
    if (!nodes.has(from)) nodes.set(from, []);
    if (from !== to) edges.set(`${from}>${to}`, [...(edges.get(`${from}>${to}`) ?? []), c]);
  }
  return { nodes, edges };
}

function costKey(s: SpanRecord, by: CostGroupBy, all: SpanRecord[]): string | null {
  const traceValue = (f: (x: SpanRecord) => string | null) => {
    const vals = all
      .filter((x) => x.traceId === s.traceId && x.startUs >= RANGE.fromUs - LOOKBACK_US && x.startUs < RANGE.toUs)
      .map(f)
      .filter((v): v is string => v !== null)
      .sort();
    return vals[0] ?? null;
  };
  switch (by) {
    case 'model':
      return s.model;
    case 'agent':
      return s.agentId;
    case 'provider':
      return s.provider;
    case 'service':
      return s.serviceName;
    case 'user':
      return s.userId ?? traceValue((x) => x.userId);
    case 'session':
      return s.sessionId ?? traceValue((x) => x.sessionId);
  }
}

function refAgentDetail(spans: SpanRecord[], agentId: string, r: TimeRange) {
  const runs = spans.filter((s) => inRange(s, r) && s.kind === 'agent' && s.agentId === agentId);
  const traces = new Set(runs.map((s) => s.traceId));
  const mine = spans.filter(
    (s) => inRange(s, r) && (s.agentId === agentId || (s.agentId === null && traces.has(s.traceId))),
  );
  return { runs, mine };
}

export function insightsStoreContract(name: string, open: () => Promise<ContractHandle>): void {
  describe(`insight aggregates: ${name}`, () => {
    let h: ContractHandle;
    let store: Store;
    const A = dataset(PA, 0);
    const B = dataset(PB, 1);

    before(async () => {
      h = await open();
      store = h.store;
      const a = store.appender();
      a.spans([...A.slice(0, 20), ...B]);
      await a.commit();
      const b = store.appender();
      b.spans(A.slice(20));
      await b.commit();
    });
    after(async () => {
      await h.cleanup();
    });

    test('normaliseErrorMessage folds numbers, hex ids and uuids', () => {
      assert.equal(normaliseErrorMessage('timeout after 3012 ms'), normaliseErrorMessage('timeout after 2990 ms'));
      assert.equal(normaliseErrorMessage('timeout after 3012 ms'), 'timeout after <n> ms');
      assert.equal(
        normaliseErrorMessage('  user 123e4567-e89b-12d3-a456-426614174000 \n key deadbeef0042 v1.5 '),
        'user <uuid> key <hex> v<n>',
      );
      assert.equal(classifyError('RateLimitError: slow down'), 'rate_limit');
      assert.equal(classifyError('Error code: 429'), 'rate_limit');
      assert.equal(classifyError('took 4290 ms'), 'other');
      assert.equal(classifyError('request timed out'), 'timeout');
    });

    for (const [project, spans] of [
      [PA, A],
      [PB, B],
    ] as const) {
      test(`errorGroups (${project}): groups, counts, first/last seen, buckets, examples`, async () => {
        const stepMs = 6 * 3_600_000;
        const got = await store.errorGroups(project, { ...RANGE, stepMs, limit: 100 });
        const want = refErrorGroups(spans, RANGE, stepMs);
        assert.equal(got.totalGroups, want.length);
        assert.equal(
          got.totalErrors,
          want.reduce((a, g) => a + g.spans.length, 0),
        );
        assert.deepEqual(
          got.groups.map((g) => [g.type, g.message, g.count]),
          want.map((g) => [g.type, g.message, g.spans.length]),
        );
        for (let i = 0; i < want.length; i++) {
          const g = got.groups[i];
          const w = want[i];
          const label = `${w.type} ${w.message}`;
          assert.equal(g.firstSeenUs, Math.min(...w.spans.map((s) => s.startUs)), label);
          assert.equal(g.lastSeenUs, Math.max(...w.spans.map((s) => s.startUs)), label);
          assert.deepEqual(g.agents, sortStr(w.spans.flatMap((s) => (s.agentId ? [s.agentId] : []))), label);
          assert.deepEqual(g.models, sortStr(w.spans.flatMap((s) => (s.model ? [s.model] : []))), label);
          assert.deepEqual(g.services, sortStr(w.spans.map((s) => s.serviceName)), label);
          assert.deepEqual(g.kinds, sortStr(w.spans.map((s) => s.kind)), label);
          assert.deepEqual(
            g.buckets,
            [...w.buckets.entries()].sort((a, b) => a[0] - b[0]),
            label,
          );
          const traces = new Set(w.spans.map((s) => s.traceId));
          assert.equal(g.examples.length, Math.min(5, traces.size), label);
          assert.equal(g.examples[0].timeUs, g.lastSeenUs, label);
          assert.equal(new Set(g.examples.map((e) => e.traceId)).size, g.examples.length, label);
          for (const e of g.examples) {
            assert.ok(
              w.spans.some((s) => s.traceId === e.traceId && s.spanId === e.spanId && s.startUs === e.timeUs),
              label,
            );
          }
        }
      });
    }

    test('errorGroups: the rules group as documented (rate limits across retries, exception types, uuids)', async () => {
      const got = await store.errorGroups(PA, { ...RANGE, stepMs: 3_600_000, limit: 100 });
      const find = (type: string, message: string) => got.groups.find((g) => g.type === type && g.message === message);
      assert.equal(find('RateLimitError', 'RateLimitError: rate limit exceeded, retry after <n> ms')?.count, 2);
      assert.equal(find('llm error', 'timeout after <n> ms')?.count, 2);
      assert.equal(find('ToolError', 'bad id <uuid>')?.count, 2);
      assert.equal(find('ToolError', 'bad id <hex>')?.count, 2);
      assert.equal(find('llm error', 'Error code: <n> - too busy')?.count, 1);
      const limited = await store.errorGroups(PA, { ...RANGE, stepMs: 3_600_000, limit: 2 });
      assert.equal(limited.groups.length, 2);
      assert.equal(limited.totalGroups, got.totalGroups);
      const empty = await store.errorGroups('nobody', { ...RANGE, stepMs: 3_600_000, limit: 10 });
      assert.deepEqual(empty, { totalErrors: 0, totalGroups: 0, groups: [] });
    });

    for (const [project, spans] of [
      [PA, A],
      [PB, B],
    ] as const) {
      test(`serviceMap (${project}): nodes and edges across entity boundaries`, async () => {
        const got = await store.serviceMap(project, RANGE);
        const want = refServiceMap(spans, RANGE);
        assert.deepEqual(got.nodes.map((n) => n.id).sort(), [...want.nodes.keys()].sort());
        for (const n of got.nodes) {
          const ss = want.nodes.get(n.id) ?? [];
          assert.equal(n.type, n.id.slice(0, n.id.indexOf(':')));
          assert.equal(n.label, n.id.slice(n.id.indexOf(':') + 1));
          assert.equal(n.calls, ss.length, n.id);
          assert.equal(n.errors, ss.filter((s) => s.status === 'error').length, n.id);
          near(n.p95Ms, quantile(ss.map(durMs), 0.95), `${n.id} p95`);
        }
        assert.deepEqual(got.edges.map((e) => `${e.from}>${e.to}`).sort(), [...want.edges.keys()].sort());
        for (const e of got.edges) {
          const ss = want.edges.get(`${e.from}>${e.to}`) ?? [];
          const errors = ss.filter((s) => s.status === 'error').length;
          assert.equal(e.calls, ss.length);
          assert.equal(e.errors, errors);
          near(e.errorRate, errors / ss.length, 'error rate');
          near(e.p95Ms, quantile(ss.map(durMs), 0.95), `${e.from}>${e.to} p95`);
          near(e.avgMs, ss.reduce((a, s) => a + durMs(s), 0) / ss.length, 'avg');
        }
      });
    }

    test('serviceMap: the expected entity edges exist', async () => {
      const got = await store.serviceMap(PA, RANGE);
      const edges = new Set(got.edges.map((e) => `${e.from}>${e.to}`));
      for (const e of [
        'service:api>agent:alpha',
        'agent:alpha>model:gpt-4o',
        'agent:alpha>tool:search', // through the chain span
        'agent:alpha>service:backend', // through the HTTP client span
        'service:backend>retrieval:vector search',
      ])
        assert.ok(edges.has(e), `missing ${e} in ${[...edges].join(', ')}`);
      const types = new Set(got.nodes.map((n) => n.type));
      assert.deepEqual([...types].sort(), ['agent', 'model', 'retrieval', 'service', 'tool']);
    });

    for (const by of COST_GROUPS) {
      test(`costBreakdown by ${by}: per group, total, other, daily`, async () => {
        for (const [project, spans] of [
          [PA, A],
          [PB, B],
        ] as const) {
          const rel = spans.filter((s) => inRange(s, RANGE) && (s.model !== null || s.costUsd !== null));
          const groups = new Map<string | null, SpanRecord[]>();
          for (const s of rel) {
            const k = costKey(s, by, spans);
            groups.set(k, [...(groups.get(k) ?? []), s]);
          }
          const cost = (ss: SpanRecord[]) => ss.reduce((a, s) => a + (s.costUsd ?? 0), 0);
          const want = [...groups.entries()].sort(
            (a, b) =>
              cost(b[1]) - cost(a[1]) ||
              (a[0] === null ? 1 : b[0] === null ? -1 : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
          );
          const got = await store.costBreakdown(project, RANGE, by, 2);
          assert.equal(got.groupBy, by);
          near(got.total.costUsd, cost(rel), 'total cost');
          assert.equal(
            got.total.inputTokens,
            rel.reduce((a, s) => a + (s.inputTokens ?? 0), 0),
          );
          assert.equal(got.total.calls, rel.filter((s) => s.model !== null).length);
          assert.deepEqual(
            got.groups.map((g) => g.key),
            want.slice(0, 2).map((w) => w[0]),
            `${project} top groups`,
          );
          for (let i = 0; i < got.groups.length; i++) {
            const ss = want[i][1];
            near(got.groups[i].costUsd, cost(ss), 'group cost');
            assert.equal(
              got.groups[i].outputTokens,
              ss.reduce((a, s) => a + (s.outputTokens ?? 0), 0),
            );
            assert.equal(got.groups[i].calls, ss.filter((s) => s.model !== null).length);
            assert.equal(got.groups[i].traces, new Set(ss.map((s) => s.traceId)).size);
          }
          if (want.length > 2) {
            assert.equal(got.other?.groups, want.length - 2);
            near(
              got.other?.costUsd ?? null,
              want.slice(2).reduce((a, w) => a + cost(w[1]), 0),
              'other',
            );
          } else assert.equal(got.other, null);
          const days = new Map<number, number>();
          for (const s of rel) {
            const d = Math.floor(s.startUs / 86_400_000_000) * 86_400_000;
            days.set(d, (days.get(d) ?? 0) + (s.costUsd ?? 0));
          }
          const wantDays = [...days.entries()].filter(([, v]) => v !== 0).sort((a, b) => a[0] - b[0]);
          assert.deepEqual(
            got.daily.map((d) => d[0]),
            wantDays.map((d) => d[0]),
          );
          got.daily.forEach((d, i) => {
            near(d[1], wantDays[i][1], 'daily');
          });
        }
      });
    }

    test('costBreakdown: users come from the trace when only the root carries them', async () => {
      const got = await store.costBreakdown(PA, RANGE, 'user', 10);
      assert.deepEqual(got.groups.map((g) => g.key).sort(), ['u0', 'u1']);
      assert.equal(got.other, null);
    });

    for (const [project, spans] of [
      [PA, A],
      [PB, B],
    ] as const) {
      test(`agentDetail (${project}): runs, histogram, percentiles, tools, models, versions, sessions`, async () => {
        for (const agentId of ['alpha', 'beta']) {
          const got: AgentDetail = await store.agentDetail(project, agentId, RANGE);
          const { runs, mine } = refAgentDetail(spans, agentId, RANGE);
          const errors = runs.filter((s) => s.status === 'error').length;
          const d = runs.map(durMs);
          assert.equal(got.agentId, agentId);
          assert.equal(got.agentName, `Agent ${agentId}`);
          assert.equal(got.runs, runs.length);
          assert.equal(got.errors, errors);
          near(got.successRate, (runs.length - errors) / runs.length, 'success');
          near(got.averageMs, d.reduce((a, x) => a + x, 0) / d.length, 'avg');
          near(got.p50Ms, quantile(d, 0.5), 'p50');
          near(got.p90Ms, quantile(d, 0.9), 'p90');
          near(got.p95Ms, quantile(d, 0.95), 'p95');
          near(got.p99Ms, quantile(d, 0.99), 'p99');
          const counts = new Array(LATENCY_BUCKETS_MS.length + 1).fill(0);
          for (const x of d) counts[latencyBucket(x)]++;
          assert.deepEqual(got.histogram, { boundsMs: [...LATENCY_BUCKETS_MS], counts });
          near(
            got.costUsd,
            mine.reduce((a, s) => a + (s.costUsd ?? 0), 0),
            'cost',
          );
          const tools = new Map<string, SpanRecord[]>();
          for (const s of mine) if (s.kind === 'tool') tools.set(s.name, [...(tools.get(s.name) ?? []), s]);
          assert.deepEqual(
            got.tools.map((t) => [t.name, t.calls, t.errors]).sort(),
            [...tools.entries()].map(([n, ss]) => [n, ss.length, ss.filter((s) => s.status === 'error').length]).sort(),
          );
          const models = new Map<string, SpanRecord[]>();
          for (const s of mine) if (s.model) models.set(s.model, [...(models.get(s.model) ?? []), s]);
          assert.deepEqual(
            got.models.map((m) => [m.model, m.calls, m.errors]).sort(),
            [...models.entries()]
              .map(([n, ss]) => [n, ss.length, ss.filter((s) => s.status === 'error').length])
              .sort(),
          );
          const versions = new Map<string, SpanRecord[]>();
          for (const s of runs)
            if (s.agentVersion) versions.set(s.agentVersion, [...(versions.get(s.agentVersion) ?? []), s]);
          assert.deepEqual(
            got.versions.map((v) => [v.version, v.runs, v.errors, v.firstSeenUs, v.lastSeenUs]).sort(),
            [...versions.entries()]
              .map(([v, ss]) => [
                v,
                ss.length,
                ss.filter((s) => s.status === 'error').length,
                Math.min(...ss.map((s) => s.startUs)),
                Math.max(...ss.map((s) => s.startUs)),
              ])
              .sort(),
          );
          const sessions = new Map<string, SpanRecord[]>();
          for (const s of runs) if (s.sessionId) sessions.set(s.sessionId, [...(sessions.get(s.sessionId) ?? []), s]);
          const wantSessions = [...sessions.entries()]
            .map(([id, ss]) => ({
              sessionId: id,
              userId: sortStr(ss.flatMap((s) => (s.userId ? [s.userId] : [])))[0] ?? null,
              runs: ss.length,
              errors: ss.filter((s) => s.status === 'error').length,
              lastSeenUs: Math.max(...ss.map((s) => s.startUs)),
            }))
            .sort((a, b) => b.lastSeenUs - a.lastSeenUs);
          assert.deepEqual(got.sessions, wantSessions);
        }
      });
    }

    test('agentDetail: an unknown agent is empty, not an error', async () => {
      const got = await store.agentDetail(PA, 'nobody', RANGE);
      assert.equal(got.runs, 0);
      assert.equal(got.successRate, null);
      assert.deepEqual(got.tools, []);
      assert.deepEqual(got.sessions, []);
    });

    for (const [project, spans] of [
      [PA, A],
      [PB, B],
    ] as const) {
      test(`modelErrors (${project}): errors by kind per model`, async () => {
        const got = await store.modelErrors(project, RANGE);
        const calls = spans.filter((s) => inRange(s, RANGE) && s.model !== null);
        const zero = () => Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>;
        const want = new Map<string, { calls: number; errors: number; byKind: Record<ErrorKind, number> }>();
        const total = zero();
        for (const s of calls) {
          const m = want.get(s.model as string) ?? { calls: 0, errors: 0, byKind: zero() };
          m.calls++;
          if (s.status === 'error') {
            const ex = exceptionOf(s);
            const k = classifyError(`${ex.type ?? ''} ${ex.message ?? ''} ${s.statusMessage ?? ''}`);
            m.errors++;
            m.byKind[k]++;
            total[k]++;
          }
          want.set(s.model as string, m);
        }
        assert.equal(got.calls, calls.length);
        assert.deepEqual(got.byKind, total);
        assert.deepEqual(
          Object.fromEntries(got.byModel.map((m) => [m.model, { calls: m.calls, errors: m.errors, byKind: m.byKind }])),
          Object.fromEntries(want),
        );
        for (const m of got.byModel) assert.equal(m.provider, PROVIDERS[m.model]);
      });
    }

    test('modelErrors: rate limits counted from 429 and RateLimitError', async () => {
      const got = await store.modelErrors(PA, RANGE);
      assert.equal(got.byKind.rate_limit, 3);
      assert.equal(got.byKind.timeout, 2);
    });

    test('listTraces: userId and sessionId filters', async () => {
      for (const [f, pick] of [
        [{ userId: 'u1' }, (s: SpanRecord) => s.userId === 'u1'],
        [{ sessionId: 's2' }, (s: SpanRecord) => s.sessionId === 's2'],
        [{ userId: 'u0', sessionId: 's0' }, (s: SpanRecord) => s.userId === 'u0' && s.sessionId === 's0'],
      ] as const) {
        for (const [project, spans] of [
          [PA, A],
          [PB, B],
        ] as const) {
          const page = await store.listTraces(project, { ...RANGE, limit: 100, ...f });
          const want = sortStr(spans.filter((s) => inRange(s, RANGE) && pick(s)).map((s) => s.traceId));
          assert.deepEqual(page.items.map((t) => t.traceId).sort(), want, JSON.stringify(f));
          assert.ok(want.length > 0);
        }
      }
    });
  });
}
