/**
 * OpenAPI entries for the aggregate views in routes/insights.ts (error groups, service map, cost
 * breakdown and forecast, agent detail, model errors), merged into the document by openapi.ts.
 */
import type { Param, Route } from './openapi.js';

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const num: Schema = { type: 'number' };
const int: Schema = { type: 'integer' };
const iso: Schema = { type: 'string', format: 'date-time' };
const strs: Schema = { type: 'array', items: str };
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const nnum = nullable('number');
const pair: Schema = { type: 'array', prefixItems: [num, num], minItems: 2, maxItems: 2 };
const pairs: Schema = { type: 'array', items: pair, description: '[epoch ms, value] ordered by time' };
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
});
const arr = (items: Schema): Schema => ({ type: 'array', items });
const range = obj({ from: iso, to: iso });
const ERROR_KINDS = ['rate_limit', 'timeout', 'auth', 'server', 'other'];
const byKind = obj(Object.fromEntries(ERROR_KINDS.map((k) => [k, int])));

const q = (name: string, description: string, schema: Schema = str): Param => ({ name, description, schema });
const RANGE: Param[] = [
  q('from', 'ISO 8601 or epoch ms; default to − 24 h'),
  q('to', 'ISO 8601 or epoch ms; default now'),
];

const ErrorGroups = obj({
  range,
  stepMs: int,
  totalErrors: int,
  totalGroups: int,
  groups: arr(
    obj({
      type: str,
      message: { type: 'string', description: 'numbers, hex ids and UUIDs replaced by <n>, <hex>, <uuid>' },
      count: int,
      firstSeen: iso,
      lastSeen: iso,
      agents: strs,
      models: strs,
      services: strs,
      kinds: strs,
      examples: arr(obj({ traceId: str, spanId: str, time: iso })),
      buckets: pairs,
    }),
  ),
});

const ServiceMap = obj({
  range,
  nodes: arr(
    obj({
      id: { type: 'string', description: '<type>:<name>' },
      type: { type: 'string', enum: ['agent', 'model', 'tool', 'retrieval', 'service'] },
      label: str,
      calls: int,
      errors: int,
      p95Ms: nnum,
    }),
  ),
  edges: arr(obj({ from: str, to: str, calls: int, errors: int, errorRate: num, avgMs: nnum, p95Ms: nnum })),
});

const costTotals = { costUsd: num, inputTokens: num, outputTokens: num, calls: int };
const CostBreakdown = obj({
  range,
  groupBy: { type: 'string', enum: ['model', 'agent', 'user', 'session', 'provider', 'service'] },
  total: obj(costTotals),
  groups: arr(obj({ key: nullable('string'), ...costTotals, traces: int })),
  other: { oneOf: [obj({ groups: int, ...costTotals }), { type: 'null' }] },
  daily: { ...pairs, description: '[UTC day start epoch ms, USD]; days without spend omitted' },
});

const CostForecast = obj({
  month: { type: 'string', description: 'YYYY-MM (UTC)' },
  now: iso,
  monthToDate: num,
  dailyAverage: num,
  daysInMonth: int,
  daysLeft: num,
  projected: num,
  low: nnum,
  high: nnum,
  confidence: num,
  model: nullable('string'),
  status: { type: 'string', enum: ['ok', 'insufficient_data'] },
  message: nullable('string'),
  daily: pairs,
  forecast: arr(obj({ time: iso, value: num, lower: num, upper: num })),
});

const AgentDetail = obj({
  range,
  agentId: str,
  agentName: nullable('string'),
  runs: int,
  errors: int,
  successRate: nnum,
  averageMs: nnum,
  p50Ms: nnum,
  p90Ms: nnum,
  p95Ms: nnum,
  p99Ms: nnum,
  histogram: obj({ boundsMs: arr(num), counts: arr(int) }),
  costUsd: num,
  inputTokens: num,
  outputTokens: num,
  tools: arr(obj({ name: str, calls: int, errors: int, avgMs: nnum })),
  models: arr(obj({ model: str, calls: int, errors: int, costUsd: num })),
  versions: arr(obj({ version: str, runs: int, errors: int, errorRate: num, firstSeen: iso, lastSeen: iso })),
  sessions: arr(obj({ sessionId: str, userId: nullable('string'), runs: int, errors: int, lastSeen: iso })),
});

const ModelErrors = obj({
  range,
  calls: int,
  errors: int,
  byKind,
  byModel: arr(obj({ model: str, provider: nullable('string'), calls: int, errors: int, byKind })),
});

export const INSIGHTS_SCHEMAS: Record<string, Schema> = {
  ErrorGroups,
  ServiceMap,
  CostBreakdown,
  CostForecast,
  AgentDetail,
  ModelErrors,
};

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export const INSIGHTS_ROUTES: Route[] = [
  {
    method: 'get',
    path: '/api/v1/errors/groups',
    summary: 'Error spans grouped by exception type and normalised message, with counts over time and examples',
    tag: 'query',
    params: [
      ...RANGE,
      q('step', 'bucket width of each group’s counts (default: about 24 buckets)'),
      q('limit', 'groups (default 100, max 1000)', int),
    ],
    ok: { status: 200, schema: ref('ErrorGroups') },
  },
  {
    method: 'get',
    path: '/api/v1/service-map',
    summary: 'Who calls whom: agents, models, tools, retrievers and services with calls, errors and p95 per edge',
    tag: 'query',
    params: RANGE,
    ok: { status: 200, schema: ref('ServiceMap') },
  },
  {
    method: 'get',
    path: '/api/v1/cost/breakdown',
    summary: 'Cost, tokens and model calls per group (top by cost) and cost per UTC day',
    tag: 'query',
    params: [
      ...RANGE,
      q('groupBy', 'model (default) | agent | user | session | provider | service'),
      q('limit', 'groups (default 50, max 1000)', int),
    ],
    ok: { status: 200, schema: ref('CostBreakdown') },
  },
  {
    method: 'get',
    path: '/api/v1/cost/forecast',
    summary: 'Month-end (UTC) spend forecast from the daily cost series, with a prediction interval',
    tag: 'analytics',
    params: [q('confidence', 'interval coverage in (0, 1), default 0.95', num)],
    ok: { status: 200, schema: ref('CostForecast') },
  },
  {
    method: 'get',
    path: '/api/v1/agents/{id}',
    summary:
      'One agent: runs, success rate, latency histogram and percentiles, cost, tools, models, versions, sessions',
    tag: 'query',
    params: [{ name: 'id', in: 'path', required: true, schema: str, description: 'agent id' }, ...RANGE],
    ok: { status: 200, schema: ref('AgentDetail') },
  },
  {
    method: 'get',
    path: '/api/v1/models/errors',
    summary: 'Model calls and errors per model, errors by kind (rate_limit from 429 / rate limit / RateLimitError)',
    tag: 'query',
    params: RANGE,
    ok: { status: 200, schema: ref('ModelErrors') },
  },
];
