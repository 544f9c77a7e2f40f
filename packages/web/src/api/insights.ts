/**
 * Server-side aggregate views (docs/api.md): error groups, service map, cost breakdown and
 * forecast, agent detail, model errors. Shapes are declared here, as in types.ts: the dashboard
 * depends only on the HTTP contract.
 */
import { stepParam } from '../lib/time.js';
import { api } from './client.js';
import { rangeParams } from './queries.js';

type Range = { from: number; to: number };

export interface ErrorGroup {
  type: string;
  message: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  agents: string[];
  models: string[];
  services: string[];
  kinds: string[];
  examples: { traceId: string; spanId: string; time: string }[];
  buckets: [number, number][];
}

export interface ErrorGroups {
  stepMs: number;
  totalErrors: number;
  totalGroups: number;
  groups: ErrorGroup[];
}

export type MapNodeType = 'agent' | 'model' | 'tool' | 'retrieval' | 'service';

export interface MapNode {
  id: string;
  type: MapNodeType;
  label: string;
  calls: number;
  errors: number;
  p95Ms: number | null;
}

export interface MapEdge {
  from: string;
  to: string;
  calls: number;
  errors: number;
  errorRate: number;
  avgMs: number | null;
  p95Ms: number | null;
}

export interface ServiceMap {
  nodes: MapNode[];
  edges: MapEdge[];
}

export type CostGroupBy = 'model' | 'agent' | 'user' | 'session' | 'provider' | 'service';

export interface CostTotals {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  calls: number;
}

export interface CostBreakdown {
  groupBy: CostGroupBy;
  total: CostTotals;
  groups: (CostTotals & { key: string | null; traces: number })[];
  other: (CostTotals & { groups: number }) | null;
  daily: [number, number][];
}

export interface CostForecast {
  month: string;
  monthToDate: number;
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
}

export interface AgentDetail {
  agentId: string;
  agentName: string | null;
  runs: number;
  errors: number;
  successRate: number | null;
  averageMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  histogram: { boundsMs: number[]; counts: number[] };
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  tools: { name: string; calls: number; errors: number; avgMs: number | null }[];
  models: { model: string; calls: number; errors: number; costUsd: number }[];
  versions: { version: string; runs: number; errors: number; errorRate: number; firstSeen: string; lastSeen: string }[];
  sessions: { sessionId: string; userId: string | null; runs: number; errors: number; lastSeen: string }[];
}

export type ErrorKind = 'rate_limit' | 'timeout' | 'auth' | 'server' | 'other';

export interface ModelErrors {
  calls: number;
  errors: number;
  byKind: Record<ErrorKind, number>;
  byModel: {
    model: string;
    provider: string | null;
    calls: number;
    errors: number;
    byKind: Record<ErrorKind, number>;
  }[];
}

export function getErrorGroups(r: Range, opts: { step?: number; limit?: number; signal?: AbortSignal } = {}) {
  return api<ErrorGroups>(
    '/api/v1/errors/groups',
    { ...rangeParams(r), step: opts.step ? stepParam(opts.step) : undefined, limit: opts.limit },
    { signal: opts.signal },
  );
}

export function getServiceMap(r: Range, signal?: AbortSignal) {
  return api<ServiceMap>('/api/v1/service-map', rangeParams(r), { signal });
}

export function getCostBreakdown(r: Range, groupBy: CostGroupBy, opts: { limit?: number; signal?: AbortSignal } = {}) {
  return api<CostBreakdown>(
    '/api/v1/cost/breakdown',
    { ...rangeParams(r), groupBy, limit: opts.limit ?? 50 },
    { signal: opts.signal },
  );
}

export function getCostForecast(signal?: AbortSignal) {
  return api<CostForecast>('/api/v1/cost/forecast', undefined, { signal });
}

export function getAgentDetail(agentId: string, r: Range, signal?: AbortSignal) {
  return api<AgentDetail>(`/api/v1/agents/${encodeURIComponent(agentId)}`, rangeParams(r), { signal });
}

export function getModelErrors(r: Range, signal?: AbortSignal) {
  return api<ModelErrors>('/api/v1/models/errors', rangeParams(r), { signal });
}
