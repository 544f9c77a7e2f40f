import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SpanRecord } from '../../model/telemetry.js';
import type { PostgresStore } from './postgres-store.js';
import { HOUR_US, histQuantile, rawIntervals } from './rollups.js';
import { agentStats as exactAgentStats } from './telemetry-queries.js';
import { openTestStore } from './test-support.js';

const T0 = Date.UTC(2026, 1, 1) * 1000;
const MODELS = ['gpt-4o', 'claude-3-5-haiku'];

/** Deterministic spans: traces of one agent span and two llm spans, durations spread over decades. */
function makeSpans(n: number, fromUs: number, toUs: number, seed: number, project = 'p'): SpanRecord[] {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const out: SpanRecord[] = [];
  for (let i = 0; i < n; i++) {
    const start = Math.floor(fromUs + ((toUs - fromUs) * i) / n);
    const trace = (seed * 1_000_000 + i).toString(16).padStart(32, '0');
    const agent = `a${i % 3}`;
    const base = {
      project,
      traceId: trace,
      serviceName: 'svc',
      statusMessage: null,
      provider: 'openai',
      agentId: agent,
      agentName: `Agent ${agent}`,
      agentVersion: null,
      sessionId: null,
      userId: null,
      attributes: {},
      events: [],
      input: null,
      output: null,
    };
    out.push({
      ...base,
      spanId: `${trace.slice(16)}`,
      parentSpanId: null,
      name: 'run',
      kind: 'agent',
      startUs: start,
      endUs: start + Math.round(1000 * 10 ** (1 + rnd() * 3)),
      status: rnd() < 0.1 ? 'error' : 'ok',
      model: null,
      provider: null,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
    });
    for (let c = 0; c < 2; c++) {
      out.push({
        ...base,
        spanId: `${trace.slice(17)}${c}`,
        parentSpanId: trace.slice(16),
        name: 'chat',
        kind: 'llm',
        startUs: start + 10,
        endUs: start + 10 + Math.round(1000 * 10 ** (rnd() * 3.5)),
        status: rnd() < 0.05 ? 'error' : 'ok',
        model: MODELS[(i + c) % 2],
        inputTokens: 100 + (i % 50),
        outputTokens: 10 + (i % 7),
        costUsd: 0.0001 * (1 + (i % 13)),
      });
    }
  }
  return out;
}

async function write(store: PostgresStore, spans: SpanRecord[]) {
  const a = store.appender();
  a.spans(spans);
  await a.commit();
}

function closeTo(actual: number | null, expected: number | null, rel: number, msg: string) {
  assert.ok(actual !== null && expected !== null, `${msg}: ${actual} vs ${expected}`);
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-9, `${msg}: ${actual} vs ${expected}`);
}

describe('hourly span rollups', () => {
  let store: PostgresStore;
  let drop: () => Promise<void>;
  const range = { fromUs: T0 + HOUR_US / 2, toUs: T0 + 6 * HOUR_US + HOUR_US / 3 };
  before(async () => {
    ({ store, drop } = await openTestStore());
    await write(store, makeSpans(3000, T0, T0 + 7 * HOUR_US, 1));
    await write(store, makeSpans(200, T0, T0 + 7 * HOUR_US, 2, 'other'));
  });
  after(async () => drop());

  test('rawIntervals covers exactly what the rolled hours do not', () => {
    const h = (k: number) => T0 + k * HOUR_US;
    assert.deepEqual(rawIntervals({ fromUs: h(0) + 5, toUs: h(4) + 7 }, [h(1), h(3)]), [
      [h(0) + 5, h(1)],
      [h(2), h(3)],
      [h(4), h(4) + 7],
    ]);
    assert.deepEqual(rawIntervals({ fromUs: h(1), toUs: h(2) }, [h(1)]), []);
  });

  test('histQuantile interpolates like percentile_cont within 2%', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1 + i * 3.7); // ms
    const h = new Map<number, number>();
    for (const v of values) {
      const b = Math.floor(Math.log(v * 1000) / Math.log(1.02));
      h.set(b, (h.get(b) ?? 0) + 1);
    }
    for (const q of [0.5, 0.95, 0.99]) {
      const pos = (values.length - 1) * q;
      const exact =
        values[Math.floor(pos)] + (values[Math.ceil(pos)] - values[Math.floor(pos)]) * (pos - Math.floor(pos));
      closeTo(histQuantile(h, q), exact, 0.02, `q${q}`);
    }
    assert.equal(histQuantile(new Map(), 0.5), null);
  });

  test('stats from rollups match the exact ones: counts and sums exactly, percentiles within 2%', async () => {
    const exactM = await store.exactModelStats('p', range);
    const exactA = await exactAgentStats(store.sql, store.t, 'p', range);
    const res = await store.refreshRollups({ nowUs: T0 + 30 * HOUR_US, graceMs: 0 });
    assert.equal(res.hours, 14, 'seven hours of two projects');
    assert.deepEqual(await store.refreshRollups({ nowUs: T0 + 30 * HOUR_US, graceMs: 0 }), { hours: 0 });
    const m = await store.modelStats('p', range);
    const a = await store.agentStats('p', range);
    assert.equal(m.calls, exactM.calls);
    assert.equal(m.errors, exactM.errors);
    assert.equal(m.inputTokens, exactM.inputTokens);
    assert.equal(m.outputTokens, exactM.outputTokens);
    closeTo(m.costUsd, exactM.costUsd, 1e-9, 'cost');
    closeTo(m.averageLatencyMs, exactM.averageLatencyMs, 1e-9, 'avg');
    for (const k of ['p50', 'p95', 'p99'] as const) closeTo(m[k], exactM[k], 0.02, k);
    assert.deepEqual(
      m.byModel.map((r) => [r.model, r.provider, r.calls]),
      exactM.byModel.map((r) => [r.model, r.provider, r.calls]),
    );
    for (const r of m.byModel)
      closeTo(r.p95, exactM.byModel.find((e) => e.model === r.model)!.p95, 0.02, `${r.model} p95`);
    assert.equal(a.totalRuns, exactA.totalRuns);
    assert.equal(a.failedRuns, exactA.failedRuns);
    closeTo(a.averageRunMs, exactA.averageRunMs, 1e-9, 'avg run');
    assert.deepEqual(
      a.byAgent.map((r) => [r.agentId, r.agentName, r.runs, r.errors]),
      exactA.byAgent.map((r) => [r.agentId, r.agentName, r.runs, r.errors]),
    );
    for (const r of a.byAgent) {
      const e = exactA.byAgent.find((x) => x.agentId === r.agentId)!;
      closeTo(r.p50Ms, e.p50Ms, 0.02, `${r.agentId} p50`);
      closeTo(r.costUsd, e.costUsd, 1e-9, `${r.agentId} cost`);
    }
  });

  test('spanSeries with whole-hour steps reads rollups and gives exactly the raw numbers', async () => {
    const { spanSeries: rawSeries } = await import('./telemetry-queries.js');
    const r = { fromUs: T0 - HOUR_US, toUs: T0 + 8 * HOUR_US + 123 };
    const cases: Parameters<PostgresStore['spanSeries']>[1][] = [
      { ...r, stepMs: 3_600_000, measure: 'count' },
      { ...r, stepMs: 7_200_000, measure: 'error_rate', groupBy: 'model' },
      { ...r, stepMs: 3_600_000, measure: 'avg_ms', kind: 'agent' },
      { ...r, stepMs: 10_800_000, measure: 'cost', groupBy: 'agent', agent: 'Agent a1' },
      { ...r, stepMs: 3_600_000, measure: 'tokens', groupBy: 'provider', model: 'gpt-4o' },
    ];
    for (const q of cases) {
      const got = await store.spanSeries('p', q);
      const exp = await rawSeries(store.sql, store.t, 'p', q);
      const norm = (ss: typeof got) =>
        ss
          .map((s) => ({ labels: s.labels, points: s.points.map(([b, v]) => [b, Math.round(v * 1e9) / 1e9]) }))
          .sort((a, b) => (JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1));
      assert.deepEqual(norm(got), norm(exp), JSON.stringify(q));
      assert.ok(got.length > 0);
    }
  });

  test('late spans in a rolled-up hour are counted at once and rolled up again', async () => {
    const late = makeSpans(50, T0 + 2 * HOUR_US, T0 + 2 * HOUR_US + 1000, 3);
    await write(store, late);
    const exact = await store.exactModelStats('p', range);
    assert.equal((await store.modelStats('p', range)).calls, exact.calls, 'dirty hour read raw');
    assert.deepEqual(await store.refreshRollups({ nowUs: T0 + 30 * HOUR_US, graceMs: 0 }), { hours: 1 });
    assert.equal((await store.modelStats('p', range)).calls, exact.calls, 'after re-rollup');
  });

  test('commits racing the rollup job never lose spans', async () => {
    const hour = T0 + 4 * HOUR_US;
    let stop = false;
    const job = (async () => {
      let runs = 0;
      while (!stop) {
        await store.refreshRollups({ nowUs: T0 + 30 * HOUR_US, graceMs: 0 });
        runs++;
      }
      return runs;
    })();
    const writers = [0, 1, 2].map(async (w) => {
      for (let i = 0; i < 8; i++) await write(store, makeSpans(20, hour, hour + HOUR_US - 1, 100 + w * 10 + i));
    });
    await Promise.all(writers);
    stop = true;
    assert.ok((await job) > 0);
    await store.refreshRollups({ nowUs: T0 + 30 * HOUR_US, graceMs: 0 });
    const exact = await store.exactModelStats('p', range);
    const rolled = await store.modelStats('p', range);
    assert.equal(rolled.calls, exact.calls);
    assert.equal(rolled.inputTokens, exact.inputTokens);
  });

  test('retention trims rollups with the spans', async () => {
    const cut = T0 + 3 * HOUR_US + HOUR_US / 2;
    await store.deleteBefore(cut);
    await store.refreshRollups({ nowUs: T0 + 30 * HOUR_US, graceMs: 0 });
    const r = { fromUs: T0, toUs: T0 + 7 * HOUR_US };
    const exact = await store.exactModelStats('p', r);
    const rolled = await store.modelStats('p', r);
    assert.equal(rolled.calls, exact.calls);
    assert.ok(exact.calls > 0);
  });
});
