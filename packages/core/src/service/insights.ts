/**
 * The core facade's aggregate views (error groups, service map, cost breakdown and month-end
 * forecast, agent detail, model errors): one store query each, turned into the JSON of docs/api.md
 * (ISO times, numbers never NaN). Spread into the object openVigilCore returns.
 */
import { generatePrediction } from '../analytics/forecast/forecast.js';
import { num, usToIso } from '../query/json.js';
import type { CostGroupBy, ErrorGroups } from '../store/insights.js';
import type { Store, TimeRange } from '../store/store.js';

const DAY_MS = 86_400_000;
/** Days of daily cost before the month that the forecaster also learns from. */
const FORECAST_HISTORY_DAYS = 35;

const rangeJson = (r: TimeRange) => ({ from: usToIso(r.fromUs), to: usToIso(r.toUs) });

function errorGroupsJson(g: ErrorGroups, range: TimeRange, stepMs: number) {
  return {
    range: rangeJson(range),
    stepMs,
    totalErrors: g.totalErrors,
    totalGroups: g.totalGroups,
    groups: g.groups.map((x) => ({
      type: x.type,
      message: x.message,
      count: x.count,
      firstSeen: usToIso(x.firstSeenUs),
      lastSeen: usToIso(x.lastSeenUs),
      agents: x.agents,
      models: x.models,
      services: x.services,
      kinds: x.kinds,
      examples: x.examples.map((e) => ({ traceId: e.traceId, spanId: e.spanId, time: usToIso(e.timeUs) })),
      buckets: x.buckets,
    })),
  };
}

export interface MonthForecast {
  month: string;
  now: string;
  monthToDate: number;
  /** Mean spend per elapsed day of the month (today counted by its elapsed fraction). */
  dailyAverage: number;
  daysInMonth: number;
  daysLeft: number;
  projected: number;
  low: number | null;
  high: number | null;
  confidence: number;
  model: string | null;
  status: 'ok' | 'insufficient_data';
  message: string | null;
  /** Cost per UTC day, [day start epoch ms, USD], from the history start through today (zeros included). */
  daily: [number, number][];
  /** Forecast per remaining day (today included). */
  forecast: { time: string; value: number; lower: number; upper: number }[];
}

/**
 * Month-end spend: actual spend of the month's complete days plus the forecast of today and every
 * day left, from generatePrediction over the daily cost series (this month and the 35 days before).
 * The interval sums the daily bounds, which treats daily errors as fully correlated: wider than an
 * independent-errors sum, which suits a budget warning. Daily forecasts are floored at zero.
 */
export async function costForecast(
  store: Store,
  project: string,
  nowMs = Date.now(),
  confidence = 0.95,
): Promise<MonthForecast> {
  const n = new Date(nowMs);
  const monthStart = Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), 1);
  const monthEnd = Date.UTC(n.getUTCFullYear(), n.getUTCMonth() + 1, 1);
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const historyStart = monthStart - FORECAST_HISTORY_DAYS * DAY_MS;
  // spanSeries: one scan (and PostgreSQL's hourly rollups) for the daily totals.
  const series = await store.spanSeries(project, {
    fromUs: historyStart * 1000,
    toUs: nowMs * 1000,
    stepMs: DAY_MS,
    measure: 'cost',
  });
  const byDay = new Map(series[0]?.points ?? []);
  const daily: [number, number][] = [];
  for (let d = historyStart; d <= today; d += DAY_MS) daily.push([d, byDay.get(d) ?? 0]);
  const inMonth = daily.filter(([d]) => d >= monthStart);
  const monthToDate = inMonth.reduce((a, [, v]) => a + v, 0);
  const completeInMonth = inMonth.filter(([d]) => d < today).reduce((a, [, v]) => a + v, 0);
  const elapsedDays = (nowMs - monthStart) / DAY_MS;
  const daysInMonth = Math.round((monthEnd - monthStart) / DAY_MS);
  const remaining = Math.round((monthEnd - today) / DAY_MS);
  const dailyAverage = elapsedDays > 0 ? monthToDate / elapsedDays : 0;
  // History starts at the first day with spend: leading zeros are "not yet used", not "free".
  const first = daily.findIndex(([, v]) => v !== 0);
  const history = first < 0 ? [] : daily.slice(first).filter(([d]) => d < today);
  const p = generatePrediction({
    metric: 'cost.daily',
    points: history,
    forecastPeriod: Math.max(1, remaining),
    confidence,
    model: 'auto',
  });
  const base = {
    month: new Date(monthStart).toISOString().slice(0, 7),
    now: new Date(nowMs).toISOString(),
    monthToDate,
    dailyAverage,
    daysInMonth,
    daysLeft: (monthEnd - nowMs) / DAY_MS,
    confidence,
    daily,
  };
  if (p.status !== 'ok' || p.points.length === 0) {
    return {
      ...base,
      projected: dailyAverage * daysInMonth,
      low: null,
      high: null,
      model: null,
      status: 'insufficient_data',
      message: `${p.message ?? 'not enough history'}; projected from the month's daily average`,
      forecast: [],
    };
  }
  // The forecaster steps from the last complete day; keep the steps that fall on today or later.
  const points = p.points.filter((x) => x.timeMs >= today && x.timeMs < monthEnd).slice(0, remaining);
  const clamp = (v: number) => Math.max(0, v);
  const todaySoFar = inMonth.find(([d]) => d === today)?.[1] ?? 0;
  // Spend already made today is a floor for today's total.
  const total = (f: (x: (typeof points)[number]) => number) =>
    points.reduce((a, x) => a + (x.timeMs === today ? Math.max(clamp(f(x)), todaySoFar) : clamp(f(x))), 0);
  return {
    ...base,
    projected: completeInMonth + total((x) => x.value),
    low: Math.max(monthToDate, completeInMonth + total((x) => x.lower)),
    high: completeInMonth + total((x) => x.upper),
    model: p.model,
    status: 'ok',
    message: null,
    forecast: points.map((x) => ({
      time: new Date(x.timeMs).toISOString(),
      value: clamp(x.value),
      lower: clamp(x.lower),
      upper: clamp(x.upper),
    })),
  };
}

export function insightsFacade(store: Store) {
  return {
    async errorGroups(project: string, q: TimeRange & { stepMs: number; limit: number }) {
      return errorGroupsJson(await store.errorGroups(project, q), q, q.stepMs);
    },

    async serviceMap(project: string, range: TimeRange) {
      const m = await store.serviceMap(project, range);
      return {
        range: rangeJson(range),
        nodes: m.nodes.map((x) => ({ ...x, p95Ms: num(x.p95Ms) })),
        edges: m.edges.map((e) => ({ ...e, avgMs: num(e.avgMs), p95Ms: num(e.p95Ms) })),
      };
    },

    async costBreakdown(project: string, range: TimeRange, groupBy: CostGroupBy, limit: number) {
      return { range: rangeJson(range), ...(await store.costBreakdown(project, range, groupBy, limit)) };
    },

    costForecast(project: string, opts: { nowMs?: number; confidence?: number } = {}) {
      return costForecast(store, project, opts.nowMs, opts.confidence);
    },

    async agentDetail(project: string, agentId: string, range: TimeRange) {
      const a = await store.agentDetail(project, agentId, range);
      return {
        range: rangeJson(range),
        ...a,
        averageMs: num(a.averageMs),
        versions: a.versions.map(({ firstSeenUs, lastSeenUs, ...v }) => ({
          ...v,
          firstSeen: usToIso(firstSeenUs),
          lastSeen: usToIso(lastSeenUs),
        })),
        sessions: a.sessions.map(({ lastSeenUs, ...s }) => ({ ...s, lastSeen: usToIso(lastSeenUs) })),
      };
    },

    async modelErrors(project: string, range: TimeRange) {
      return { range: rangeJson(range), ...(await store.modelErrors(project, range)) };
    },
  };
}
