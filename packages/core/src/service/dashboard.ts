/**
 * The dashboard's one-request summary (docs/api.md "Dashboard"): agent, model and system metrics,
 * recent anomalies and active alerts, composed from five store queries run in parallel.
 */
import type { MetricPoint } from '../model/telemetry.js';
import { alertToJson, anomalyToJson, num, usToIso, usToIsoOrNull } from '../query/json.js';
import type { AgentStats, ModelStats, Store, TimeRange } from '../store/store.js';

const SYSTEM_KEYS = [
  'cpuUsage',
  'memoryUsage',
  'diskUsage',
  'networkLatency',
  'activeConnections',
  'gpuUsage',
  'gpuMemoryUsage',
] as const;
type SystemKey = (typeof SYSTEM_KEYS)[number];

/** `system.cpu.usage`, `system.cpu_usage`, ... → `cpuusage`, matched against lower-cased keys. */
const SYSTEM_BY_FOLDED = new Map<string, SystemKey>([
  ...SYSTEM_KEYS.map((k): [string, SystemKey] => [k.toLowerCase(), k]),
  // The SDK batch stores activeConnections as `system.connections.active` (noun first, like OTel).
  ['connectionsactive', 'activeConnections'],
]);

function fold(name: string): string {
  return name
    .replace(/^system\./, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

export function rate(part: number, whole: number): number | null {
  return whole > 0 ? Math.min(1, Math.max(0, part / whole)) : null;
}

export function agentMetricsJson(a: AgentStats) {
  return {
    activeAgents: a.activeAgents,
    totalRuns: a.totalRuns,
    completedRuns: a.completedRuns,
    failedRuns: a.failedRuns,
    completionRate: rate(a.completedRuns, a.totalRuns),
    errorRate: rate(a.failedRuns, a.totalRuns),
    averageRunMs: num(a.averageRunMs),
    byAgent: a.byAgent.map((r) => ({
      agentId: r.agentId,
      agentName: r.agentName ?? null,
      runs: r.runs,
      errors: r.errors,
      p50Ms: num(r.p50Ms),
      p95Ms: num(r.p95Ms),
      costUsd: num(r.costUsd) ?? 0,
    })),
  };
}

export function modelMetricsJson(m: ModelStats) {
  return {
    calls: m.calls,
    errors: m.errors,
    averageLatency: num(m.averageLatencyMs),
    p50: num(m.p50),
    p95: num(m.p95),
    p99: num(m.p99),
    inputTokens: num(m.inputTokens) ?? 0,
    outputTokens: num(m.outputTokens) ?? 0,
    totalTokens: (num(m.inputTokens) ?? 0) + (num(m.outputTokens) ?? 0),
    totalCost: num(m.costUsd) ?? 0,
    byModel: m.byModel.map((r) => ({
      model: r.model,
      provider: r.provider ?? null,
      calls: r.calls,
      errors: r.errors,
      averageLatencyMs: num(r.averageLatencyMs),
      p50: num(r.p50),
      p95: num(r.p95),
      p99: num(r.p99),
      inputTokens: num(r.inputTokens) ?? 0,
      outputTokens: num(r.outputTokens) ?? 0,
      costUsd: num(r.costUsd) ?? 0,
    })),
  };
}

/** Latest value of each system gauge; with several series (hosts) per name, the newest wins. */
export function systemMetricsJson(points: readonly MetricPoint[]) {
  const out: Record<SystemKey, number | null> & { time: string | null } = {
    cpuUsage: null,
    memoryUsage: null,
    diskUsage: null,
    networkLatency: null,
    activeConnections: null,
    gpuUsage: null,
    gpuMemoryUsage: null,
    time: null,
  };
  const newest = new Map<SystemKey, number>();
  let latestUs: number | null = null;
  for (const p of points) {
    const key = SYSTEM_BY_FOLDED.get(fold(p.name));
    if (!key || !Number.isFinite(p.value)) continue;
    if ((newest.get(key) ?? Number.NEGATIVE_INFINITY) > p.timeUs) continue;
    newest.set(key, p.timeUs);
    out[key] = p.value;
    if (latestUs === null || p.timeUs > latestUs) latestUs = p.timeUs;
  }
  out.time = usToIsoOrNull(latestUs);
  return out;
}

export async function dashboardData(store: Store, project: string, range: TimeRange) {
  const [agents, models, system, anomalies, alerts] = await Promise.all([
    store.agentStats(project, range),
    store.modelStats(project, range),
    store.latestMetrics(project, range, 'system.'),
    store.listAnomalies(project, { ...range, limit: 20 }),
    store.listAlerts(project, { states: ['firing', 'pending', 'acknowledged'], limit: 50 }),
  ]);
  return {
    range: { from: usToIso(range.fromUs), to: usToIso(range.toUs) },
    agentMetrics: agentMetricsJson(agents),
    modelMetrics: modelMetricsJson(models),
    systemMetrics: systemMetricsJson(system),
    recentAnomalies: anomalies.map(anomalyToJson),
    activeAlerts: alerts.map(alertToJson),
  };
}

export type DashboardJson = Awaited<ReturnType<typeof dashboardData>>;
