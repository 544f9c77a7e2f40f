/**
 * createPerformanceReport: a performance review of a time range, pure over span and metric
 * records: the slowest agents, tools and models, error hot spots, what sits on the critical path
 * of traces, what drives cost, regressions against the previous period (with significance tests),
 * and concrete recommendations, each carrying the numbers that justify it.
 */
import type { MetricPoint, SpanRecord } from '../model/telemetry.js';
import type { TimeRange } from '../store/store.js';
import { criticalPath } from './critical-path.js';
import { formatValue } from './format.js';
import { mannWhitneyU } from './hypothesis.js';
import { normalTail, quantileSorted } from './stats.js';
import { detectTrend } from './trend.js';

export interface PerformanceReportInput {
  /** Spans of the period (the "logs" of agent runs, LLM calls and tool calls). */
  spans?: readonly SpanRecord[];
  /** Alias of spans, for callers using the older name. */
  logs?: readonly SpanRecord[];
  metrics?: readonly MetricPoint[];
  timeRange: TimeRange;
  /** Spans of the previous period of equal length, for regressions. */
  previous?: { spans?: readonly SpanRecord[] };
  /** Latency objective (ms) for p95 checks, e.g. 2000. */
  sloMs?: number;
  /** Groups with fewer calls than this are left out of rankings (default 5). */
  minCalls?: number;
}

export interface GroupStats {
  key: string;
  kind: string;
  calls: number;
  errors: number;
  errorRate: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

export interface Recommendation {
  kind: 'reliability' | 'latency' | 'cost' | 'regression' | 'capacity' | 'slo';
  severity: 'info' | 'warning' | 'critical';
  title: string;
  detail: string;
  evidence: Record<string, number | string>;
}

export interface Regression {
  key: string;
  measure: 'p95_ms' | 'error_rate' | 'cost_per_call';
  previous: number;
  current: number;
  changePct: number;
  pValue: number;
}

export interface PerformanceReport {
  range: { fromUs: number; toUs: number };
  summary: {
    spans: number;
    traces: number;
    errors: number;
    errorRate: number | null;
    p50Ms: number | null;
    p95Ms: number | null;
    costUsd: number;
    inputTokens: number;
    outputTokens: number;
  };
  slowest: { agents: GroupStats[]; tools: GroupStats[]; models: GroupStats[] };
  errorHotSpots: (GroupStats & { topMessages: { message: string; count: number }[] })[];
  bottlenecks: { operation: string; criticalPathShare: number; criticalPathMs: number; traces: number }[];
  costDrivers: { byModel: (GroupStats & { share: number })[]; byAgent: (GroupStats & { share: number })[] };
  regressions: Regression[];
  metrics: {
    name: string;
    points: number;
    avg: number;
    p95: number;
    last: number;
    trend: 'increasing' | 'decreasing' | 'flat';
  }[];
  recommendations: Recommendation[];
}

const durMs = (s: SpanRecord) => Math.max(0, (s.endUs - s.startUs) / 1000);

function groupStats(key: string, kind: string, spans: readonly SpanRecord[]): GroupStats {
  const d = Float64Array.from(spans.map(durMs)).sort();
  const errors = spans.filter((s) => s.status === 'error').length;
  let cost = 0;
  let inTok = 0;
  let outTok = 0;
  let total = 0;
  for (const s of spans) {
    cost += s.costUsd ?? 0;
    inTok += s.inputTokens ?? 0;
    outTok += s.outputTokens ?? 0;
  }
  for (const x of d) total += x;
  return {
    key,
    kind,
    calls: spans.length,
    errors,
    errorRate: spans.length ? errors / spans.length : 0,
    avgMs: spans.length ? total / spans.length : 0,
    p50Ms: quantileSorted(d, 0.5) || 0,
    p95Ms: quantileSorted(d, 0.95) || 0,
    p99Ms: quantileSorted(d, 0.99) || 0,
    costUsd: cost,
    inputTokens: inTok,
    outputTokens: outTok,
  };
}

function groupBy(spans: readonly SpanRecord[], keyOf: (s: SpanRecord) => string | null): Map<string, SpanRecord[]> {
  const m = new Map<string, SpanRecord[]>();
  for (const s of spans) {
    const k = keyOf(s);
    if (k === null) continue;
    const arr = m.get(k);
    if (arr) arr.push(s);
    else m.set(k, [s]);
  }
  return m;
}

const agentKey = (s: SpanRecord) => (s.kind === 'agent' ? (s.agentName ?? s.agentId ?? s.name) : null);
const toolKey = (s: SpanRecord) => (s.kind === 'tool' || s.kind === 'retrieval' ? s.name : null);
const modelKey = (s: SpanRecord) => (s.kind === 'llm' || s.model ? (s.model ?? s.name) : null);
const opKey = (s: SpanRecord) => `${s.kind}:${s.kind === 'llm' && s.model ? s.model : s.name}`;

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const ms = (x: number) => formatValue(x, 'ms');
const usd = (x: number) => formatValue(x, 'usd');
const pctTxt = (x: number) => `${round(x * 100, 1)}%`;

export function createPerformanceReport(input: PerformanceReportInput): PerformanceReport {
  const { fromUs, toUs } = input.timeRange;
  if (!(Number.isFinite(fromUs) && Number.isFinite(toUs) && fromUs <= toUs))
    throw new RangeError('timeRange must have fromUs ≤ toUs');
  const minCalls = Math.max(1, input.minCalls ?? 5);
  const inRange = (s: SpanRecord) =>
    s.startUs >= fromUs && s.startUs < toUs && Number.isFinite(s.endUs) && s.endUs >= s.startUs;
  const spans = (input.spans ?? input.logs ?? []).filter(inRange);
  const prevSpans = (input.previous?.spans ?? []).filter((s) => Number.isFinite(s.startUs) && s.endUs >= s.startUs);

  const all = groupStats('all', 'all', spans);
  const traces = new Set(spans.map((s) => s.traceId)).size;
  const rank = (m: Map<string, SpanRecord[]>, kind: string) =>
    [...m]
      .map(([k, v]) => groupStats(k, kind, v))
      .filter((g) => g.calls >= minCalls)
      .sort((a, b) => b.p95Ms - a.p95Ms);
  const agents = rank(groupBy(spans, agentKey), 'agent');
  const tools = rank(groupBy(spans, toolKey), 'tool');
  const models = rank(groupBy(spans, modelKey), 'model');

  // Error hot spots: operations by error count, with their commonest messages.
  const ops = groupBy(spans, opKey);
  const errorHotSpots = [...ops]
    .map(([k, v]) => {
      const g = groupStats(k, k.split(':')[0], v);
      const msgs = new Map<string, number>();
      for (const s of v)
        if (s.status === 'error')
          msgs.set(s.statusMessage ?? '(no message)', (msgs.get(s.statusMessage ?? '(no message)') ?? 0) + 1);
      const topMessages = [...msgs]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([message, count]) => ({ message, count }));
      return { ...g, topMessages };
    })
    .filter((g) => g.errors > 0)
    .sort((a, b) => b.errors - a.errors || b.errorRate - a.errorRate)
    .slice(0, 10);

  // Bottlenecks: share of all traces' critical-path time per operation.
  const byTrace = groupBy(spans, (s) => s.traceId);
  const cp = new Map<string, { us: number; traces: Set<string> }>();
  let cpTotal = 0;
  for (const [traceId, ts] of byTrace) {
    for (const seg of criticalPath(ts)) {
      const k = opKey(seg.span);
      const e = cp.get(k) ?? { us: 0, traces: new Set<string>() };
      e.us += seg.selfUs;
      e.traces.add(traceId);
      cp.set(k, e);
      cpTotal += seg.selfUs;
    }
  }
  const bottlenecks = [...cp]
    .map(([operation, e]) => ({
      operation,
      criticalPathShare: cpTotal > 0 ? round(e.us / cpTotal, 4) : 0,
      criticalPathMs: round(e.us / 1000, 1),
      traces: e.traces.size,
    }))
    .sort((a, b) => b.criticalPathMs - a.criticalPathMs)
    .slice(0, 10);

  const totalCost = all.costUsd;
  const costRank = (m: Map<string, SpanRecord[]>, kind: string) =>
    [...m]
      .map(([k, v]) => groupStats(k, kind, v))
      .map((g) => ({ ...g, share: totalCost > 0 ? round(g.costUsd / totalCost, 4) : 0 }))
      .filter((g) => g.costUsd > 0)
      .sort((a, b) => b.costUsd - a.costUsd)
      .slice(0, 10);
  const costByModel = costRank(
    groupBy(spans, (s) => (s.costUsd ? (s.model ?? s.name) : null)),
    'model',
  );
  const costByAgent = costRank(
    groupBy(spans, (s) => (s.costUsd ? (s.agentName ?? s.agentId ?? null) : null)),
    'agent',
  );

  const regressions = findRegressions(spans, prevSpans, minCalls);
  const metrics = summarizeMetrics(input.metrics ?? [], fromUs, toUs);

  const report: PerformanceReport = {
    range: { fromUs, toUs },
    summary: {
      spans: spans.length,
      traces,
      errors: all.errors,
      errorRate: spans.length ? round(all.errorRate, 4) : null,
      p50Ms: spans.length ? round(all.p50Ms, 1) : null,
      p95Ms: spans.length ? round(all.p95Ms, 1) : null,
      costUsd: round(totalCost, 6),
      inputTokens: all.inputTokens,
      outputTokens: all.outputTokens,
    },
    slowest: { agents: agents.slice(0, 5), tools: tools.slice(0, 5), models: models.slice(0, 5) },
    errorHotSpots,
    bottlenecks,
    costDrivers: { byModel: costByModel, byAgent: costByAgent },
    regressions,
    metrics,
    recommendations: [],
  };
  report.recommendations = recommend(report, models, input.sloMs);
  return report;
}

function findRegressions(cur: readonly SpanRecord[], prev: readonly SpanRecord[], minCalls: number): Regression[] {
  if (prev.length === 0) return [];
  const out: Regression[] = [];
  const c = groupBy(cur, opKey);
  const p = groupBy(prev, opKey);
  for (const [k, now] of c) {
    const before = p.get(k);
    if (!before || now.length < minCalls || before.length < minCalls) continue;
    const gNow = groupStats(k, '', now);
    const gBefore = groupStats(k, '', before);
    // Latency: a rank test on durations (robust to the long tails latencies have).
    const u = mannWhitneyU(before.map(durMs), now.map(durMs));
    if (gBefore.p95Ms > 0 && gNow.p95Ms > gBefore.p95Ms * 1.2 && u.pValue < 0.01 && u.effect > 0.5)
      out.push({
        key: k,
        measure: 'p95_ms',
        previous: round(gBefore.p95Ms, 1),
        current: round(gNow.p95Ms, 1),
        changePct: round((gNow.p95Ms / gBefore.p95Ms - 1) * 100, 1),
        pValue: u.pValue,
      });
    // Error rate: two-proportion z-test.
    const pooled = (gNow.errors + gBefore.errors) / (now.length + before.length);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / now.length + 1 / before.length));
    if (se > 0 && gNow.errorRate > gBefore.errorRate) {
      const z = (gNow.errorRate - gBefore.errorRate) / se;
      const pv = 2 * normalTail(Math.abs(z));
      if (pv < 0.01 && gNow.errorRate - gBefore.errorRate >= 0.01)
        out.push({
          key: k,
          measure: 'error_rate',
          previous: round(gBefore.errorRate, 4),
          current: round(gNow.errorRate, 4),
          changePct: gBefore.errorRate > 0 ? round((gNow.errorRate / gBefore.errorRate - 1) * 100, 1) : 100,
          pValue: pv,
        });
    }
    const cpcNow = gNow.costUsd / now.length;
    const cpcBefore = gBefore.costUsd / before.length;
    if (cpcBefore > 0 && cpcNow > cpcBefore * 1.25) {
      const t = mannWhitneyU(
        before.map((s) => s.costUsd ?? 0),
        now.map((s) => s.costUsd ?? 0),
      );
      if (t.pValue < 0.01)
        out.push({
          key: k,
          measure: 'cost_per_call',
          previous: round(cpcBefore, 6),
          current: round(cpcNow, 6),
          changePct: round((cpcNow / cpcBefore - 1) * 100, 1),
          pValue: t.pValue,
        });
    }
  }
  return out.sort((a, b) => a.pValue - b.pValue);
}

function summarizeMetrics(points: readonly MetricPoint[], fromUs: number, toUs: number): PerformanceReport['metrics'] {
  const by = new Map<string, MetricPoint[]>();
  for (const p of points) {
    if (p.timeUs < fromUs || p.timeUs >= toUs || !Number.isFinite(p.value)) continue;
    const arr = by.get(p.name);
    if (arr) arr.push(p);
    else by.set(p.name, [p]);
  }
  return [...by]
    .map(([name, ps]) => {
      ps.sort((a, b) => a.timeUs - b.timeUs);
      const v = Float64Array.from(ps.map((p) => p.value)).sort();
      const avg = ps.reduce((a, p) => a + p.value, 0) / ps.length;
      const trend = detectTrend(ps.map((p): [number, number] => [p.timeUs / 1000, p.value])).direction;
      return {
        name,
        points: ps.length,
        avg: round(avg, 4),
        p95: round(quantileSorted(v, 0.95), 4),
        last: ps[ps.length - 1].value,
        trend,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function recommend(r: PerformanceReport, models: GroupStats[], sloMs?: number): Recommendation[] {
  const recs: Recommendation[] = [];
  for (const h of r.errorHotSpots) {
    if (h.calls < 10 || h.errorRate < 0.05) continue;
    const msg = h.topMessages[0];
    recs.push({
      kind: 'reliability',
      severity: h.errorRate >= 0.2 ? 'critical' : 'warning',
      title: `Reduce failures of ${h.key}`,
      detail: `${h.errors} of ${h.calls} calls failed (${pctTxt(h.errorRate)})${msg ? `; most common: "${msg.message}" (${msg.count}×)` : ''}. Add retries with backoff for transient errors${h.kind === 'llm' ? ' and a fallback model' : ''}, and fix the top error first.`,
      evidence: { calls: h.calls, errors: h.errors, errorRate: round(h.errorRate, 4) },
    });
  }
  for (const b of r.bottlenecks.slice(0, 3)) {
    if (b.criticalPathShare < 0.3 || b.operation.startsWith('agent:') || b.operation.startsWith('chain:')) continue;
    recs.push({
      kind: 'latency',
      severity: b.criticalPathShare >= 0.6 ? 'critical' : 'warning',
      title: `${b.operation} dominates end-to-end time`,
      detail: `It accounts for ${pctTxt(b.criticalPathShare)} of the critical path across ${b.traces} traces (${ms(b.criticalPathMs)} in total). Cache its results, run it in parallel with independent steps, or ${b.operation.startsWith('llm:') ? 'use a faster model or stream the response' : 'add a timeout and a faster path'}.`,
      evidence: { criticalPathShare: b.criticalPathShare, criticalPathMs: b.criticalPathMs, traces: b.traces },
    });
  }
  for (const t of r.slowest.tools) {
    if (t.calls >= 20 && t.p50Ms > 0 && t.p99Ms / t.p50Ms >= 10)
      recs.push({
        kind: 'latency',
        severity: 'warning',
        title: `Tail latency of tool ${t.key}`,
        detail: `p99 ${ms(t.p99Ms)} is ${round(t.p99Ms / t.p50Ms, 1)}x its p50 ${ms(t.p50Ms)} over ${t.calls} calls: add a timeout near ${ms(t.p95Ms)} with a retry, or hedge slow calls.`,
        evidence: { calls: t.calls, p50Ms: round(t.p50Ms, 1), p99Ms: round(t.p99Ms, 1) },
      });
  }
  const top = r.costDrivers.byModel[0];
  if (top && top.share >= 0.5 && r.summary.costUsd > 0) {
    const cheaper = models
      .filter((m) => m.key !== top.key && m.calls >= 5 && m.costUsd / m.calls < (top.costUsd / top.calls) * 0.5)
      .sort((a, b) => a.costUsd / a.calls - b.costUsd / b.calls)[0];
    recs.push({
      kind: 'cost',
      severity: top.share >= 0.8 ? 'warning' : 'info',
      title: `${top.key} drives ${pctTxt(top.share)} of cost`,
      detail: `${usd(top.costUsd)} over ${top.calls} calls (${usd(top.costUsd / top.calls)} per call, ${Math.round(top.inputTokens / Math.max(1, top.calls))} input tokens on average).${cheaper ? ` ${cheaper.key} costs ${usd(cheaper.costUsd / cheaper.calls)} per call here; route simpler requests to it` : ' Route simpler requests to a cheaper model'}, and cache repeated prompts.`,
      evidence: { costUsd: round(top.costUsd, 6), share: top.share, calls: top.calls },
    });
  }
  for (const m of models) {
    const avgIn = m.inputTokens / Math.max(1, m.calls);
    if (m.calls >= 10 && avgIn >= 8000)
      recs.push({
        kind: 'cost',
        severity: 'info',
        title: `Large prompts on ${m.key}`,
        detail: `${Math.round(avgIn).toLocaleString('en-US')} input tokens per call on average over ${m.calls} calls: trim context, summarise history, or retrieve fewer documents.`,
        evidence: { calls: m.calls, avgInputTokens: Math.round(avgIn) },
      });
  }
  for (const g of r.regressions) {
    const what =
      g.measure === 'p95_ms'
        ? `p95 latency ${ms(g.previous)} → ${ms(g.current)}`
        : g.measure === 'error_rate'
          ? `error rate ${pctTxt(g.previous)} → ${pctTxt(g.current)}`
          : `cost per call ${usd(g.previous)} → ${usd(g.current)}`;
    recs.push({
      kind: 'regression',
      severity: g.changePct >= 100 ? 'critical' : 'warning',
      title: `Regression in ${g.key}`,
      detail: `${what} (+${g.changePct}% vs the previous period, p = ${g.pValue.toExponential(1)}). Check deployments, model or prompt changes in between.`,
      evidence: { previous: g.previous, current: g.current, changePct: g.changePct, pValue: g.pValue },
    });
  }
  if (sloMs !== undefined) {
    for (const a of [...r.slowest.agents, ...r.slowest.models]) {
      if (a.p95Ms > sloMs)
        recs.push({
          kind: 'slo',
          severity: a.p95Ms > 2 * sloMs ? 'critical' : 'warning',
          title: `${a.kind} ${a.key} misses the ${ms(sloMs)} p95 objective`,
          detail: `p95 ${ms(a.p95Ms)} over ${a.calls} calls (${round(a.p95Ms / sloMs, 2)}x the objective).`,
          evidence: { p95Ms: round(a.p95Ms, 1), sloMs, calls: a.calls },
        });
    }
  }
  for (const m of r.metrics) {
    if (/cpu|memory|disk|gpu/i.test(m.name) && /usage|utilization/i.test(m.name) && m.p95 >= 85)
      recs.push({
        kind: 'capacity',
        severity: m.p95 >= 95 ? 'critical' : 'warning',
        title: `${m.name} runs hot`,
        detail: `p95 ${round(m.p95, 1)}% (average ${round(m.avg, 1)}%, trend ${m.trend}): add capacity or shed load before it saturates.`,
        evidence: { p95: m.p95, avg: m.avg },
      });
  }
  const order = { critical: 0, warning: 1, info: 2 };
  return recs.sort((a, b) => order[a.severity] - order[b.severity]);
}
