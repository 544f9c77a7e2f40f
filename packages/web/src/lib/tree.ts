/** Builds the span tree of one trace and rolls tokens, cost and errors up through it. */
import { type Span, toMs } from '../api/types.js';

export interface SpanNode {
  span: Span;
  startMs: number;
  endMs: number;
  depth: number;
  children: SpanNode[];
  /** Totals over this span and all its descendants. */
  rollup: { inputTokens: number; outputTokens: number; costUsd: number; errors: number; spans: number };
}

export interface SpanTree {
  roots: SpanNode[];
  byId: Map<string, SpanNode>;
  startMs: number;
  endMs: number;
}

export function buildTree(spans: Span[]): SpanTree {
  const byId = new Map<string, SpanNode>();
  for (const span of spans) {
    const startMs = toMs(span.startTime) ?? 0;
    const endMs = toMs(span.endTime) ?? startMs + (span.durationMs ?? 0);
    byId.set(span.spanId, {
      span,
      startMs,
      endMs: Math.max(endMs, startMs),
      depth: 0,
      children: [],
      rollup: { inputTokens: 0, outputTokens: 0, costUsd: 0, errors: 0, spans: 0 },
    });
  }
  const roots: SpanNode[] = [];
  for (const n of byId.values()) {
    const parent = n.span.parentSpanId ? byId.get(n.span.parentSpanId) : undefined;
    // A span whose parent is missing (not yet arrived, or in another service's trace) is shown as a root.
    if (parent && parent !== n) parent.children.push(n);
    else roots.push(n);
  }
  const byStart = (a: SpanNode, b: SpanNode) => a.startMs - b.startMs;
  roots.sort(byStart);
  // Iterative DFS: depths, child order, and a post-order list for roll-ups (no recursion limit).
  const order: SpanNode[] = [];
  const stack = roots.map((r) => r).reverse();
  const seen = new Set<SpanNode>();
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue; // guards against parent cycles in bad data
    seen.add(n);
    order.push(n);
    n.children.sort(byStart);
    for (let i = n.children.length - 1; i >= 0; i--) {
      n.children[i].depth = n.depth + 1;
      stack.push(n.children[i]);
    }
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    const r = n.rollup;
    r.inputTokens += n.span.inputTokens ?? 0;
    r.outputTokens += n.span.outputTokens ?? 0;
    r.costUsd += n.span.costUsd ?? 0;
    r.errors += n.span.status === 'error' ? 1 : 0;
    r.spans += 1;
    for (const c of n.children) {
      if (!seen.has(c)) continue;
      r.inputTokens += c.rollup.inputTokens;
      r.outputTokens += c.rollup.outputTokens;
      r.costUsd += c.rollup.costUsd;
      r.errors += c.rollup.errors;
      r.spans += c.rollup.spans;
    }
  }
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  for (const n of byId.values()) {
    if (n.startMs < startMs) startMs = n.startMs;
    if (n.endMs > endMs) endMs = n.endMs;
  }
  if (!Number.isFinite(startMs)) startMs = endMs = 0;
  return { roots, byId, startMs, endMs };
}

/** The rows currently visible given which nodes are collapsed, in display order. */
export function visibleRows(tree: SpanTree, collapsed: Set<string>): SpanNode[] {
  const out: SpanNode[] = [];
  const stack = [...tree.roots].reverse();
  const seen = new Set<SpanNode>();
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    out.push(n);
    if (collapsed.has(n.span.spanId)) continue;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return out;
}
