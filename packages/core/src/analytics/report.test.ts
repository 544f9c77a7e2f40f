import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spanFixture } from '../model/span-fixture.js';
import type { SpanRecord } from '../model/telemetry.js';
import { criticalPath } from './critical-path.js';
import { createPerformanceReport } from './report.js';

let counter = 0;
function span(p: Partial<SpanRecord> & { startUs: number; endUs: number }): SpanRecord {
  counter++;
  return spanFixture({ traceId: 't'.repeat(32), spanId: counter.toString(16).padStart(16, '0'), name: 'op', ...p });
}

/** One agent run: plan (llm) → search tool and a parallel cheap lookup → answer (llm). */
function run(i: number, base: number, opts: { searchMs: number; fail?: boolean; model?: string }): SpanRecord[] {
  const traceId = i.toString(16).padStart(32, '0');
  const t = base + i * 10_000_000;
  const root = span({
    traceId,
    name: 'run',
    kind: 'agent',
    agentName: 'planner',
    startUs: t,
    endUs: t + 1_000_000 + opts.searchMs * 1000,
  });
  const plan = span({
    traceId,
    parentSpanId: root.spanId,
    name: 'chat',
    kind: 'llm',
    model: opts.model ?? 'gpt-4o',
    startUs: t,
    endUs: t + 400_000,
    costUsd: 0.01,
    inputTokens: 9000,
    outputTokens: 100,
  });
  const search = span({
    traceId,
    parentSpanId: root.spanId,
    name: 'web_search',
    kind: 'tool',
    startUs: t + 400_000,
    endUs: t + 400_000 + opts.searchMs * 1000,
    status: opts.fail ? 'error' : 'ok',
    statusMessage: opts.fail ? 'timeout' : null,
  });
  const lookup = span({
    traceId,
    parentSpanId: root.spanId,
    name: 'kv_lookup',
    kind: 'tool',
    startUs: t + 400_000,
    endUs: t + 450_000,
  });
  const answer = span({
    traceId,
    parentSpanId: root.spanId,
    name: 'chat',
    kind: 'llm',
    model: 'gpt-4o-mini',
    startUs: t + 400_000 + opts.searchMs * 1000,
    endUs: t + 1_000_000 + opts.searchMs * 1000,
    costUsd: 0.0005,
    inputTokens: 500,
    outputTokens: 50,
  });
  return [root, plan, search, lookup, answer];
}

describe('performance report', () => {
  test('critical path follows the blocking chain, not the parallel side call', () => {
    const spans = run(1, 0, { searchMs: 2000 });
    const cp = criticalPath(spans);
    const byName = Object.fromEntries(cp.map((s) => [`${s.span.kind}:${s.span.model ?? s.span.name}`, s.selfUs]));
    assert.equal(byName['tool:web_search'], 2_000_000);
    assert.equal(byName['llm:gpt-4o'], 400_000);
    assert.equal(byName['llm:gpt-4o-mini'], 600_000);
    assert.equal(byName['tool:kv_lookup'], undefined);
    assert.equal(
      cp.reduce((a, s) => a + s.selfUs, 0),
      3_000_000,
    );
    assert.deepEqual(criticalPath([]), []);
  });

  test('slowest, hot spots, bottlenecks, cost drivers, regressions and recommendations, with numbers', () => {
    const prev = Array.from({ length: 40 }, (_, i) => run(i, 0, { searchMs: 500 + (i % 5) * 10 })).flat();
    const base = 1_000_000_000;
    const cur = Array.from({ length: 40 }, (_, i) =>
      run(i, base, { searchMs: 2000 + (i % 5) * 10, fail: i % 4 === 0 }),
    ).flat();
    const r = createPerformanceReport({
      spans: cur,
      timeRange: { fromUs: base, toUs: base + 1e9 },
      previous: { spans: prev },
      sloMs: 2500,
      metrics: Array.from({ length: 20 }, (_, i) => ({
        project: 'p',
        name: 'system.cpu.usage',
        type: 'gauge' as const,
        unit: '%',
        timeUs: base + i * 1e6,
        value: 90 + (i % 3),
        histogram: null,
        labels: {},
        serviceName: 'svc',
      })),
    });
    assert.equal(r.summary.traces, 40);
    assert.equal(r.summary.errors, 10);
    assert.equal(r.slowest.tools[0].key, 'web_search');
    assert.equal(r.errorHotSpots[0].key, 'tool:web_search');
    assert.deepEqual(r.errorHotSpots[0].topMessages, [{ message: 'timeout', count: 10 }]);
    assert.equal(r.bottlenecks[0].operation, 'tool:web_search');
    assert.ok(r.bottlenecks[0].criticalPathShare > 0.6);
    assert.equal(r.costDrivers.byModel[0].key, 'gpt-4o');
    assert.ok(r.costDrivers.byModel[0].share > 0.9);
    assert.ok(r.regressions.some((g) => g.key === 'tool:web_search' && g.measure === 'p95_ms' && g.changePct > 200));
    assert.ok(r.regressions.some((g) => g.key === 'tool:web_search' && g.measure === 'error_rate'));
    const kinds = new Set(r.recommendations.map((x) => x.kind));
    for (const k of ['reliability', 'latency', 'cost', 'regression', 'slo', 'capacity'])
      assert.ok(kinds.has(k as never), `missing ${k}`);
    const rel = r.recommendations.find((x) => x.kind === 'reliability')!;
    assert.match(rel.detail, /10 of 40 calls failed \(25%\); most common: "timeout" \(10×\)/);
    assert.equal(r.metrics[0].name, 'system.cpu.usage');
    assert.ok(!JSON.stringify(r).includes('NaN'));
  });

  test('empty and malformed input give an empty report, not a crash', () => {
    const r = createPerformanceReport({ logs: [], timeRange: { fromUs: 0, toUs: 10 } });
    assert.equal(r.summary.spans, 0);
    assert.equal(r.summary.p95Ms, null);
    assert.deepEqual(r.recommendations, []);
    const broken = createPerformanceReport({
      spans: [span({ startUs: 5, endUs: 1 }), span({ startUs: Number.NaN, endUs: 3 })],
      timeRange: { fromUs: 0, toUs: 10 },
    });
    assert.equal(broken.summary.spans, 0);
    assert.throws(() => createPerformanceReport({ timeRange: { fromUs: 10, toUs: 0 } }), /timeRange/);
  });
});
