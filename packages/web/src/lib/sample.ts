/**
 * Client-side roll-ups over a sample of recent traces, for views the API has no aggregate
 * endpoint for yet (tools per agent, error groups, service map, cost per user). Each caller says
 * how many traces it looked at so the page can label results as sampled.
 */
import { mapLimit } from '../api/client.js';
import { getTrace, listTraces, type TraceFilters } from '../api/queries.js';
import type { Span, TraceSummary } from '../api/types.js';

export interface TraceSample {
  summaries: TraceSummary[];
  spans: Span[];
  /** Traces whose spans were fetched. */
  traces: number;
  /** True when more traces matched than were fetched. */
  partial: boolean;
}

export async function sampleTraces(
  range: { from: number; to: number },
  filters: TraceFilters,
  opts: { traces: number; signal?: AbortSignal; list?: number },
): Promise<TraceSample> {
  const page = await listTraces(range, filters, { limit: Math.max(opts.traces, opts.list ?? 0), signal: opts.signal });
  const picked = page.items.slice(0, opts.traces);
  const details = await mapLimit(picked, 6, (t) => getTrace(t.traceId, opts.signal).catch(() => null));
  const spans: Span[] = [];
  for (const d of details) if (d) spans.push(...d.spans);
  return {
    summaries: page.items,
    spans,
    traces: picked.length,
    partial: page.nextCursor !== null || page.items.length > picked.length,
  };
}

/** Replaces ids, numbers and quoted values so messages that differ only in data group together. */
export function normaliseMessage(msg: string): string {
  return msg
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<id>')
    .replace(/(["'])(?:(?!\1).){1,200}\1/g, '<str>')
    .replace(/\d+(?:\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

export interface ErrorGroup {
  key: string;
  type: string;
  message: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  kinds: Set<string>;
  services: Set<string>;
  models: Set<string>;
  examples: { traceId: string; spanId: string; time: number }[];
  times: number[];
}

import { toMs } from '../api/types.js';

/** Groups error spans by exception type and normalised message. */
export function groupErrors(spans: Span[]): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>();
  for (const s of spans) {
    if (s.status !== 'error') continue;
    const ex = (s.events ?? []).find((e) => e.name === 'exception');
    const type = String(ex?.attributes?.['exception.type'] ?? s.attributes?.['error.type'] ?? `${s.kind} error`);
    const raw = String(ex?.attributes?.['exception.message'] ?? s.statusMessage ?? '(no message)');
    const message = normaliseMessage(raw);
    const key = `${type}\u0000${message}`;
    const t = toMs(s.startTime) ?? 0;
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        type,
        message,
        count: 0,
        firstSeen: t,
        lastSeen: t,
        kinds: new Set(),
        services: new Set(),
        models: new Set(),
        examples: [],
        times: [],
      };
      groups.set(key, g);
    }
    g.count++;
    g.firstSeen = Math.min(g.firstSeen, t);
    g.lastSeen = Math.max(g.lastSeen, t);
    g.kinds.add(s.kind);
    g.services.add(s.serviceName);
    if (s.model) g.models.add(s.model);
    g.times.push(t);
    if (g.examples.length < 5 && !g.examples.some((e) => e.traceId === s.traceId)) {
      g.examples.push({ traceId: s.traceId, spanId: s.spanId, time: t });
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

export interface MapNode {
  id: string;
  label: string;
  type: 'service' | 'agent' | 'model' | 'tool' | 'retrieval' | 'embedding' | 'http' | 'chain' | 'internal';
  calls: number;
  errors: number;
}

export interface MapEdge {
  from: string;
  to: string;
  calls: number;
  errors: number;
  totalMs: number;
}

/** What a span represents on the service map. Internal/chain spans fold into their parent's node. */
export function nodeOf(s: Span): { id: string; label: string; type: MapNode['type'] } | null {
  switch (s.kind) {
    case 'agent': {
      const name = s.agentName ?? s.agentId ?? s.name;
      return { id: `agent:${name}`, label: name, type: 'agent' };
    }
    case 'llm':
      return { id: `model:${s.model ?? s.name}`, label: s.model ?? s.name, type: 'model' };
    case 'embedding':
      return { id: `model:${s.model ?? s.name}`, label: s.model ?? s.name, type: 'model' };
    case 'tool':
      return { id: `tool:${s.name}`, label: s.name, type: 'tool' };
    case 'retrieval':
      return { id: `retrieval:${s.name}`, label: s.name, type: 'retrieval' };
    case 'http': {
      const host = String(
        s.attributes?.['server.address'] ?? s.attributes?.['http.host'] ?? s.attributes?.['net.peer.name'] ?? s.name,
      );
      return { id: `http:${host}`, label: host, type: 'http' };
    }
    default:
      return null;
  }
}

/** Derives who-calls-whom from spans: each span's node is linked from its nearest ancestor node. */
export function buildServiceMap(spans: Span[]): { nodes: MapNode[]; edges: MapEdge[] } {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const nodes = new Map<string, MapNode>();
  const edges = new Map<string, MapEdge>();
  const resolved = new Map<string, { id: string } | null>();
  const ownerOf = (s: Span): string => {
    // Nearest ancestor (or self) that is a node; the service is the node of last resort.
    let cur: Span | undefined = s;
    for (let hops = 0; cur && hops < 1000; hops++) {
      const n = nodeOf(cur);
      if (n) return n.id;
      cur = cur.parentSpanId ? byId.get(cur.parentSpanId) : undefined;
    }
    return `service:${s.serviceName}`;
  };
  const touch = (id: string, label: string, type: MapNode['type']) => {
    let n = nodes.get(id);
    if (!n) {
      n = { id, label, type, calls: 0, errors: 0 };
      nodes.set(id, n);
    }
    return n;
  };
  for (const s of spans) {
    const own = nodeOf(s);
    if (!own) continue;
    const node = touch(own.id, own.label, own.type);
    node.calls++;
    if (s.status === 'error') node.errors++;
    const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
    let from: string;
    if (parent) from = ownerOf(parent);
    else {
      from = `service:${s.serviceName}`;
      touch(from, s.serviceName, 'service');
    }
    if (from === own.id) continue;
    if (from.startsWith('service:')) touch(from, from.slice(8), 'service');
    const k = `${from}\u0000${own.id}`;
    let e = edges.get(k);
    if (!e) {
      e = { from, to: own.id, calls: 0, errors: 0, totalMs: 0 };
      edges.set(k, e);
    }
    e.calls++;
    if (s.status === 'error') e.errors++;
    e.totalMs += s.durationMs ?? 0;
  }
  resolved.clear();
  return { nodes: [...nodes.values()], edges: [...edges.values()].sort((a, b) => b.calls - a.calls) };
}
