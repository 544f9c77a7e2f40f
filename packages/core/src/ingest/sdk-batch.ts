/**
 * The Vigil SDK's own batch format (`POST /api/v1/ingest`, docs/api.md "SDK batch") → records.
 * Each event is validated on its own: a bad one is reported by index and the rest are kept.
 */
import type {
  AgentRunStart,
  Attributes,
  AttributeValue,
  MetricType,
  SpanEvent,
  SpanKind,
  SpanRecord,
  SpanStatus,
} from '../model/telemetry.js';
import { METRIC_TYPES, SPAN_KINDS, SPAN_STATUSES } from '../model/telemetry.js';
import { mapSpanConventions } from './conventions.js';
import { normalizeHexId, setOwn, ZERO_SPAN_ID, ZERO_TRACE_ID } from './hex.js';
import { capStrings, labelsOf, payload, severityText, timeProblem } from './normalize.js';
import type { DecodeStats } from './raw.js';
import { IngestError, type NormalizeContext, type SdkBatchResult } from './types.js';

type Obj = Record<string, unknown>;

/** A rejected event: the message goes back to the client with the event's index. */
class EventError extends Error {}

function fail(message: string): never {
  throw new EventError(message);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const FRACTION = /T\d{2}:\d{2}:\d{2}[.,](\d+)/;

/** ISO 8601 or epoch milliseconds → epoch µs; keeps sub-millisecond digits of ISO strings. */
export function parseSdkTimeUs(v: unknown, field: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) fail(`${field} must be an ISO 8601 string or epoch milliseconds`);
    return Math.round(v * 1000);
  }
  if (typeof v === 'string' && v !== '') {
    if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) {
      const frac = FRACTION.exec(v);
      const micro = frac && frac[1].length > 3 ? Number(frac[1].slice(3, 6).padEnd(3, '0')) : 0;
      return ms * 1000 + micro;
    }
  }
  fail(`${field} must be an ISO 8601 string or epoch milliseconds`);
}

function optStr(o: Obj, field: string): string | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  fail(`${field} must be a string`);
}

function reqStr(o: Obj, field: string): string {
  const v = optStr(o, field);
  if (v === null) fail(`${field} is required`);
  return v;
}

function optNum(o: Obj, field: string): number | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) fail(`${field} must be a finite number`);
  return n;
}

function optCount(o: Obj, field: string): number | null {
  const n = optNum(o, field);
  if (n !== null && n < 0) fail(`${field} must not be negative`);
  return n;
}

function hexId(o: Obj, field: string, chars: number, required: boolean): string | null {
  const v = o[field];
  if (v === undefined || v === null || v === '') {
    if (required) fail(`${field} is required (${chars} hex characters)`);
    return null;
  }
  const id = normalizeHexId(v, chars);
  if (id === null || id === ZERO_TRACE_ID || id === ZERO_SPAN_ID)
    fail(`${field} must be ${chars} hex characters, not all zeros`);
  return id;
}

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** JSON attributes → Attributes under the limits (count, value length, nesting). */
function attributesOf(v: unknown, ctx: NormalizeContext, stats: DecodeStats): Attributes {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) fail('attributes must be an object');
  const out: Attributes = {};
  let n = 0;
  for (const k in v) {
    if (n >= ctx.limits.maxAttributes) {
      stats.truncated++;
      continue;
    }
    setOwn(out, k, jsonValue(v[k], ctx, stats, 0));
    n++;
  }
  stats.truncated += capStrings(out, ctx);
  return out;
}

function jsonValue(v: unknown, ctx: NormalizeContext, stats: DecodeStats, depth: number): AttributeValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v as AttributeValue;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (depth >= 8) {
    stats.truncated++;
    return null;
  }
  if (Array.isArray(v)) return v.slice(0, ctx.limits.maxAttributes).map((x) => jsonValue(x, ctx, stats, depth + 1));
  if (isObj(v)) {
    const o: Attributes = {};
    for (const k in v) setOwn(o, k, jsonValue(v[k], ctx, stats, depth + 1));
    return o;
  }
  return null;
}

function payloadText(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function checkTime(us: number, ctx: NormalizeContext, what: string): void {
  const p = timeProblem(us, ctx, what);
  if (p !== null) fail(p);
}

interface ErrorInfo {
  message: string | null;
  event: SpanEvent | null;
}

function errorInfo(v: unknown, timeUs: number): ErrorInfo {
  if (v === undefined || v === null || v === false) return { message: null, event: null };
  const o: Obj = isObj(v) ? v : { message: String(v) };
  const message = typeof o.message === 'string' ? o.message : null;
  const attributes: Attributes = {};
  if (typeof o.type === 'string') attributes['exception.type'] = o.type;
  if (message !== null) attributes['exception.message'] = message;
  if (typeof o.stack === 'string') attributes['exception.stacktrace'] = o.stack;
  return { message, event: { name: 'exception', timeUs, attributes } };
}

function spanBase(
  ctx: NormalizeContext,
  serviceName: string,
): Omit<SpanRecord, 'traceId' | 'spanId' | 'name' | 'kind' | 'startUs' | 'endUs'> {
  return {
    project: ctx.project,
    parentSpanId: null,
    serviceName,
    status: 'unset',
    statusMessage: null,
    model: null,
    provider: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    agentId: null,
    agentName: null,
    agentVersion: null,
    sessionId: null,
    userId: null,
    attributes: {},
    events: [],
    input: null,
    output: null,
  };
}

/** Fills columns the event left empty from the attribute conventions, then prices the call. */
function finishSpan(s: SpanRecord, ctx: NormalizeContext, stats: DecodeStats, kindGiven: boolean): SpanRecord {
  const cols = mapSpanConventions(s.attributes, s.events, 1);
  if (!kindGiven && cols.kind !== 'internal') s.kind = cols.kind;
  s.model ??= cols.model;
  s.provider ??= cols.provider;
  s.inputTokens ??= cols.inputTokens;
  s.outputTokens ??= cols.outputTokens;
  s.costUsd ??= cols.costUsd;
  s.agentId ??= cols.agentId;
  s.agentName ??= cols.agentName;
  s.agentVersion ??= cols.agentVersion;
  s.sessionId ??= cols.sessionId;
  s.userId ??= cols.userId;
  if (s.input === null && cols.input !== null) s.input = cols.input;
  if (s.output === null && cols.output !== null) s.output = cols.output;
  s.input = payload(s.input, ctx, stats);
  s.output = payload(s.output, ctx, stats);
  if (
    s.costUsd === null &&
    s.model !== null &&
    (s.kind === 'llm' || s.kind === 'embedding') &&
    (s.inputTokens !== null || s.outputTokens !== null)
  ) {
    s.costUsd = ctx.prices.priceFor(s.model, s.provider, s.inputTokens ?? 0, s.outputTokens ?? 0);
  }
  if (s.events.length > ctx.limits.maxEventsPerSpan) {
    stats.truncated += s.events.length - ctx.limits.maxEventsPerSpan;
    s.events = s.events.slice(0, ctx.limits.maxEventsPerSpan);
  }
  return s;
}

const SEVERITIES: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, warning: 13, error: 17, fatal: 21 };

const SYSTEM_GAUGES: [string, string, string][] = [
  ['cpuUsage', 'system.cpu.usage', '%'],
  ['memoryUsage', 'system.memory.usage', '%'],
  ['diskUsage', 'system.disk.usage', '%'],
  ['networkLatency', 'system.network.latency', 'ms'],
  ['activeConnections', 'system.connections.active', '{connection}'],
  ['gpuUsage', 'system.gpu.usage', '%'],
  ['gpuMemoryUsage', 'system.gpu.memory.usage', '%'],
];

const VALID_KINDS = new Set<string>(SPAN_KINDS);
const VALID_STATUSES = new Set<string>(SPAN_STATUSES);
const VALID_METRIC_TYPES = new Set<string>(METRIC_TYPES);

export function normalizeSdkBatch(body: unknown, ctx: NormalizeContext): SdkBatchResult {
  if (!isObj(body) || !Array.isArray(body.events)) {
    throw new IngestError('SDK batch must be a JSON object with an "events" array');
  }
  const batchService =
    typeof body.serviceName === 'string' && body.serviceName !== '' ? body.serviceName : 'unknown_service';
  const stats: DecodeStats = { truncated: 0, invalidUtf8: 0 };
  const res: SdkBatchResult = {
    spans: [],
    metrics: [],
    logs: [],
    agentRunStarts: [],
    agentRunEnds: [],
    accepted: 0,
    rejected: 0,
    errors: [],
    truncated: 0,
  };

  const events = body.events as unknown[];
  for (let index = 0; index < events.length; index++) {
    const ev = events[index];
    try {
      if (!isObj(ev)) fail('event must be an object');
      const type = ev.type;
      if (typeof type !== 'string') fail('type is required');
      const timeUs = ev.time === undefined || ev.time === null ? ctx.nowUs : parseSdkTimeUs(ev.time, 'time');
      const service = optStr(ev, 'serviceName') ?? batchService;
      switch (type) {
        case 'agent_start': {
          const agentId = reqStr(ev, 'agentId');
          const traceId = hexId(ev, 'traceId', 32, true) as string;
          const spanId = hexId(ev, 'runId', 16, true) as string;
          checkTime(timeUs, ctx, 'time');
          const run: AgentRunStart = {
            project: ctx.project,
            traceId,
            spanId,
            agentId,
            agentName: optStr(ev, 'agentName'),
            agentVersion: optStr(ev, 'agentVersion'),
            sessionId: optStr(ev, 'sessionId'),
            userId: optStr(ev, 'userId'),
            serviceName: service,
            startUs: timeUs,
          };
          hexId(ev, 'parentSpanId', 16, false); // validated now; the completing span carries it
          attributesOf(ev.attributes, ctx, stats);
          res.agentRunStarts.push(run);
          break;
        }
        case 'agent_complete':
        case 'agent_error': {
          const agentId = reqStr(ev, 'agentId');
          const traceId = hexId(ev, 'traceId', 32, true) as string;
          const spanId = hexId(ev, 'runId', 16, true) as string;
          if (ev.startTime === undefined || ev.startTime === null) fail('startTime is required');
          const startUs = parseSdkTimeUs(ev.startTime, 'startTime');
          if (timeUs < startUs) fail('time (the end) is before startTime');
          checkTime(startUs, ctx, 'startTime');
          checkTime(timeUs, ctx, 'time');
          const isError = type === 'agent_error';
          const err = errorInfo(ev.error, timeUs);
          const agentName = optStr(ev, 'agentName');
          const span: SpanRecord = {
            ...spanBase(ctx, service),
            traceId,
            spanId,
            parentSpanId: hexId(ev, 'parentSpanId', 16, false),
            name: `invoke_agent ${agentName ?? agentId}`,
            kind: 'agent',
            startUs,
            endUs: timeUs,
            status: isError ? 'error' : 'ok',
            statusMessage: isError ? (err.message ?? 'agent run failed') : null,
            agentId,
            agentName,
            agentVersion: optStr(ev, 'agentVersion'),
            sessionId: optStr(ev, 'sessionId'),
            userId: optStr(ev, 'userId'),
            attributes: attributesOf(ev.attributes, ctx, stats),
            events: err.event ? [err.event] : [],
            input: payloadText(ev.input),
            output: payloadText(ev.output),
          };
          res.spans.push(finishSpan(span, ctx, stats, true));
          res.agentRunEnds.push({ project: ctx.project, spanId });
          break;
        }
        case 'inference': {
          const model = reqStr(ev, 'model');
          const durationMs = optCount(ev, 'durationMs') ?? 0;
          const endUs = timeUs;
          const startUs = Math.round(endUs - durationMs * 1000);
          checkTime(startUs, ctx, 'start (time - durationMs)');
          checkTime(endUs, ctx, 'time');
          let inputTokens = optCount(ev, 'inputTokens');
          const outputTokens = optCount(ev, 'outputTokens');
          const total = optCount(ev, 'tokenCount');
          // Only a total: attribute what is known; the split keeps cost a lower bound, never zero.
          if (inputTokens === null && total !== null) inputTokens = Math.max(0, total - (outputTokens ?? 0));
          const success = ev.success === undefined || ev.success === null ? ev.error == null : ev.success !== false;
          const err = errorInfo(ev.error ?? (success ? null : { message: 'inference failed' }), endUs);
          const attributes = attributesOf(ev.attributes, ctx, stats);
          if (total !== null) attributes['vigil.token_count'] = total;
          const span: SpanRecord = {
            ...spanBase(ctx, service),
            traceId: hexId(ev, 'traceId', 32, false) ?? randomHex(16),
            spanId: hexId(ev, 'spanId', 16, false) ?? randomHex(8),
            parentSpanId: hexId(ev, 'parentSpanId', 16, false),
            name: optStr(ev, 'name') ?? `chat ${model}`,
            kind: 'llm',
            startUs,
            endUs,
            status: success ? 'ok' : 'error',
            statusMessage: success ? null : (err.message ?? 'inference failed'),
            model,
            provider: optStr(ev, 'provider'),
            inputTokens,
            outputTokens,
            costUsd: optCount(ev, 'costUsd'),
            agentId: optStr(ev, 'agentId'),
            sessionId: optStr(ev, 'sessionId'),
            userId: optStr(ev, 'userId'),
            attributes,
            events: err.event && !success ? [err.event] : [],
            input: payloadText(ev.input),
            output: payloadText(ev.output),
          };
          res.spans.push(finishSpan(span, ctx, stats, true));
          break;
        }
        case 'metric': {
          const name = reqStr(ev, 'name');
          const value = optNum(ev, 'value');
          if (value === null) fail('value is required');
          const mt = optStr(ev, 'metricType') ?? 'gauge';
          if (!VALID_METRIC_TYPES.has(mt)) fail(`metricType must be one of ${METRIC_TYPES.join(', ')}`);
          checkTime(timeUs, ctx, 'time');
          const rawLabels = ev.labels ?? ev.dimensions ?? ev.tags;
          if (rawLabels !== undefined && rawLabels !== null && !isObj(rawLabels)) fail('labels must be an object');
          const labels = labelsOf(attributesOf(rawLabels, ctx, stats));
          const agentId = optStr(ev, 'agentId');
          if (agentId !== null) labels.agent_id = agentId;
          res.metrics.push({
            project: ctx.project,
            name,
            type: mt as MetricType,
            unit: optStr(ev, 'unit') ?? '',
            timeUs,
            value,
            histogram: null,
            labels,
            serviceName: service,
          });
          break;
        }
        case 'system': {
          checkTime(timeUs, ctx, 'time');
          const points = [];
          for (const [field, name, unit] of SYSTEM_GAUGES) {
            const v = optNum(ev, field);
            if (v === null) continue;
            points.push({
              project: ctx.project,
              name,
              type: 'gauge' as const,
              unit,
              timeUs,
              value: v,
              histogram: null,
              labels: {},
              serviceName: service,
            });
          }
          if (points.length === 0)
            fail(`system event needs at least one of ${SYSTEM_GAUGES.map((g) => g[0]).join(', ')}`);
          res.metrics.push(...points);
          break;
        }
        case 'log': {
          let severity = 9;
          const sv = ev.severity;
          if (typeof sv === 'number') {
            if (!Number.isInteger(sv) || sv < 1 || sv > 24) fail('severity must be 1..24 or a level name');
            severity = sv;
          } else if (typeof sv === 'string') {
            const n = SEVERITIES[sv.toLowerCase()];
            if (n === undefined) fail('severity must be trace|debug|info|warn|error|fatal or 1..24');
            severity = n;
          } else if (sv !== undefined && sv !== null) fail('severity must be a string or a number');
          checkTime(timeUs, ctx, 'time');
          res.logs.push({
            project: ctx.project,
            timeUs,
            severity,
            severityText: severityText(severity),
            body: payload(payloadText(ev.body) ?? '', ctx, stats) ?? '',
            traceId: hexId(ev, 'traceId', 32, false),
            spanId: hexId(ev, 'spanId', 16, false),
            serviceName: service,
            attributes: attributesOf(ev.attributes, ctx, stats),
          });
          break;
        }
        case 'span':
          res.spans.push(apiSpan(ev, ctx, stats, service));
          break;
        default:
          fail(`unknown event type ${JSON.stringify(type)}`);
      }
      res.accepted++;
    } catch (e) {
      if (!(e instanceof EventError)) throw e;
      res.rejected++;
      res.errors.push({ index, message: e.message });
    }
  }
  res.truncated = stats.truncated;
  return res;
}

/** A span in the API's JSON shape (docs/api.md "Span") → SpanRecord. */
function apiSpan(ev: Obj, ctx: NormalizeContext, stats: DecodeStats, service: string): SpanRecord {
  const traceId = hexId(ev, 'traceId', 32, true) as string;
  const spanId = hexId(ev, 'spanId', 16, true) as string;
  if (ev.startTime === undefined || ev.startTime === null) fail('startTime is required');
  if (ev.endTime === undefined || ev.endTime === null) fail('endTime is required');
  const startUs = parseSdkTimeUs(ev.startTime, 'startTime');
  const endUs = parseSdkTimeUs(ev.endTime, 'endTime');
  if (endUs < startUs) fail('endTime is before startTime');
  checkTime(startUs, ctx, 'startTime');
  checkTime(endUs, ctx, 'endTime');
  const kindRaw = optStr(ev, 'kind');
  if (kindRaw !== null && !VALID_KINDS.has(kindRaw)) fail(`kind must be one of ${SPAN_KINDS.join(', ')}`);
  const status = optStr(ev, 'status') ?? 'unset';
  if (!VALID_STATUSES.has(status)) fail(`status must be one of ${SPAN_STATUSES.join(', ')}`);
  const events: SpanEvent[] = [];
  if (ev.events !== undefined && ev.events !== null) {
    if (!Array.isArray(ev.events)) fail('events must be an array');
    for (const e of ev.events) {
      if (!isObj(e)) fail('span event must be an object');
      events.push({
        name: reqStr(e, 'name'),
        timeUs: e.time === undefined || e.time === null ? startUs : parseSdkTimeUs(e.time, 'events[].time'),
        attributes: attributesOf(e.attributes, ctx, stats),
      });
    }
  }
  const span: SpanRecord = {
    ...spanBase(ctx, optStr(ev, 'serviceName') ?? service),
    traceId,
    spanId,
    parentSpanId: hexId(ev, 'parentSpanId', 16, false),
    name: optStr(ev, 'name') ?? '',
    kind: (kindRaw ?? 'internal') as SpanKind,
    startUs,
    endUs,
    status: status as SpanStatus,
    statusMessage: optStr(ev, 'statusMessage'),
    model: optStr(ev, 'model'),
    provider: optStr(ev, 'provider'),
    inputTokens: optCount(ev, 'inputTokens'),
    outputTokens: optCount(ev, 'outputTokens'),
    costUsd: optCount(ev, 'costUsd'),
    agentId: optStr(ev, 'agentId'),
    agentName: optStr(ev, 'agentName'),
    agentVersion: optStr(ev, 'agentVersion'),
    sessionId: optStr(ev, 'sessionId'),
    userId: optStr(ev, 'userId'),
    attributes: attributesOf(ev.attributes, ctx, stats),
    events,
    input: payloadText(ev.input),
    output: payloadText(ev.output),
  };
  return finishSpan(span, ctx, stats, kindRaw !== null);
}
