/**
 * The OpenAPI 3.1 document served at `/api/v1/openapi.json`, built from a compact route table so
 * it stays readable and in step with routes/. Schemas follow docs/api.md.
 */

import { INSIGHTS_ROUTES, INSIGHTS_SCHEMAS } from './openapi-insights.js';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const str: Schema = { type: 'string' };
const num: Schema = { type: 'number' };
const int: Schema = { type: 'integer' };
const iso: Schema = { type: 'string', format: 'date-time' };
const hex32: Schema = { type: 'string', pattern: '^[0-9a-f]{32}$' };
const hex16: Schema = { type: 'string', pattern: '^[0-9a-f]{16}$' };
const labels: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
});

const SPAN_KIND = {
  type: 'string',
  enum: ['agent', 'llm', 'tool', 'retrieval', 'embedding', 'chain', 'http', 'internal'],
};
const STATUS = { type: 'string', enum: ['ok', 'error', 'unset'] };

const schemas: Record<string, Schema> = {
  Error: obj({ error: obj({ code: str, message: str }) }),
  Span: obj({
    traceId: hex32,
    spanId: hex16,
    parentSpanId: nullable('string'),
    name: str,
    kind: SPAN_KIND,
    startTime: iso,
    endTime: iso,
    durationMs: num,
    status: STATUS,
    statusMessage: nullable('string'),
    serviceName: str,
    model: nullable('string'),
    provider: nullable('string'),
    inputTokens: nullable('number'),
    outputTokens: nullable('number'),
    costUsd: nullable('number'),
    agentId: nullable('string'),
    agentName: nullable('string'),
    agentVersion: nullable('string'),
    sessionId: nullable('string'),
    userId: nullable('string'),
    attributes: { type: 'object' },
    events: { type: 'array', items: obj({ name: str, time: iso, attributes: { type: 'object' } }) },
    input: nullable('string'),
    output: nullable('string'),
  }),
  TraceSummary: obj({
    traceId: hex32,
    rootSpanId: hex16,
    name: str,
    kind: SPAN_KIND,
    serviceName: str,
    startTime: iso,
    endTime: iso,
    durationMs: num,
    status: STATUS,
    spanCount: int,
    errorCount: int,
    agentId: nullable('string'),
    agentName: nullable('string'),
    models: { type: 'array', items: str },
    inputTokens: num,
    outputTokens: num,
    costUsd: num,
  }),
  Trace: obj({ traceId: hex32, spans: { type: 'array', items: ref('Span') } }),
  Log: obj({
    time: iso,
    severity: int,
    severityText: str,
    body: str,
    traceId: nullable('string'),
    spanId: nullable('string'),
    serviceName: str,
    attributes: { type: 'object' },
  }),
  Series: obj({
    series: {
      type: 'array',
      items: obj({
        labels,
        points: { type: 'array', items: { type: 'array', prefixItems: [num, num], minItems: 2, maxItems: 2 } },
      }),
    },
  }),
  Anomaly: obj({
    id: str,
    metric: str,
    labels,
    time: iso,
    value: nullable('number'),
    expected: nullable('number'),
    lower: nullable('number'),
    upper: nullable('number'),
    score: nullable('number'),
    severity: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] },
    confidence: nullable('number'),
    detector: str,
    description: str,
    createdAt: iso,
  }),
  Alert: obj({
    id: str,
    ruleId: nullable('string'),
    name: str,
    severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
    state: { type: 'string', enum: ['pending', 'firing', 'acknowledged', 'resolved', 'silenced'] },
    message: str,
    labels,
    value: nullable('number'),
    startedAt: iso,
    updatedAt: iso,
    resolvedAt: nullable('string', { format: 'date-time' }),
    acknowledgedBy: nullable('string'),
  }),
  AlertRule: obj({
    id: str,
    name: str,
    description: str,
    enabled: { type: 'boolean' },
    severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
    condition: ref('AlertCondition'),
    conditionText: str,
    forMs: int,
    keepFiringForMs: int,
    labels,
    channels: { type: 'array', items: str },
    repeatIntervalMs: int,
    escalation: { type: 'array', items: obj({ afterMs: int, channels: { type: 'array', items: str } }) },
    createdAt: iso,
    updatedAt: iso,
  }),
  AlertRuleInput: obj(
    {
      id: str,
      name: str,
      description: str,
      enabled: { type: 'boolean', default: true },
      severity: { type: 'string', enum: ['info', 'warning', 'critical'], default: 'warning' },
      condition: ref('AlertCondition'),
      forMs: { type: 'integer', default: 0, description: 'condition must hold this long: pending → firing' },
      keepFiringForMs: { type: 'integer', default: 0 },
      labels,
      channels: { type: 'array', items: str, description: 'channel ids notified on firing and resolve' },
      repeatIntervalMs: { type: 'integer', default: 14_400_000, description: '0: never repeat' },
      escalation: { type: 'array', items: obj({ afterMs: int, channels: { type: 'array', items: str } }) },
    },
    ['name', 'condition'],
  ),
  AlertCondition: {
    oneOf: [
      obj(
        {
          type: { const: 'span_measure' },
          measure: {
            type: 'string',
            enum: ['count', 'errors', 'error_rate', 'avg_ms', 'p50_ms', 'p95_ms', 'p99_ms', 'tokens', 'cost'],
          },
          windowMs: int,
          operator: { type: 'string', enum: ['>', '>=', '<', '<='] },
          threshold: num,
          kind: SPAN_KIND,
          model: str,
          agent: str,
          groupBy: { type: 'string', enum: ['model', 'agent', 'kind', 'service', 'provider'] },
          minSamples: int,
        },
        ['type', 'measure', 'windowMs', 'operator', 'threshold'],
      ),
      obj(
        {
          type: { const: 'metric' },
          metric: str,
          aggregation: {
            type: 'string',
            enum: ['avg', 'sum', 'min', 'max', 'count', 'last', 'rate', 'p50', 'p90', 'p95', 'p99'],
          },
          windowMs: int,
          operator: { type: 'string', enum: ['>', '>=', '<', '<='] },
          threshold: num,
          labels,
          groupBy: { type: 'array', items: str },
        },
        ['type', 'metric', 'windowMs', 'operator', 'threshold'],
      ),
      obj(
        {
          type: { const: 'anomaly' },
          metric: { type: 'string', description: 'series name, * wildcards (e.g. span.*)' },
          minSeverity: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] },
          windowMs: int,
          labels,
        },
        ['type', 'windowMs'],
      ),
      obj(
        {
          type: { const: 'absence' },
          source: { type: 'string', enum: ['spans', 'metric'] },
          metric: str,
          kind: SPAN_KIND,
          model: str,
          agent: str,
          labels,
          windowMs: int,
          groupBy: { type: 'array', items: str },
          lookbackMs: int,
        },
        ['type', 'source', 'windowMs'],
      ),
    ],
  },
  Channel: obj({
    id: str,
    name: str,
    type: { type: 'string', enum: ['webhook', 'slack', 'email'] },
    enabled: { type: 'boolean' },
    config: { type: 'object', description: 'type-specific settings; secret and password are never returned' },
    secretSet: { type: 'boolean' },
    createdAt: iso,
    updatedAt: iso,
  }),
  ChannelInput: obj(
    {
      id: str,
      name: str,
      type: { type: 'string', enum: ['webhook', 'slack', 'email'] },
      enabled: { type: 'boolean', default: true },
      config: {
        type: 'object',
        description:
          'webhook: {url, secret?, headers?, timeoutMs?, maxRetries?}; slack: {url, timeoutMs?, maxRetries?}; email: {host, port, secure?, user?, password?, from, to: [], timeoutMs?, maxRetries?}. A secret or password left out of a PUT keeps its stored value.',
      },
    },
    ['name', 'type', 'config'],
  ),
  Silence: obj({
    id: str,
    matchers: labels,
    startsAt: iso,
    endsAt: iso,
    createdBy: str,
    comment: str,
    active: { type: 'boolean' },
  }),
  Delivery: obj({
    id: str,
    alertId: nullable('string'),
    ruleId: nullable('string'),
    channelId: str,
    channelType: { type: 'string', enum: ['webhook', 'slack', 'email'] },
    event: { type: 'string', enum: ['firing', 'repeat', 'escalation', 'resolved', 'test'] },
    status: { type: 'string', enum: ['sent', 'failed'] },
    attempts: int,
    error: nullable('string'),
    httpStatus: nullable('integer'),
    time: iso,
    durationMs: num,
  }),
  ApiKey: obj({
    id: str,
    name: str,
    role: { type: 'string', enum: ['admin', 'member', 'viewer', 'ingest'] },
    prefix: str,
    createdAt: iso,
    lastUsedAt: nullable('string', { format: 'date-time' }),
    revokedAt: nullable('string', { format: 'date-time' }),
  }),
  Dashboard: obj({
    range: obj({ from: iso, to: iso }),
    agentMetrics: obj({
      activeAgents: int,
      totalRuns: int,
      completedRuns: int,
      failedRuns: int,
      completionRate: nullable('number', { minimum: 0, maximum: 1 }),
      errorRate: nullable('number', { minimum: 0, maximum: 1 }),
      averageRunMs: nullable('number'),
      byAgent: { type: 'array', items: { type: 'object' } },
    }),
    modelMetrics: obj({
      calls: int,
      errors: int,
      averageLatency: nullable('number'),
      p50: nullable('number'),
      p95: nullable('number'),
      p99: nullable('number'),
      inputTokens: num,
      outputTokens: num,
      totalTokens: num,
      totalCost: num,
      byModel: { type: 'array', items: { type: 'object' } },
    }),
    systemMetrics: obj({
      cpuUsage: nullable('number'),
      memoryUsage: nullable('number'),
      diskUsage: nullable('number'),
      networkLatency: nullable('number'),
      activeConnections: nullable('number'),
      gpuUsage: nullable('number'),
      gpuMemoryUsage: nullable('number'),
      time: nullable('string', { format: 'date-time' }),
    }),
    recentAnomalies: { type: 'array', items: ref('Anomaly') },
    activeAlerts: { type: 'array', items: ref('Alert') },
  }),
  IngestResult: obj({
    accepted: int,
    rejected: int,
    errors: { type: 'array', items: obj({ index: int, message: str }) },
  }),
  SdkBatch: obj(
    {
      serviceName: str,
      events: {
        type: 'array',
        items: {
          type: 'object',
          required: ['type'],
          properties: {
            type: {
              type: 'string',
              enum: ['agent_start', 'agent_complete', 'agent_error', 'inference', 'metric', 'system', 'log', 'span'],
            },
            time: { oneOf: [iso, num] },
          },
        },
      },
    },
    ['events'],
  ),
};

export interface Param {
  name: string;
  in?: 'query' | 'path';
  schema?: Schema;
  description?: string;
  required?: boolean;
}

const q = (name: string, description: string, schema: Schema = str): Param => ({ name, description, schema });
const RANGE: Param[] = [
  q('from', 'ISO 8601 or epoch ms; default to − 24 h'),
  q('to', 'ISO 8601 or epoch ms; default now'),
];
const PAGE: Param[] = [
  q('limit', 'page size (default 50, max 1000)', int),
  q('cursor', 'nextCursor of the previous page'),
];
const STEP = q('step', 'bucket width: 30s, 5m, 1h, 1d or milliseconds');

export interface Route {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: string;
  params?: Param[];
  body?: { content: Record<string, Schema>; required?: boolean };
  ok: { status: number; schema?: Schema; contentType?: string; description?: string };
  auth?: boolean;
  errors?: number[];
}

const OTLP_BODY = (message: string) => ({
  required: true,
  content: {
    'application/x-protobuf': { type: 'string', format: 'binary', description: `OTLP ${message} (protobuf)` },
    'application/json': { type: 'object', description: `OTLP ${message} (JSON encoding)` },
  },
});

const ROUTES: Route[] = [
  ...INSIGHTS_ROUTES,
  ...(['traces', 'metrics', 'logs'] as const).map(
    (signal): Route => ({
      method: 'post',
      path: `/v1/${signal}`,
      summary: `OTLP/HTTP ${signal} receiver (protobuf or JSON, optional Content-Encoding: gzip); answered once rows are durable`,
      tag: 'ingest',
      body: OTLP_BODY(`Export${signal[0].toUpperCase()}${signal.slice(1)}ServiceRequest`),
      ok: {
        status: 200,
        contentType: 'application/x-protobuf',
        description: 'Export*ServiceResponse in the request encoding, with partialSuccess when items were rejected',
      },
      errors: [400, 401, 403, 413, 415, 429],
    }),
  ),
  {
    method: 'post',
    path: '/api/v1/ingest',
    summary: 'SDK event batch',
    tag: 'ingest',
    body: { required: true, content: { 'application/json': ref('SdkBatch') } },
    ok: { status: 200, schema: ref('IngestResult') },
    errors: [400, 401, 403, 413, 415, 429],
  },
  {
    method: 'get',
    path: '/api/v1/traces',
    summary: 'Traces, newest first',
    tag: 'query',
    params: [
      ...RANGE,
      q('agent', 'agent id'),
      q('model', 'model name'),
      q('status', 'ok | error | unset'),
      q('kind', 'span kind'),
      q('service', 'service name'),
      q('userId', 'user id (any span of the trace)'),
      q('sessionId', 'session id (any span of the trace)'),
      q('text', 'case-insensitive substring of names, status messages, inputs, outputs'),
      q('minDurationMs', 'minimum duration', num),
      q('minCostUsd', 'minimum cost', num),
      ...PAGE,
    ],
    ok: {
      status: 200,
      schema: obj({ items: { type: 'array', items: ref('TraceSummary') }, nextCursor: nullable('string') }),
    },
  },
  {
    method: 'get',
    path: '/api/v1/traces/{traceId}',
    summary: 'One trace with its spans ordered by start',
    tag: 'query',
    params: [{ name: 'traceId', in: 'path', required: true, schema: hex32 }],
    ok: { status: 200, schema: ref('Trace') },
    errors: [400, 401, 403, 404],
  },
  {
    method: 'get',
    path: '/api/v1/dashboard',
    summary: 'Dashboard summary',
    tag: 'query',
    params: RANGE,
    ok: { status: 200, schema: ref('Dashboard') },
  },
  {
    method: 'get',
    path: '/api/v1/metrics/query',
    summary: 'Metric series (use label.<key>=<value> to filter by label)',
    tag: 'query',
    params: [
      { ...q('name', 'metric name'), required: true },
      ...RANGE,
      STEP,
      q('aggregation', 'avg sum min max count last rate p50 p90 p95 p99'),
      q('groupBy', 'comma-separated label keys'),
    ],
    ok: { status: 200, schema: ref('Series') },
  },
  {
    method: 'get',
    path: '/api/v1/spans/series',
    summary: 'Span-derived series',
    tag: 'query',
    params: [
      q('measure', 'count errors error_rate avg_ms p50_ms p95_ms p99_ms tokens cost'),
      ...RANGE,
      STEP,
      q('groupBy', 'model agent kind service provider'),
      q('kind', 'span kind'),
      q('model', 'model name'),
      q('agent', 'agent id'),
    ],
    ok: { status: 200, schema: ref('Series') },
  },
  {
    method: 'get',
    path: '/api/v1/logs',
    summary: 'Logs, newest first',
    tag: 'query',
    params: [
      ...RANGE,
      q('traceId', '32 hex'),
      q('minSeverity', '1..24 or trace|debug|info|warn|error|fatal'),
      q('text', 'substring of the body'),
      ...PAGE,
    ],
    ok: { status: 200, schema: obj({ items: { type: 'array', items: ref('Log') }, nextCursor: nullable('string') }) },
  },
  {
    method: 'get',
    path: '/api/v1/anomalies',
    summary: 'Detected anomalies',
    tag: 'query',
    params: [...RANGE, q('metric', 'series identity'), q('limit', 'max items', int)],
    ok: { status: 200, schema: obj({ items: { type: 'array', items: ref('Anomaly') } }) },
  },
  {
    method: 'post',
    path: '/api/v1/anomalies/detect',
    summary:
      'Run anomaly detection over a range now (member or admin); found anomalies are recorded unless record is false',
    tag: 'analytics',
    body: {
      required: false,
      content: {
        'application/json': obj(
          {
            from: str,
            to: str,
            step: str,
            algorithm: { type: 'string', description: 'a detector name or auto' },
            sensitivity: { type: 'string', enum: ['low', 'medium', 'high'] },
            metrics: { type: 'array', items: str },
            record: { type: 'boolean' },
          },
          [],
        ),
      },
    },
    ok: {
      status: 200,
      schema: obj({
        items: { type: 'array', items: ref('Anomaly') },
        seriesScanned: int,
        seriesSkipped: int,
        recorded: int,
      }),
    },
  },
  {
    method: 'post',
    path: '/api/v1/predictions',
    summary:
      'Forecast a metric (span.<measure> or a metric name) with prediction intervals; with limit, when it crosses it',
    tag: 'analytics',
    body: {
      required: true,
      content: {
        'application/json': obj(
          {
            metric: str,
            labels: labels,
            from: str,
            to: str,
            step: str,
            horizon: str,
            forecastPeriod: int,
            confidence: num,
            model: str,
            includeSeasonality: { type: 'boolean' },
            limit: num,
            direction: { type: 'string', enum: ['above', 'below'] },
          },
          ['metric'],
        ),
      },
    },
    ok: { status: 200, schema: { type: 'object' } },
  },
  {
    method: 'get',
    path: '/api/v1/reports/performance',
    summary: 'Performance report over a range (compared with the previous range) with recommendations',
    tag: 'analytics',
    params: [...RANGE, q('sloMs', 'latency objective in ms', num)],
    ok: { status: 200, schema: { type: 'object' } },
  },
  {
    method: 'get',
    path: '/api/v1/alerts',
    summary: 'Alerts',
    tag: 'alerts',
    params: [q('state', 'comma-separated states')],
    ok: { status: 200, schema: obj({ items: { type: 'array', items: ref('Alert') } }) },
  },
  {
    method: 'post',
    path: '/api/v1/alerts/{id}/ack',
    summary: 'Acknowledge an alert (member or admin)',
    tag: 'alerts',
    params: [{ name: 'id', in: 'path', required: true, schema: str }],
    ok: { status: 200, schema: ref('Alert') },
    errors: [401, 403, 404],
  },
  ...alertingRoutes(),
  {
    method: 'get',
    path: '/api/v1/keys',
    summary: 'API keys of the project (admin)',
    tag: 'keys',
    ok: { status: 200, schema: obj({ items: { type: 'array', items: ref('ApiKey') } }) },
  },
  {
    method: 'post',
    path: '/api/v1/keys',
    summary: 'Create an API key (admin); the plaintext key is returned once',
    tag: 'keys',
    body: {
      required: true,
      content: {
        'application/json': obj(
          { name: str, role: { type: 'string', enum: ['admin', 'member', 'viewer', 'ingest'] } },
          ['name'],
        ),
      },
    },
    ok: { status: 201, schema: { allOf: [ref('ApiKey'), obj({ key: str })] } },
  },
  {
    method: 'delete',
    path: '/api/v1/keys/{id}',
    summary: 'Revoke an API key (admin)',
    tag: 'keys',
    params: [{ name: 'id', in: 'path', required: true, schema: str }],
    ok: { status: 204, description: 'revoked' },
    errors: [401, 403, 404],
  },
  {
    method: 'get',
    path: '/api/v1/stream',
    summary: 'Server-sent events: `spans` after each commit, `anomaly`, `alert`; heartbeat comments every 15 s',
    tag: 'stream',
    ok: { status: 200, contentType: 'text/event-stream', schema: str },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    summary: 'This document',
    tag: 'meta',
    auth: false,
    ok: { status: 200, schema: { type: 'object' } },
  },
  {
    method: 'get',
    path: '/live',
    summary: 'Liveness',
    tag: 'health',
    auth: false,
    ok: { status: 200, schema: obj({ status: str }) },
  },
  {
    method: 'get',
    path: '/ready',
    summary: 'Readiness: the store answers and ingest is accepted',
    tag: 'health',
    auth: false,
    ok: { status: 200, schema: obj({ status: str }) },
    errors: [503],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus exposition',
    tag: 'health',
    auth: false,
    ok: { status: 200, contentType: 'text/plain; version=0.0.4', schema: str },
  },
];

const ERROR_TEXT: Record<number, string> = {
  400: 'bad input',
  401: 'missing or unknown API key',
  403: 'role too weak',
  404: 'not found',
  409: 'conflict with the current state (id exists, or still in use)',
  413: 'body too large',
  415: 'unsupported content type or encoding',
  429: 'ingest queue full; retry after Retry-After seconds',
  503: 'not ready',
};

let cached: Schema | null = null;

/** Alert rules, channels, silences and per-alert deliveries (routes/alert-rules.ts). */
function alertingRoutes(): Route[] {
  const id = [{ name: 'id', in: 'path' as const, required: true, schema: str }];
  const list = (name: string) => obj({ items: { type: 'array', items: ref(name) } });
  const json = (name: string) => ({ required: true, content: { 'application/json': ref(name) } });
  const crud = (path: string, what: string, schema: string, input: string): Route[] => [
    { method: 'get', path, summary: `List ${what}s`, tag: 'alerts', ok: { status: 200, schema: list(schema) } },
    {
      method: 'post',
      path,
      summary: `Create a ${what} (member or admin)`,
      tag: 'alerts',
      body: json(input),
      ok: { status: 201, schema: ref(schema) },
      errors: [400, 401, 403, 409],
    },
    {
      method: 'get',
      path: `${path}/{id}`,
      summary: `One ${what}`,
      tag: 'alerts',
      params: id,
      ok: { status: 200, schema: ref(schema) },
      errors: [401, 403, 404],
    },
    {
      method: 'put',
      path: `${path}/{id}`,
      summary: `Replace a ${what} (member or admin)`,
      tag: 'alerts',
      params: id,
      body: json(input),
      ok: { status: 200, schema: ref(schema) },
      errors: [400, 401, 403, 404],
    },
    {
      method: 'delete',
      path: `${path}/{id}`,
      summary: `Delete a ${what} (member or admin)`,
      tag: 'alerts',
      params: id,
      ok: { status: 204, description: 'deleted' },
      errors: [401, 403, 404, 409],
    },
  ];
  return [
    ...crud('/api/v1/alert-rules', 'alert rule', 'AlertRule', 'AlertRuleInput'),
    {
      method: 'post',
      path: '/api/v1/alert-rules/preview',
      summary: 'Evaluate a condition now without saving it: the label sets it would fire for',
      tag: 'alerts',
      body: { required: true, content: { 'application/json': obj({ condition: ref('AlertCondition') }) } },
      ok: {
        status: 200,
        schema: obj({ matches: { type: 'array', items: obj({ labels, value: nullable('number'), message: str }) } }),
      },
    },
    ...crud('/api/v1/channels', 'notification channel', 'Channel', 'ChannelInput'),
    {
      method: 'post',
      path: '/api/v1/channels/{id}/test',
      summary: 'Send a test notification through a channel (member or admin); the delivery is logged',
      tag: 'alerts',
      params: id,
      ok: { status: 200, schema: ref('Delivery') },
      errors: [401, 403, 404],
    },
    {
      method: 'get',
      path: '/api/v1/silences',
      summary: 'Silences, newest first',
      tag: 'alerts',
      params: [q('active', 'true: only silences in effect now')],
      ok: { status: 200, schema: list('Silence') },
    },
    {
      method: 'post',
      path: '/api/v1/silences',
      summary: 'Create a silence (member or admin): alerts whose labels match every matcher are silenced',
      tag: 'alerts',
      body: {
        required: true,
        content: {
          'application/json': obj({ matchers: labels, startsAt: str, endsAt: str, durationMs: int, comment: str }, [
            'matchers',
          ]),
        },
      },
      ok: { status: 201, schema: ref('Silence') },
    },
    {
      method: 'delete',
      path: '/api/v1/silences/{id}',
      summary: 'Delete (end) a silence (member or admin)',
      tag: 'alerts',
      params: id,
      ok: { status: 204, description: 'deleted' },
      errors: [401, 403, 404],
    },
    {
      method: 'get',
      path: '/api/v1/alerts/{id}/deliveries',
      summary: "An alert's notification deliveries, newest first",
      tag: 'alerts',
      params: id,
      ok: { status: 200, schema: list('Delivery') },
      errors: [401, 403, 404],
    },
    {
      method: 'post',
      path: '/api/v1/alerts/{id}/silence',
      summary: 'Silence an alert (member or admin): a silence matching its labels for a duration (default 1h)',
      tag: 'alerts',
      params: id,
      body: {
        required: false,
        content: {
          'application/json': obj(
            { duration: { type: 'string', description: '30m, 2h, 1d' }, durationMs: int, comment: str },
            [],
          ),
        },
      },
      ok: { status: 201, schema: obj({ silence: ref('Silence'), alert: ref('Alert') }) },
      errors: [400, 401, 403, 404],
    },
  ];
}

export function openApiDocument(): Schema {
  if (cached) return cached;
  const paths: Record<string, Record<string, Schema>> = {};
  for (const r of ROUTES) {
    const responses: Record<string, Schema> = {
      [String(r.ok.status)]: {
        description: r.ok.description ?? 'OK',
        ...(r.ok.schema || r.ok.contentType
          ? {
              content: {
                [r.ok.contentType ?? 'application/json']: {
                  schema: r.ok.schema ?? { type: 'string', format: 'binary' },
                },
              },
            }
          : {}),
      },
    };
    const errors = r.errors ?? (r.auth === false ? [] : [400, 401, 403]);
    for (const status of errors) {
      responses[String(status)] = {
        description: ERROR_TEXT[status] ?? 'error',
        ...(status === 429 ? { headers: { 'Retry-After': { schema: int } } } : {}),
        content: { 'application/json': { schema: ref('Error') } },
      };
    }
    paths[r.path] ??= {};
    paths[r.path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(r.params?.length
        ? {
            parameters: r.params.map((p) => ({
              in: p.in ?? 'query',
              required: p.required ?? false,
              ...p,
              schema: p.schema ?? str,
            })),
          }
        : {}),
      ...(r.body
        ? {
            requestBody: {
              required: r.body.required ?? true,
              content: Object.fromEntries(Object.entries(r.body.content).map(([k, schema]) => [k, { schema }])),
            },
          }
        : {}),
      ...(r.auth === false ? { security: [] } : {}),
      responses,
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Vigil API',
      version: '1',
      description: 'Observability for AI agents: OTLP/HTTP ingest, traces, metrics, logs, anomalies, alerts.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: ['ingest', 'query', 'analytics', 'alerts', 'keys', 'stream', 'meta', 'health'].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...schemas, ...INSIGHTS_SCHEMAS },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Vigil API key (vgl_…)' } },
    },
  };
  return cached;
}
