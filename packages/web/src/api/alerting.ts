/**
 * The alerting management API (docs/api.md, "Alerting"): rules, notification channels, silences
 * and per-alert deliveries, plus the human duration units the forms use ("5m" ⇄ 300000 ms).
 */
import { ApiError, api } from './client.js';
import type { Alert } from './types.js';

export type Severity = 'info' | 'warning' | 'critical';
export type Operator = '>' | '>=' | '<' | '<=';

export const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];
export const OPERATORS: Operator[] = ['>', '>=', '<', '<='];
export const SPAN_MEASURES = [
  'count',
  'errors',
  'error_rate',
  'avg_ms',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'tokens',
  'cost',
] as const;
export const SPAN_GROUP_BY = ['model', 'agent', 'kind', 'service', 'provider'] as const;
export const AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'count', 'last', 'rate', 'p50', 'p90', 'p95', 'p99'] as const;
export const ANOMALY_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const SPAN_KINDS = ['agent', 'llm', 'tool', 'retrieval', 'embedding', 'chain', 'http', 'internal'] as const;

export interface SpanMeasureCondition {
  type: 'span_measure';
  measure: (typeof SPAN_MEASURES)[number];
  windowMs: number;
  operator: Operator;
  threshold: number;
  kind?: string;
  model?: string;
  agent?: string;
  groupBy?: (typeof SPAN_GROUP_BY)[number];
  minSamples?: number;
}
export interface MetricCondition {
  type: 'metric';
  metric: string;
  aggregation: (typeof AGGREGATIONS)[number];
  windowMs: number;
  operator: Operator;
  threshold: number;
  labels?: Record<string, string>;
  groupBy?: string[];
}
export interface AnomalyCondition {
  type: 'anomaly';
  metric: string;
  minSeverity: (typeof ANOMALY_SEVERITIES)[number];
  windowMs: number;
  labels?: Record<string, string>;
}
export interface AbsenceCondition {
  type: 'absence';
  source: 'spans' | 'metric';
  metric?: string;
  kind?: string;
  model?: string;
  agent?: string;
  labels?: Record<string, string>;
  windowMs: number;
  groupBy?: string[];
  lookbackMs?: number;
}
export type Condition = SpanMeasureCondition | MetricCondition | AnomalyCondition | AbsenceCondition;
export type ConditionType = Condition['type'];

export interface EscalationStep {
  afterMs: number;
  channels: string[];
}

/** What POST/PUT /api/v1/alert-rules take. */
export interface RuleInput {
  name: string;
  description: string;
  enabled: boolean;
  severity: Severity;
  condition: Condition;
  forMs: number;
  keepFiringForMs: number;
  repeatIntervalMs: number;
  labels: Record<string, string>;
  channels: string[];
  escalation: EscalationStep[];
}

export interface Rule extends RuleInput {
  id: string;
  conditionText: string;
  createdAt: string;
  updatedAt: string;
}

export type ChannelType = 'webhook' | 'slack' | 'email';
export interface Channel {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  /** Secrets (webhook secret, SMTP password) are never returned: `secretSet` says whether one is stored. */
  config: Record<string, unknown>;
  secretSet: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface ChannelInput {
  name: string;
  type: ChannelType;
  enabled: boolean;
  config: Record<string, unknown>;
}

export interface Silence {
  id: string;
  matchers: Record<string, string>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  active: boolean;
}

export interface Delivery {
  id: string;
  alertId: string | null;
  ruleId: string | null;
  channelId: string;
  channelType: ChannelType;
  event: 'firing' | 'repeat' | 'escalation' | 'resolved' | 'test';
  status: 'sent' | 'failed';
  attempts: number;
  error: string | null;
  httpStatus: number | null;
  time: string;
  durationMs: number;
}

export interface PreviewMatch {
  labels: Record<string, string>;
  value: number | null;
  message: string;
}

const enc = encodeURIComponent;
const RULES = '/api/v1/alert-rules';
const CHANNELS = '/api/v1/channels';

export const listRules = (signal?: AbortSignal) => api<{ items: Rule[] }>(RULES, undefined, { signal });
export const createRule = (r: RuleInput) => api<Rule>(RULES, undefined, { method: 'POST', body: r });
export const updateRule = (id: string, r: RuleInput) =>
  api<Rule>(`${RULES}/${enc(id)}`, undefined, { method: 'PUT', body: r });
export const deleteRule = (id: string) => api<null>(`${RULES}/${enc(id)}`, undefined, { method: 'DELETE' });
export const previewCondition = (condition: Condition) =>
  api<{ matches: PreviewMatch[] }>(`${RULES}/preview`, undefined, { method: 'POST', body: { condition } });

/** The editable part of a stored rule (PUT replaces the whole rule, so everything goes back). */
export function ruleInput(r: Rule): RuleInput {
  const { id: _i, conditionText: _c, createdAt: _a, updatedAt: _u, ...input } = r;
  return input;
}

export const listChannels = (signal?: AbortSignal) => api<{ items: Channel[] }>(CHANNELS, undefined, { signal });
export const createChannel = (c: ChannelInput) => api<Channel>(CHANNELS, undefined, { method: 'POST', body: c });
export const updateChannel = (id: string, c: ChannelInput) =>
  api<Channel>(`${CHANNELS}/${enc(id)}`, undefined, { method: 'PUT', body: c });
export const deleteChannel = (id: string) => api<null>(`${CHANNELS}/${enc(id)}`, undefined, { method: 'DELETE' });
export const testChannel = (id: string) =>
  api<Delivery>(`${CHANNELS}/${enc(id)}/test`, undefined, { method: 'POST', body: {} });

export const listSilences = (signal?: AbortSignal) =>
  api<{ items: Silence[] }>('/api/v1/silences', { active: true }, { signal });
export const deleteSilence = (id: string) => api<null>(`/api/v1/silences/${enc(id)}`, undefined, { method: 'DELETE' });

export const silenceAlert = (id: string, duration: string, comment?: string) =>
  api<{ silence: Silence; alert: Alert }>(`/api/v1/alerts/${enc(id)}/silence`, undefined, {
    method: 'POST',
    body: { duration, ...(comment ? { comment } : {}) },
  });
export const listDeliveries = (alertId: string, signal?: AbortSignal) =>
  api<{ items: Delivery[] }>(`/api/v1/alerts/${enc(alertId)}/deliveries`, undefined, { signal });

// --- human durations ---

const UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
const UNIT_MS: Record<string, number> = Object.fromEntries(UNITS);

/**
 * "5m", "1h30m", "90s", "250ms", "0" → milliseconds; null when it does not parse. A bare number
 * means seconds, the unit people type most for short windows.
 */
export function parseDuration(text: string): number | null {
  const s = text.trim().toLowerCase().replace(/\s+/g, '');
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    end = re.lastIndex;
  }
  return end === s.length && end > 0 ? Math.round(total) : null;
}

/** Milliseconds → the shortest exact human form ("5m", "1h30m", "0"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0';
  let rest = Math.round(ms);
  let out = '';
  for (const [u, n] of UNITS) {
    if (rest >= n) {
      out += `${Math.floor(rest / n)}${u}`;
      rest %= n;
    }
  }
  return out;
}

/**
 * The field path an API validation message starts with ("condition.threshold must be a finite
 * number" → "condition.threshold"), so the form can highlight that input. Null for other errors.
 */
export function errorField(e: unknown): string | null {
  if (!(e instanceof ApiError) || e.status !== 400) return null;
  const m = /^([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_][\w]*(?:\[\d+\])?)*)\s/.exec(e.message);
  return m ? m[1] : null;
}
