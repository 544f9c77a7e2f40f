/**
 * The shared Store contract suite. Every backend runs it (DuckDB in duckdb/duckdb-store.test.ts,
 * PostgreSQL in its own test) so they agree on semantics, not just on types. Expected values are
 * computed here from the data the test wrote, never copied from a backend's output.
 *
 * Every dataset is written twice: once to project A and a perturbed copy (same trace ids, different
 * values) to project B, so any query that forgets its project filter produces wrong numbers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { alertingStoreContract } from '../alerting/store.contract.js';
import { spanFixture } from '../model/span-fixture.js';
import type { AgentRunStart, LogRecord, MetricPoint, SpanKind, SpanRecord } from '../model/telemetry.js';
import { insightsStoreContract } from './insights.contract.js';
import type { AlertRecord, AnomalyRecord, ApiKeyRecord, Store, TraceSummary } from './store.js';

export interface ContractHandle {
  store: Store;
  cleanup(): Promise<void>;
  /** Closes `store` and opens the same database again (durability check); optional. */
  reopen?(): Promise<Store>;
}

const HOUR_US = 3_600_000_000;
/** 2026-01-01T00:00:00Z in µs: a fixed base keeps every run identical. */
const T0 = Date.UTC(2026, 0, 1) * 1000;
const PA = 'proj-a';
const PB = 'proj-b';
const RANGE = { fromUs: T0, toUs: T0 + 24 * HOUR_US };

function hex(n: number, len: number): string {
  return n.toString(16).padStart(len, '0');
}

function mkSpan(o: Partial<SpanRecord> & Pick<SpanRecord, 'traceId' | 'spanId' | 'startUs'>): SpanRecord {
  return spanFixture({ project: PA, ...o });
}

/** Continuous (linearly interpolated) quantile, as percentile_cont / quantile_cont compute it. */
export function quantileCont(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function near(actual: number | null, expected: number | null, msg?: string): void {
  if (expected === null || actual === null) {
    assert.equal(actual, expected, msg);
    return;
  }
  const tol = 1e-6 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, `${msg ?? ''} expected ${expected}, got ${actual}`);
}

/**
 * Relative accuracy a backend may use for span latency percentiles (modelStats, agentStats,
 * spanSeries p50/p95/p99): DuckDB answers them from hourly rollups with DDSketch histograms, which
 * guarantee ±1% of the exact continuous percentile. Every other value in the contract is exact.
 */
export const PERCENTILE_RELATIVE_ACCURACY = 0.01;

function nearPercentile(actual: number | null, expected: number | null, msg?: string): void {
  if (expected === null || actual === null) {
    assert.equal(actual, expected, msg);
    return;
  }
  const tol = PERCENTILE_RELATIVE_ACCURACY * Math.abs(expected) + 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${msg ?? ''} expected ${expected} ±${PERCENTILE_RELATIVE_ACCURACY * 100}%, got ${actual}`,
  );
}

const MODELS = ['gpt-4o', 'claude-3-5-sonnet', 'gpt-4o-mini'];
const PROVIDERS: Record<string, string> = {
  'gpt-4o': 'openai',
  'claude-3-5-sonnet': 'anthropic',
  'gpt-4o-mini': 'openai',
};
const AGENTS = ['planner', 'researcher', 'writer'];
const SERVICES = ['api', 'worker'];

/**
 * 40 traces over 20 hours of project A: an agent root with 2–4 children (llm/tool/retrieval), with
 * varied models, statuses, durations, costs and texts. Trace i starts at T0 + i·30min (+ i µs so no
 * two traces tie), except traces 38 and 39 which share a start time to exercise cursor ties.
 */
function buildTraces(project: string, perturb: number): SpanRecord[] {
  const spans: SpanRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const traceId = hex(0xa000 + i, 32);
    const start = T0 + (i === 39 ? 38 : i) * (HOUR_US / 2) + (i === 39 ? 38 : i) + perturb;
    const agent = AGENTS[i % 3];
    const service = SERVICES[i % 2];
    const rootId = hex(0x1000 + i, 16);
    const children = 2 + (i % 3);
    let t = start + 100;
    let anyError = false;
    const kids: SpanRecord[] = [];
    for (let c = 0; c < children; c++) {
      const kind: SpanKind = c === 0 ? 'llm' : c === 1 ? 'tool' : 'retrieval';
      const dur = 1000 * (10 + ((i * 7 + c * 13) % 50)) + perturb;
      const isError = kind === 'tool' && i % 5 === 0;
      anyError ||= isError;
      const model = kind === 'llm' ? MODELS[i % 3] : null;
      kids.push(
        mkSpan({
          project,
          traceId,
          spanId: hex(0x100000 + i * 10 + c, 16),
          parentSpanId: rootId,
          serviceName: service,
          name: kind === 'llm' ? `chat ${model}` : kind === 'tool' ? `tool search_${i % 4}` : 'retrieve',
          kind,
          startUs: t,
          endUs: t + dur,
          status: isError ? 'error' : 'ok',
          statusMessage: isError ? `Timeout contacting backend ${i}` : null,
          model,
          provider: model ? PROVIDERS[model] : null,
          inputTokens: model ? 100 + i * 3 + perturb : null,
          outputTokens: model ? 20 + i + perturb : null,
          costUsd: model ? 0.001 * (i + 1) + perturb : null,
          agentId: agent,
          agentName: `Agent ${agent}`,
          input: kind === 'llm' ? `question number ${i}` : null,
          output: kind === 'llm' ? (i % 4 === 0 ? 'The answer is NEEDLE' : 'plain answer') : null,
        }),
      );
      t += dur + 10;
    }
    spans.push(
      mkSpan({
        project,
        traceId,
        spanId: rootId,
        serviceName: service,
        name: `run ${agent}`,
        kind: 'agent',
        startUs: start,
        endUs: t + 50,
        status: anyError ? 'error' : i % 7 === 3 ? 'unset' : 'ok',
        agentId: agent,
        agentName: `Agent ${agent}`,
        agentVersion: 'v1',
        sessionId: `s${i % 4}`,
        userId: `u${i % 6}`,
      }),
      ...kids,
    );
  }
  return spans;
}

function expectedSummaries(spans: SpanRecord[]): TraceSummary[] {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  const out: TraceSummary[] = [];
  for (const [traceId, ss] of byTrace) {
    const root = ss.find((s) => s.parentSpanId === null) ?? ss[0];
    const errors = ss.filter((s) => s.status === 'error').length;
    const withAgent = [...ss].filter((s) => s.agentId !== null).sort((a, b) => a.startUs - b.startUs);
    out.push({
      traceId,
      rootSpanId: root.spanId,
      name: root.name,
      kind: root.kind,
      serviceName: root.serviceName,
      startUs: Math.min(...ss.map((s) => s.startUs)),
      endUs: Math.max(...ss.map((s) => s.endUs)),
      status: errors > 0 ? 'error' : root.status,
      spanCount: ss.length,
      errorCount: errors,
      agentId: withAgent[0]?.agentId ?? null,
      agentName: withAgent[0]?.agentName ?? null,
      models: [...new Set(ss.map((s) => s.model).filter((m): m is string => m !== null))].sort(),
      inputTokens: ss.reduce((a, s) => a + (s.inputTokens ?? 0), 0),
      outputTokens: ss.reduce((a, s) => a + (s.outputTokens ?? 0), 0),
      costUsd: ss.reduce((a, s) => a + (s.costUsd ?? 0), 0),
    });
  }
  return out.sort((a, b) => b.startUs - a.startUs || (a.traceId < b.traceId ? 1 : -1));
}

function assertSummaries(actual: TraceSummary[], expected: TraceSummary[], msg: string): void {
  assert.deepEqual(
    actual.map((t) => t.traceId),
    expected.map((t) => t.traceId),
    msg,
  );
  for (let i = 0; i < actual.length; i++) {
    const { costUsd: ac, ...a } = actual[i];
    const { costUsd: ec, ...e } = expected[i];
    assert.deepEqual(a, e, `${msg} [${i}]`);
    near(ac, ec, `${msg} cost`);
  }
}

async function allPages<T>(fetch: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await fetch(cursor);
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not terminate');
}

async function write(
  store: Store,
  b: {
    spans?: SpanRecord[];
    metrics?: MetricPoint[];
    logs?: LogRecord[];
    starts?: AgentRunStart[];
    ends?: { project: string; spanId: string }[];
  },
) {
  const a = store.appender();
  if (b.spans) a.spans(b.spans);
  if (b.metrics) a.metrics(b.metrics);
  if (b.logs) a.logs(b.logs);
  if (b.starts) a.agentRunStarts(b.starts);
  if (b.ends) a.agentRunEnds(b.ends);
  await a.commit();
}

function metric(o: Partial<MetricPoint> & Pick<MetricPoint, 'name' | 'timeUs' | 'value'>): MetricPoint {
  return { project: PA, type: 'gauge', unit: '1', histogram: null, labels: {}, serviceName: 'svc', ...o };
}

export function storeContract(name: string, open: () => Promise<ContractHandle>): void {
  describe(`Store contract: ${name}`, () => {
    describe('spans round trip, rollback, durability', () => {
      let h: ContractHandle;
      before(async () => {
        h = await open();
      });
      after(async () => {
        await h.cleanup();
      });

      const full = mkSpan({
        traceId: 'f'.repeat(32),
        spanId: '1234567890abcdef',
        parentSpanId: 'fedcba0987654321',
        serviceName: 'checkout',
        name: 'chat gpt-4o',
        kind: 'llm',
        startUs: T0 + 123_456_789,
        endUs: T0 + 223_456_790,
        status: 'error',
        statusMessage: 'rate limited "429"',
        model: 'gpt-4o',
        provider: 'openai',
        inputTokens: 1234,
        outputTokens: 56,
        costUsd: 0.0123456789,
        agentId: 'agent-1',
        agentName: 'Agent One',
        agentVersion: '1.2.3',
        sessionId: 'sess-1',
        userId: 'user-1',
        attributes: {
          'gen_ai.request.model': 'gpt-4o',
          temperature: 0.7,
          stream: false,
          nothing: null,
          list: [1, 'two', { three: 3 }],
          resource: { 'service.name': 'checkout', unicode: 'ünïcødé ✓ 😀', quote: 'it\'s "quoted"' },
        },
        events: [
          {
            name: 'exception',
            timeUs: T0 + 200_000_000,
            attributes: { 'exception.type': 'RateLimit', 'exception.stacktrace': 'Error\n  at x (a.ts:1:2)' },
          },
        ],
        input: 'prompt with\nnewline and \u0000 nul? no: tab\t',
        output: 'completion',
      });
      const sparse = mkSpan({ traceId: 'f'.repeat(32), spanId: 'aaaaaaaaaaaaaaaa', startUs: T0 + 123_456_790 });

      test('every column reads back exactly, nulls included', async () => {
        await write(h.store, { spans: [full, sparse, { ...full, project: PB, name: 'other project' }] });
        const got = await h.store.getTrace(PA, full.traceId);
        assert.deepEqual(got, [full, sparse]);
      });

      test('getTrace is scoped to its project and returns [] for unknown traces', async () => {
        const b = await h.store.getTrace(PB, full.traceId);
        assert.equal(b.length, 1);
        assert.equal(b[0].name, 'other project');
        assert.deepEqual(await h.store.getTrace('proj-none', full.traceId), []);
        assert.deepEqual(await h.store.getTrace(PA, '0'.repeat(32)), []);
      });

      test('rollback discards appended rows and the appender stays usable', async () => {
        const a = h.store.appender();
        const gone = mkSpan({ traceId: 'e'.repeat(32), spanId: 'bbbbbbbbbbbbbbbb', startUs: T0 });
        a.spans([gone]);
        a.logs([
          {
            project: PA,
            timeUs: T0,
            severity: 9,
            severityText: 'INFO',
            body: 'gone',
            traceId: null,
            spanId: null,
            serviceName: 's',
            attributes: {},
          },
        ]);
        await a.rollback();
        await a.commit();
        assert.deepEqual(await h.store.getTrace(PA, gone.traceId), []);
        const logs = await h.store.listLogs(PA, { ...RANGE, limit: 10 });
        assert.equal(logs.items.length, 0);
        const kept = mkSpan({ traceId: 'e'.repeat(32), spanId: 'cccccccccccccccc', startUs: T0 });
        a.spans([kept]);
        await a.commit();
        assert.deepEqual(await h.store.getTrace(PA, kept.traceId), [kept]);
      });

      test('ping and idempotent migrate', async () => {
        await h.store.ping();
        await h.store.migrate();
        await h.store.migrate();
        assert.equal((await h.store.getTrace(PA, full.traceId)).length, 2);
      });

      test('data survives close and reopen', async (t) => {
        if (!h.reopen) {
          t.skip('backend handle has no reopen');
          return;
        }
        await h.store.createProject({ id: 'durable', name: 'Durable', createdUs: T0 });
        h.store = await h.reopen();
        assert.deepEqual(await h.store.getTrace(PA, full.traceId), [full, sparse]);
        assert.deepEqual(await h.store.getProject('durable'), { id: 'durable', name: 'Durable', createdUs: T0 });
      });
    });

    describe('telemetry queries', () => {
      let h: ContractHandle;
      let store: Store;
      const spansA = buildTraces(PA, 0);
      const spansB = buildTraces(PB, 7);
      const all = expectedSummaries(spansA);

      before(async () => {
        h = await open();
        store = h.store;
        // Several commits, interleaving projects, as group commits would.
        await write(store, { spans: spansA.slice(0, 50) });
        await write(store, { spans: [...spansB.slice(0, 60), ...spansA.slice(50, 90)] });
        await write(store, { spans: [...spansA.slice(90), ...spansB.slice(60)] });
      });
      after(async () => {
        await h.cleanup();
      });

      test('listTraces: all traces newest first with exact roll-ups', async () => {
        const page = await store.listTraces(PA, { ...RANGE, limit: 100 });
        assertSummaries(page.items, all, 'all traces');
        assert.equal(page.nextCursor, null);
      });

      test('listTraces: time range bounds by trace start', async () => {
        const from = T0 + 5 * HOUR_US;
        const to = T0 + 10 * HOUR_US;
        const page = await store.listTraces(PA, { fromUs: from, toUs: to, limit: 100 });
        assertSummaries(
          page.items,
          all.filter((t) => t.startUs >= from && t.startUs < to),
          'range',
        );
      });

      const filterCases: [
        string,
        Parameters<Store['listTraces']>[1],
        (t: TraceSummary, ss: SpanRecord[]) => boolean,
      ][] = [
        ['agent id', { ...RANGE, limit: 100, agent: 'planner' }, (_t, ss) => ss.some((s) => s.agentId === 'planner')],
        [
          'agent name',
          { ...RANGE, limit: 100, agent: 'Agent writer' },
          (_t, ss) => ss.some((s) => s.agentName === 'Agent writer'),
        ],
        [
          'model',
          { ...RANGE, limit: 100, model: 'gpt-4o-mini' },
          (_t, ss) => ss.some((s) => s.model === 'gpt-4o-mini'),
        ],
        ['status error', { ...RANGE, limit: 100, status: 'error' }, (t) => t.status === 'error'],
        ['status ok', { ...RANGE, limit: 100, status: 'ok' }, (t) => t.status === 'ok'],
        ['status unset', { ...RANGE, limit: 100, status: 'unset' }, (t) => t.status === 'unset'],
        ['kind', { ...RANGE, limit: 100, kind: 'retrieval' }, (_t, ss) => ss.some((s) => s.kind === 'retrieval')],
        [
          'service',
          { ...RANGE, limit: 100, service: 'worker' },
          (_t, ss) => ss.some((s) => s.serviceName === 'worker'),
        ],
        [
          'text in output (case-insensitive)',
          { ...RANGE, limit: 100, text: 'needle' },
          (_t, ss) => ss.some((s) => (s.output ?? '').toLowerCase().includes('needle')),
        ],
        [
          'text in status message',
          { ...RANGE, limit: 100, text: 'timeout CONTACTING' },
          (_t, ss) => ss.some((s) => (s.statusMessage ?? '').toLowerCase().includes('timeout contacting')),
        ],
        [
          'text in name',
          { ...RANGE, limit: 100, text: 'search_3' },
          (_t, ss) => ss.some((s) => s.name.includes('search_3')),
        ],
        ['min duration', { ...RANGE, limit: 100, minDurationMs: 120 }, (t) => t.endUs - t.startUs >= 120_000],
        ['min cost', { ...RANGE, limit: 100, minCostUsd: 0.02 }, (t) => t.costUsd >= 0.02],
        [
          'combined',
          { ...RANGE, limit: 100, agent: 'planner', model: 'gpt-4o', status: 'ok' },
          (t, ss) =>
            t.status === 'ok' && ss.some((s) => s.agentId === 'planner') && ss.some((s) => s.model === 'gpt-4o'),
        ],
      ];
      for (const [label, q, pred] of filterCases) {
        test(`listTraces filter: ${label}`, async () => {
          const expected = all.filter((t) =>
            pred(
              t,
              spansA.filter((s) => s.traceId === t.traceId),
            ),
          );
          assert.ok(expected.length > 0 && expected.length < all.length, `fixture must make "${label}" selective`);
          const page = await store.listTraces(PA, q);
          assertSummaries(page.items, expected, label);
        });
      }

      test('listTraces: cursor pagination has no duplicates or gaps (with a start-time tie)', async () => {
        for (const limit of [1, 3, 7]) {
          const items = await allPages((cursor) => store.listTraces(PA, { ...RANGE, limit, cursor }));
          assertSummaries(items, all, `limit ${limit}`);
        }
        const filtered = await allPages((cursor) =>
          store.listTraces(PA, { ...RANGE, limit: 4, status: 'error', cursor }),
        );
        assertSummaries(
          filtered,
          all.filter((t) => t.status === 'error'),
          'filtered pages',
        );
      });

      test('listTraces: a malformed cursor is rejected', async () => {
        await assert.rejects(store.listTraces(PA, { ...RANGE, limit: 5, cursor: 'not-a-cursor' }));
      });

      test('listTraces and getTrace never leak another project', async () => {
        const none = await store.listTraces('proj-none', { ...RANGE, limit: 100 });
        assert.deepEqual(none.items, []);
        const b = await store.listTraces(PB, { ...RANGE, limit: 100 });
        assertSummaries(b.items, expectedSummaries(spansB), 'project B');
        const tr = await store.getTrace(PA, spansA[0].traceId);
        assert.deepEqual(
          tr,
          spansA.filter((s) => s.traceId === spansA[0].traceId).sort((a, b) => a.startUs - b.startUs),
        );
      });

      test('modelStats: counts, tokens, cost and continuous percentiles', async () => {
        const calls = spansA.filter((s) => s.model !== null);
        const ms = (s: SpanRecord) => (s.endUs - s.startUs) / 1000;
        const st = await store.modelStats(PA, RANGE);
        assert.equal(st.calls, calls.length);
        assert.equal(st.errors, calls.filter((s) => s.status === 'error').length);
        near(st.averageLatencyMs, calls.reduce((a, s) => a + ms(s), 0) / calls.length, 'avg');
        nearPercentile(st.p50, quantileCont(calls.map(ms), 0.5), 'p50');
        nearPercentile(st.p95, quantileCont(calls.map(ms), 0.95), 'p95');
        nearPercentile(st.p99, quantileCont(calls.map(ms), 0.99), 'p99');
        assert.equal(
          st.inputTokens,
          calls.reduce((a, s) => a + (s.inputTokens ?? 0), 0),
        );
        assert.equal(
          st.outputTokens,
          calls.reduce((a, s) => a + (s.outputTokens ?? 0), 0),
        );
        near(
          st.costUsd,
          calls.reduce((a, s) => a + (s.costUsd ?? 0), 0),
          'cost',
        );
        assert.deepEqual(st.byModel.map((m) => m.model).sort(), [...MODELS].sort());
        for (const m of st.byModel) {
          const mine = calls.filter((s) => s.model === m.model);
          assert.equal(m.calls, mine.length, m.model);
          assert.equal(m.provider, PROVIDERS[m.model]);
          nearPercentile(m.p50, quantileCont(mine.map(ms), 0.5), `${m.model} p50`);
          nearPercentile(m.p95, quantileCont(mine.map(ms), 0.95), `${m.model} p95`);
          nearPercentile(m.p99, quantileCont(mine.map(ms), 0.99), `${m.model} p99`);
          near(
            m.costUsd,
            mine.reduce((a, s) => a + (s.costUsd ?? 0), 0),
            `${m.model} cost`,
          );
        }
        // byModel is ordered by calls, descending.
        for (let i = 1; i < st.byModel.length; i++) assert.ok(st.byModel[i - 1].calls >= st.byModel[i].calls);
        const empty = await store.modelStats('proj-none', RANGE);
        assert.equal(empty.calls, 0);
        assert.equal(empty.p50, null);
        assert.deepEqual(empty.byModel, []);
      });

      test('agentStats: runs, failures, per-agent percentiles and cost, active runs', async () => {
        const runs = spansA.filter((s) => s.kind === 'agent');
        const ms = (s: SpanRecord) => (s.endUs - s.startUs) / 1000;
        const starts: AgentRunStart[] = [0, 1, 2].map((i) => ({
          project: PA,
          traceId: hex(0xb000 + i, 32),
          spanId: hex(0xb000 + i, 16),
          agentId: 'planner',
          agentName: 'Agent planner',
          agentVersion: 'v2',
          sessionId: null,
          userId: null,
          serviceName: 'api',
          startUs: T0 + HOUR_US * (i + 1),
        }));
        await write(store, {
          starts: [...starts, ...starts.map((s) => ({ ...s, project: PB }))],
          ends: [{ project: PA, spanId: starts[0].spanId }],
        });
        const st = await store.agentStats(PA, RANGE);
        assert.equal(st.activeAgents, 2);
        const failed = runs.filter((s) => s.status === 'error').length;
        assert.equal(st.failedRuns, failed);
        assert.equal(st.completedRuns, runs.length - failed);
        assert.equal(st.totalRuns, runs.length + 2);
        near(st.averageRunMs, runs.reduce((a, s) => a + ms(s), 0) / runs.length, 'avg run');
        assert.deepEqual(st.byAgent.map((a) => a.agentId).sort(), [...AGENTS].sort());
        for (const a of st.byAgent) {
          const mine = runs.filter((s) => s.agentId === a.agentId);
          assert.equal(a.runs, mine.length);
          assert.equal(a.agentName, `Agent ${a.agentId}`);
          assert.equal(a.errors, mine.filter((s) => s.status === 'error').length);
          nearPercentile(a.p50Ms, quantileCont(mine.map(ms), 0.5), 'p50');
          nearPercentile(a.p95Ms, quantileCont(mine.map(ms), 0.95), 'p95');
          const cost = spansA.filter((s) => s.agentId === a.agentId).reduce((x, s) => x + (s.costUsd ?? 0), 0);
          near(a.costUsd, cost, 'agent cost');
        }
        // Active runs are counted in the range they started in.
        const late = await store.agentStats(PA, { fromUs: T0 + 2 * HOUR_US + 1, toUs: RANGE.toUs });
        assert.equal(late.activeAgents, 1);
        const none = await store.agentStats('proj-none', RANGE);
        assert.deepEqual(none, {
          activeAgents: 0,
          totalRuns: 0,
          completedRuns: 0,
          failedRuns: 0,
          averageRunMs: null,
          byAgent: [],
        });
      });

      test('spanSeries: buckets, measures, grouping and filters', async () => {
        const step = HOUR_US / 1000;
        const bucketOf = (s: SpanRecord) => Math.floor(s.startUs / 1000 / step) * step;
        const counts = new Map<number, number>();
        for (const s of spansA) counts.set(bucketOf(s), (counts.get(bucketOf(s)) ?? 0) + 1);
        const cnt = await store.spanSeries(PA, { ...RANGE, stepMs: step, measure: 'count' });
        assert.equal(cnt.length, 1);
        assert.deepEqual(cnt[0].labels, {});
        assert.deepEqual(
          cnt[0].points,
          [...counts.entries()].sort((a, b) => a[0] - b[0]),
        );
        const p95 = await store.spanSeries(PA, { ...RANGE, stepMs: step, measure: 'p95_ms', groupBy: 'model' });
        assert.deepEqual(p95.map((s) => s.labels.model).sort(), [...MODELS].sort());
        for (const s of p95) {
          const mine = spansA.filter((x) => x.model === s.labels.model);
          const buckets = [...new Set(mine.map(bucketOf))].sort((a, b) => a - b);
          assert.deepEqual(
            s.points.map((p) => p[0]),
            buckets,
          );
          for (const [b, v] of s.points)
            nearPercentile(
              v,
              quantileCont(
                mine.filter((x) => bucketOf(x) === b).map((x) => (x.endUs - x.startUs) / 1000),
                0.95,
              ),
            );
        }
        const errRate = await store.spanSeries(PA, {
          ...RANGE,
          stepMs: 24 * step,
          measure: 'error_rate',
          kind: 'tool',
        });
        const tools = spansA.filter((s) => s.kind === 'tool');
        near(errRate[0].points[0][1], tools.filter((s) => s.status === 'error').length / tools.length, 'error rate');
        const cost = await store.spanSeries(PA, { ...RANGE, stepMs: 24 * step, measure: 'cost', agent: 'writer' });
        near(
          cost[0].points[0][1],
          spansA.filter((s) => s.agentId === 'writer').reduce((a, s) => a + (s.costUsd ?? 0), 0),
          'cost',
        );
        const tokens = await store.spanSeries(PA, { ...RANGE, stepMs: 24 * step, measure: 'tokens', model: 'gpt-4o' });
        assert.equal(
          tokens[0].points[0][1],
          spansA
            .filter((s) => s.model === 'gpt-4o')
            .reduce((a, s) => a + (s.inputTokens ?? 0) + (s.outputTokens ?? 0), 0),
        );
        assert.deepEqual(await store.spanSeries('proj-none', { ...RANGE, stepMs: step, measure: 'count' }), []);
      });

      test('exportSpans streams every span of the project in time order', async () => {
        const got: SpanRecord[] = [];
        for await (const batch of store.exportSpans(PA, RANGE, 7)) {
          assert.ok(batch.length <= 7);
          got.push(...batch);
        }
        assert.equal(got.length, spansA.length);
        for (let i = 1; i < got.length; i++) assert.ok(got[i - 1].startUs <= got[i].startUs);
        assert.deepEqual(new Set(got.map((s) => s.spanId)), new Set(spansA.map((s) => s.spanId)));
        assert.ok(got.every((s) => s.project === PA));
      });
    });

    describe('metrics and logs', () => {
      let h: ContractHandle;
      const points: MetricPoint[] = [];
      // Two hosts, a gauge sampled every 10 minutes and a counter, over 3 hours.
      for (let i = 0; i < 18; i++) {
        for (const host of ['h1', 'h2']) {
          const t = T0 + i * 600_000_000 + (host === 'h2' ? 1 : 0);
          points.push(
            metric({ name: 'system.cpu', timeUs: t, value: (i * 7 + (host === 'h2' ? 3 : 0)) % 100, labels: { host } }),
          );
          points.push(
            metric({
              name: 'requests.total',
              type: 'counter',
              timeUs: t,
              // h2's counter resets at i = 9.
              value: host === 'h1' ? i * 10 : (i % 9) * 5,
              labels: { host, route: '/a' },
            }),
          );
        }
      }
      points.push(
        metric({
          name: 'system.memory',
          unit: 'By',
          timeUs: T0 + 5,
          value: 1024,
          histogram: { count: 2, sum: 3, bounds: [1, 2], counts: [1, 1, 0] },
        }),
      );
      const logs: LogRecord[] = [];
      for (let i = 0; i < 25; i++) {
        logs.push({
          project: PA,
          // Groups of 3 logs share a timestamp, to exercise the cursor on ties.
          timeUs: T0 + Math.floor(i / 3) * 1_000_000,
          severity: [5, 9, 13, 17][i % 4],
          severityText: ['DEBUG', 'INFO', 'WARN', 'ERROR'][i % 4],
          body: `log line ${i}${i % 6 === 0 ? ' Disk FULL' : ''}`,
          traceId: i % 2 === 0 ? 'c'.repeat(32) : null,
          spanId: i % 2 === 0 ? hex(i, 16) : null,
          serviceName: 'svc',
          attributes: { i },
        });
      }

      before(async () => {
        h = await open();
        await write(h.store, {
          metrics: [...points, ...points.map((p) => ({ ...p, project: PB, value: p.value + 1000 }))],
          logs: [...logs, ...logs.map((l) => ({ ...l, project: PB }))],
        });
      });
      after(async () => {
        await h.cleanup();
      });

      const step = 3_600_000;
      const bucketOf = (p: MetricPoint) => Math.floor(p.timeUs / 1000 / step) * step;
      function expectAgg(name: string, host: string | null, agg: (v: MetricPoint[]) => number): [number, number][] {
        const mine = points.filter((p) => p.name === name && (host === null || p.labels.host === host));
        const buckets = [...new Set(mine.map(bucketOf))].sort((a, b) => a - b);
        return buckets.map((b) => [b, agg(mine.filter((p) => bucketOf(p) === b))]);
      }
      const vals = (ps: MetricPoint[]) => ps.map((p) => p.value);

      test('metricSeries: aggregations per bucket', async () => {
        const cases: [Parameters<Store['metricSeries']>[1]['aggregation'], (ps: MetricPoint[]) => number][] = [
          ['avg', (ps) => vals(ps).reduce((a, b) => a + b, 0) / ps.length],
          ['sum', (ps) => vals(ps).reduce((a, b) => a + b, 0)],
          ['min', (ps) => Math.min(...vals(ps))],
          ['max', (ps) => Math.max(...vals(ps))],
          ['count', (ps) => ps.length],
          ['last', (ps) => [...ps].sort((a, b) => a.timeUs - b.timeUs)[ps.length - 1].value],
          ['p50', (ps) => quantileCont(vals(ps), 0.5)!],
          ['p90', (ps) => quantileCont(vals(ps), 0.9)!],
          ['p95', (ps) => quantileCont(vals(ps), 0.95)!],
          ['p99', (ps) => quantileCont(vals(ps), 0.99)!],
        ];
        for (const [aggregation, fn] of cases) {
          const s = await h.store.metricSeries(PA, { ...RANGE, name: 'system.cpu', stepMs: step, aggregation });
          assert.equal(s.length, 1, aggregation);
          assert.deepEqual(s[0].labels, {});
          const exp = expectAgg('system.cpu', null, fn);
          assert.deepEqual(
            s[0].points.map((p) => p[0]),
            exp.map((p) => p[0]),
            aggregation,
          );
          s[0].points.forEach((p, i) => {
            near(p[1], exp[i][1], `${aggregation} bucket ${i}`);
          });
        }
      });

      test('metricSeries: groupBy labels, label filter, counter rate with reset', async () => {
        const g = await h.store.metricSeries(PA, {
          ...RANGE,
          name: 'system.cpu',
          stepMs: step,
          aggregation: 'max',
          groupBy: ['host'],
        });
        assert.deepEqual(
          g.map((s) => s.labels).sort((a, b) => (a.host < b.host ? -1 : 1)),
          [{ host: 'h1' }, { host: 'h2' }],
        );
        for (const s of g)
          assert.deepEqual(
            s.points,
            expectAgg('system.cpu', s.labels.host, (ps) => Math.max(...vals(ps))),
          );
        const f = await h.store.metricSeries(PA, {
          ...RANGE,
          name: 'system.cpu',
          stepMs: step,
          aggregation: 'avg',
          labels: { host: 'h2' },
        });
        assert.equal(f.length, 1);
        const h2avg = expectAgg('system.cpu', 'h2', (ps) => vals(ps).reduce((a, b) => a + b, 0) / ps.length);
        f[0].points.forEach((p, i) => {
          near(p[1], h2avg[i][1]);
        });
        // rate: per series (full label set) (last − first) per second, or last after a reset, summed.
        const rate = await h.store.metricSeries(PA, {
          ...RANGE,
          name: 'requests.total',
          stepMs: step,
          aggregation: 'rate',
          groupBy: ['route'],
        });
        assert.equal(rate.length, 1);
        assert.deepEqual(rate[0].labels, { route: '/a' });
        const perHost = (host: string, b: number) => {
          const ps = points
            .filter((p) => p.name === 'requests.total' && p.labels.host === host && bucketOf(p) === b)
            .sort((x, y) => x.timeUs - y.timeUs);
          const first = ps[0].value;
          const last = ps[ps.length - 1].value;
          return (last >= first ? last - first : last) / (step / 1000);
        };
        for (const [b, v] of rate[0].points) near(v, perHost('h1', b) + perHost('h2', b), `rate @${b}`);
        assert.deepEqual(
          await h.store.metricSeries('proj-none', { ...RANGE, name: 'system.cpu', stepMs: step, aggregation: 'avg' }),
          [],
        );
      });

      test('latestMetrics: latest point per name and label set under a prefix', async () => {
        const got = await h.store.latestMetrics(PA, RANGE, 'system.');
        const key = (p: MetricPoint) => `${p.name}|${JSON.stringify(p.labels)}`;
        const exp = new Map<string, MetricPoint>();
        for (const p of points.filter((x) => x.name.startsWith('system.'))) {
          const cur = exp.get(key(p));
          if (!cur || cur.timeUs < p.timeUs) exp.set(key(p), p);
        }
        assert.equal(got.length, exp.size);
        for (const g of got) assert.deepEqual(g, exp.get(key(g)));
        assert.deepEqual(await h.store.latestMetrics(PA, RANGE, 'nope.'), []);
        assert.deepEqual(await h.store.latestMetrics('proj-none', RANGE, 'system.'), []);
      });

      test('listLogs: filters and newest-first pagination over timestamp ties', async () => {
        const sortKey = (a: LogRecord, b: LogRecord) => b.timeUs - a.timeUs;
        const asSet = (ls: LogRecord[]) => ls.map((l) => JSON.stringify(l)).sort();
        const allLogs = await allPages((cursor) => h.store.listLogs(PA, { ...RANGE, limit: 4, cursor }));
        assert.equal(allLogs.length, logs.length);
        assert.deepEqual(asSet(allLogs), asSet(logs));
        for (let i = 1; i < allLogs.length; i++) assert.ok(sortKey(allLogs[i - 1], allLogs[i]) <= 0, 'newest first');
        const cases: [Parameters<Store['listLogs']>[1], (l: LogRecord) => boolean][] = [
          [{ ...RANGE, limit: 100, minSeverity: 13 }, (l) => l.severity >= 13],
          [{ ...RANGE, limit: 100, traceId: 'c'.repeat(32) }, (l) => l.traceId === 'c'.repeat(32)],
          [{ ...RANGE, limit: 100, text: 'disk full' }, (l) => l.body.toLowerCase().includes('disk full')],
          [
            { fromUs: T0 + 2_000_000, toUs: T0 + 5_000_000, limit: 100 },
            (l) => l.timeUs >= T0 + 2_000_000 && l.timeUs < T0 + 5_000_000,
          ],
        ];
        for (const [q, pred] of cases) {
          const got = await allPages((cursor) => h.store.listLogs(PA, { ...q, limit: 2, cursor }));
          const exp = logs.filter(pred);
          assert.ok(exp.length > 0 && exp.length < logs.length);
          assert.deepEqual(asSet(got), asSet(exp), JSON.stringify(q));
        }
        const none = await h.store.listLogs('proj-none', { ...RANGE, limit: 10 });
        assert.deepEqual(none, { items: [], nextCursor: null });
      });
    });

    describe('tenancy, keys, anomalies, alerts, retention', () => {
      let h: ContractHandle;
      before(async () => {
        h = await open();
      });
      after(async () => {
        await h.cleanup();
      });

      test('projects', async () => {
        await h.store.createProject({ id: 'p1', name: 'One', createdUs: T0 });
        await h.store.createProject({ id: 'p2', name: 'Two', createdUs: T0 + 1 });
        assert.deepEqual(await h.store.getProject('p2'), { id: 'p2', name: 'Two', createdUs: T0 + 1 });
        assert.equal(await h.store.getProject('p3'), null);
        assert.deepEqual(
          (await h.store.listProjects()).map((p) => p.id),
          ['p1', 'p2'],
        );
        await assert.rejects(h.store.createProject({ id: 'p1', name: 'dup', createdUs: T0 }));
      });

      test('api keys: find by hash, list per project, revoke, touch', async () => {
        const k1: ApiKeyRecord = {
          id: 'k1',
          project: 'p1',
          name: 'ci',
          role: 'ingest',
          prefix: 'vgl_ab12',
          hash: 'a'.repeat(64),
          createdUs: T0,
          lastUsedUs: null,
          revokedUs: null,
        };
        const k2: ApiKeyRecord = { ...k1, id: 'k2', project: 'p2', name: 'admin', role: 'admin', hash: 'b'.repeat(64) };
        await h.store.createApiKey(k1);
        await h.store.createApiKey(k2);
        assert.deepEqual(await h.store.findApiKeyByHash(k1.hash), k1);
        assert.equal(await h.store.findApiKeyByHash('c'.repeat(64)), null);
        assert.deepEqual(await h.store.listApiKeys('p1'), [k1]);
        await assert.rejects(h.store.createApiKey({ ...k1, id: 'k3' }), 'duplicate hash is refused');
        assert.equal(await h.store.revokeApiKey('p2', 'k1', T0 + 5), false, 'cannot revoke across projects');
        assert.equal(await h.store.revokeApiKey('p1', 'k1', T0 + 5), true);
        assert.equal(await h.store.revokeApiKey('p1', 'k1', T0 + 6), false, 'already revoked');
        await h.store.touchApiKey('k2', T0 + 9);
        assert.deepEqual(await h.store.findApiKeyByHash(k1.hash), { ...k1, revokedUs: T0 + 5 });
        assert.deepEqual(await h.store.findApiKeyByHash(k2.hash), { ...k2, lastUsedUs: T0 + 9 });
      });

      test('anomalies: insert and list by range, metric and limit', async () => {
        const an = (i: number, project: string, metricName: string): AnomalyRecord => ({
          id: `${project}-an-${i}`,
          project,
          metric: metricName,
          labels: { model: 'gpt-4o' },
          timeUs: T0 + i * 1_000_000,
          value: 10 + i,
          expected: 5,
          lower: 1,
          upper: 8,
          score: 0.9,
          severity: 'high',
          confidence: 0.75,
          detector: 'ewma',
          description: `spike ${i}`,
          createdUs: T0 + i * 1_000_000 + 1,
        });
        const rows = [0, 1, 2, 3, 4].map((i) => an(i, 'p1', i % 2 ? 'span.p95_ms' : 'span.error_rate'));
        await h.store.insertAnomalies([...rows, an(9, 'p2', 'span.p95_ms')]);
        const all = await h.store.listAnomalies('p1', { ...RANGE, limit: 100 });
        assert.deepEqual(all, [...rows].reverse());
        const one = await h.store.listAnomalies('p1', { ...RANGE, metric: 'span.p95_ms', limit: 1 });
        assert.deepEqual(one, [rows[3]]);
        const ranged = await h.store.listAnomalies('p1', { fromUs: T0 + 1_000_000, toUs: T0 + 3_000_000, limit: 10 });
        assert.deepEqual(ranged, [rows[2], rows[1]]);
      });

      test('alerts: upsert replaces by id, list by state newest-updated first', async () => {
        const base: AlertRecord = {
          id: 'al1',
          project: 'p1',
          ruleId: 'r1',
          name: 'High error rate',
          severity: 'critical',
          state: 'pending',
          message: 'error rate 12%',
          labels: { agent: 'planner' },
          value: 0.12,
          startedUs: T0,
          updatedUs: T0,
          resolvedUs: null,
          acknowledgedBy: null,
        };
        await h.store.upsertAlert(base);
        await h.store.upsertAlert({
          ...base,
          id: 'al2',
          ruleId: null,
          state: 'resolved',
          value: null,
          updatedUs: T0 + 2,
          resolvedUs: T0 + 2,
        });
        await h.store.upsertAlert({ ...base, id: 'al3', project: 'p2', state: 'firing' });
        const firing = {
          ...base,
          state: 'firing' as const,
          value: 3,
          updatedUs: T0 + 5,
          acknowledgedBy: 'ops@example.com',
        };
        await h.store.upsertAlert(firing);
        assert.deepEqual(await h.store.listAlerts('p1', { states: ['firing', 'pending'], limit: 10 }), [firing]);
        const all = await h.store.listAlerts('p1', { limit: 10 });
        assert.deepEqual(
          all.map((a) => a.id),
          ['al1', 'al2'],
        );
        assert.equal(all[1].value, null);
        assert.equal(all[1].resolvedUs, T0 + 2);
        assert.deepEqual(await h.store.listAlerts('p1', { states: ['acknowledged'], limit: 10 }), []);
        assert.equal((await h.store.listAlerts('p1', { limit: 1 })).length, 1);
      });

      test('deleteBefore removes old telemetry of every project and keeps the rest', async () => {
        const old = mkSpan({ traceId: '1'.repeat(32), spanId: '1'.repeat(16), startUs: T0 - 48 * HOUR_US });
        const fresh = mkSpan({ traceId: '2'.repeat(32), spanId: '2'.repeat(16), startUs: T0 + HOUR_US });
        const oldLog: LogRecord = {
          project: PA,
          timeUs: T0 - 48 * HOUR_US,
          severity: 9,
          severityText: 'INFO',
          body: 'old',
          traceId: null,
          spanId: null,
          serviceName: 's',
          attributes: {},
        };
        await write(h.store, {
          spans: [old, fresh, { ...old, project: PB }],
          metrics: [
            metric({ name: 'm', timeUs: T0 - 48 * HOUR_US, value: 1 }),
            metric({ name: 'm', timeUs: T0, value: 2 }),
          ],
          logs: [oldLog, { ...oldLog, timeUs: T0, body: 'new' }],
        });
        const r = await h.store.deleteBefore(T0 - HOUR_US);
        assert.deepEqual(r, { spans: 2, metrics: 1, logs: 1 });
        assert.deepEqual(await h.store.getTrace(PA, old.traceId), []);
        assert.deepEqual(await h.store.getTrace(PB, old.traceId), []);
        assert.deepEqual(await h.store.getTrace(PA, fresh.traceId), [fresh]);
        const logsLeft = await h.store.listLogs(PA, { fromUs: 0, toUs: T0 + HOUR_US, limit: 10 });
        assert.deepEqual(
          logsLeft.items.map((l) => l.body),
          ['new'],
        );
        assert.deepEqual(await h.store.deleteBefore(T0 - HOUR_US), { spans: 0, metrics: 0, logs: 0 });
      });
    });

    alertingStoreContract(name, open);
    insightsStoreContract(name, open);
  });
}
