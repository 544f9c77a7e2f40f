/**
 * Critical path of a trace: the chain of spans that determined its end-to-end duration. Starting
 * at the root, time is attributed to the span itself except where a child was running that the
 * parent was waiting on; we walk children backwards from the parent's end, always following the
 * child that finished last before the current point (the standard "last-finishing child" rule).
 */
import type { SpanRecord } from '../model/telemetry.js';

export interface CriticalSegment {
  span: SpanRecord;
  /** Microseconds of the trace's critical path spent in this span itself (not in children). */
  selfUs: number;
}

export function criticalPath(spans: readonly SpanRecord[]): CriticalSegment[] {
  if (spans.length === 0) return [];
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, SpanRecord[]>();
  const roots: SpanRecord[] = [];
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const arr = children.get(s.parentSpanId);
      if (arr) arr.push(s);
      else children.set(s.parentSpanId, [s]);
    } else roots.push(s);
  }
  // The trace's root: the parentless span that lasts longest (orphans are treated as roots).
  const root = roots.reduce((a, b) => (b.endUs - b.startUs > a.endUs - a.startUs ? b : a));
  const out = new Map<string, CriticalSegment>();
  const visiting = new Set<string>();
  const add = (s: SpanRecord, us: number) => {
    if (us <= 0) return;
    const seg = out.get(s.spanId);
    if (seg) seg.selfUs += us;
    else out.set(s.spanId, { span: s, selfUs: us });
  };
  const walk = (s: SpanRecord, from: number, to: number) => {
    if (visiting.has(s.spanId)) return; // a cycle in bad data
    visiting.add(s.spanId);
    const kids = (children.get(s.spanId) ?? [])
      .filter((c) => c.endUs > from && c.startUs < to)
      .sort((a, b) => b.endUs - a.endUs);
    let cursor = to;
    for (const c of kids) {
      if (c.endUs > cursor) continue; // overlaps the part of the path already attributed
      if (c.endUs <= from) break;
      add(s, cursor - c.endUs);
      const cStart = Math.max(c.startUs, from);
      walk(c, cStart, c.endUs);
      cursor = cStart;
      if (cursor <= from) break;
    }
    add(s, cursor - from);
    visiting.delete(s.spanId);
  };
  walk(root, root.startUs, root.endUs);
  return [...out.values()];
}
