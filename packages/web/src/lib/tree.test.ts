import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Span } from '../api/types.js';
import { buildTree, visibleRows } from './tree.js';

function span(id: string, parent: string | null, start: number, end: number, extra: Partial<Span> = {}): Span {
  return {
    traceId: 't'.repeat(32),
    spanId: id,
    parentSpanId: parent,
    name: id,
    kind: 'internal',
    startTime: new Date(start).toISOString(),
    endTime: new Date(end).toISOString(),
    durationMs: end - start,
    status: 'ok',
    statusMessage: null,
    serviceName: 'svc',
    model: null,
    provider: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    agentId: null,
    agentName: null,
    agentVersion: null,
    sessionId: null,
    userId: null,
    attributes: {},
    events: [],
    input: null,
    output: null,
    ...extra,
  };
}

describe('buildTree', () => {
  test('nests children by start, rolls up tokens, cost and errors', () => {
    const t = buildTree([
      span('c2', 'r', 1500, 1800, { inputTokens: 5, costUsd: 0.5, status: 'error' }),
      span('r', null, 1000, 2000),
      span('c1', 'r', 1100, 1400, { inputTokens: 10, outputTokens: 3, costUsd: 0.25 }),
      span('g', 'c1', 1200, 1300, { outputTokens: 7 }),
    ]);
    assert.equal(t.roots.length, 1);
    const r = t.roots[0];
    assert.deepEqual(
      r.children.map((c) => c.span.spanId),
      ['c1', 'c2'],
    );
    assert.equal(t.byId.get('g')!.depth, 2);
    assert.deepEqual(r.rollup, { inputTokens: 15, outputTokens: 10, costUsd: 0.75, errors: 1, spans: 4 });
    assert.equal(t.startMs, 1000);
    assert.equal(t.endMs, 2000);
  });

  test('orphans become roots and collapsing hides descendants', () => {
    const t = buildTree([span('a', null, 0, 10), span('b', 'a', 1, 5), span('x', 'missing', 2, 3)]);
    assert.deepEqual(
      t.roots.map((n) => n.span.spanId),
      ['a', 'x'],
    );
    assert.deepEqual(
      visibleRows(t, new Set()).map((n) => n.span.spanId),
      ['a', 'b', 'x'],
    );
    assert.deepEqual(
      visibleRows(t, new Set(['a'])).map((n) => n.span.spanId),
      ['a', 'x'],
    );
  });

  test('handles a 5,000-deep chain without recursion limits', () => {
    const spans = Array.from({ length: 5000 }, (_, i) =>
      span(`s${i}`, i ? `s${i - 1}` : null, i, 10_000 - i, { costUsd: 0.001 }),
    );
    const t = buildTree(spans);
    assert.equal(t.roots[0].rollup.spans, 5000);
    assert.equal(visibleRows(t, new Set()).length, 5000);
  });
});
