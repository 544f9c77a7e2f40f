/**
 * The Store contract. Every backend (DuckDB, PostgreSQL, later ClickHouse) implements it and passes
 * the shared contract suite in `store.contract.ts`. Shaped like Prometheus' storage interfaces:
 * an Appender for writes (group commit lives above it) and query methods that push aggregation
 * into the database. Every method takes the project: no query can cross projects by omission.
 */
import type { AlertRule, DeliveryRecord, NotificationChannel, Silence } from '../alerting/types.js';
import type { DecodeResult, IngestLimits, OtlpFormat, PriceOverride } from '../ingest/types.js';
import type { AgentRunStart, LogRecord, MetricPoint, SpanKind, SpanRecord, SpanStatus } from '../model/telemetry.js';
import type {
  AgentDetail,
  CostBreakdown,
  CostGroupBy,
  ErrorGroupQuery,
  ErrorGroups,
  ModelErrors,
  ServiceMap,
} from './insights.js';

export type BackendName = 'duckdb' | 'postgres';

/** Half-open time range [fromUs, toUs) in epoch microseconds. */
export interface TimeRange {
  fromUs: number;
  toUs: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; null when there is none. */
  nextCursor: string | null;
}

/** Writes collected by the ingest pipeline's group commit; durable once commit() resolves. */
export interface Appender {
  spans(rows: readonly SpanRecord[]): void;
  metrics(rows: readonly MetricPoint[]): void;
  logs(rows: readonly LogRecord[]): void;
  agentRunStarts(rows: readonly AgentRunStart[]): void;
  /** Ends open runs (by project + spanId); the run's completed agent span comes through spans(). */
  agentRunEnds(rows: readonly { project: string; spanId: string }[]): void;
  /** Spans a TraceDecoder of this store already encoded (only on stores that offer one). */
  encodedSpans?(batch: EncodedSpans): void;
  /** Write everything appended in one transaction; resolves when it is durable on disk. */
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface TraceQuery extends TimeRange {
  agent?: string;
  model?: string;
  status?: SpanStatus;
  kind?: SpanKind;
  service?: string;
  /** Traces with a span of this user / session. */
  userId?: string;
  sessionId?: string;
  /** Case-insensitive substring over span names, status messages, inputs and outputs. */
  text?: string;
  minDurationMs?: number;
  minCostUsd?: number;
  limit: number;
  cursor?: string | null;
}

/** One row of the trace list: the trace's root span plus roll-ups over all its spans. */
export interface TraceSummary {
  traceId: string;
  rootSpanId: string;
  name: string;
  kind: SpanKind;
  serviceName: string;
  startUs: number;
  endUs: number;
  status: SpanStatus;
  spanCount: number;
  errorCount: number;
  agentId: string | null;
  agentName: string | null;
  models: string[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface AgentStats {
  activeAgents: number;
  totalRuns: number;
  completedRuns: number;
  failedRuns: number;
  averageRunMs: number | null;
  byAgent: {
    agentId: string;
    agentName: string | null;
    runs: number;
    errors: number;
    p50Ms: number | null;
    p95Ms: number | null;
    costUsd: number;
  }[];
}

export interface ModelStatsRow {
  model: string;
  provider: string | null;
  calls: number;
  errors: number;
  averageLatencyMs: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface ModelStats {
  calls: number;
  errors: number;
  averageLatencyMs: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  byModel: ModelStatsRow[];
}

/** Every series aggregation, for validating API input (one list, the type follows it). */
export const SERIES_AGGREGATIONS = [
  'avg',
  'sum',
  'min',
  'max',
  'count',
  'last',
  'rate',
  'p50',
  'p90',
  'p95',
  'p99',
] as const;
export type SeriesAggregation = (typeof SERIES_AGGREGATIONS)[number];

export interface MetricSeriesQuery extends TimeRange {
  name: string;
  stepMs: number;
  aggregation: SeriesAggregation;
  /** Label keys to group by; one series per distinct combination. */
  groupBy?: string[];
  /** Exact-match label filter. */
  labels?: Record<string, string>;
}

/** Every span series measure, for validating API input (one list, the type follows it). */
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
export type SpanMeasure = (typeof SPAN_MEASURES)[number];

export interface SpanSeriesQuery extends TimeRange {
  stepMs: number;
  measure: SpanMeasure;
  groupBy?: 'model' | 'agent' | 'kind' | 'service' | 'provider';
  kind?: SpanKind;
  model?: string;
  agent?: string;
  /**
   * Percentiles may be estimated in bounded memory (DuckDB: approx_quantile, a t-digest) instead of
   * from every duration: what background detection asks for over a day of minute buckets, where
   * exact percentiles hold every value in memory (~100 MB for 6M spans). Steps served by the
   * hourly rollups are sketched either way.
   */
  approximate?: boolean;
}

export interface Series {
  labels: Record<string, string>;
  /** [bucket start epoch ms, value] ordered by time; empty buckets are omitted. */
  points: [number, number][];
}

export interface Project {
  id: string;
  name: string;
  createdUs: number;
}

export type Role = 'admin' | 'member' | 'viewer' | 'ingest';

export interface ApiKeyRecord {
  id: string;
  project: string;
  name: string;
  role: Role;
  /** First characters of the key, for display ("vgl_ab12…"). */
  prefix: string;
  /** SHA-256 hex of the full key; the key itself is never stored. */
  hash: string;
  createdUs: number;
  lastUsedUs: number | null;
  revokedUs: number | null;
}

export interface AnomalyRecord {
  id: string;
  project: string;
  /** Series identity, e.g. "span.p95_ms" with labels {model: "gpt-4o"}. */
  metric: string;
  labels: Record<string, string>;
  timeUs: number;
  value: number;
  expected: number;
  lower: number;
  upper: number;
  score: number;
  severity: 'low' | 'medium' | 'high' | 'critical';
  confidence: number;
  detector: string;
  description: string;
  createdUs: number;
}

export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'resolved' | 'silenced';

export interface AlertRecord {
  id: string;
  project: string;
  ruleId: string | null;
  name: string;
  severity: 'info' | 'warning' | 'critical';
  state: AlertState;
  message: string;
  labels: Record<string, string>;
  value: number | null;
  startedUs: number;
  updatedUs: number;
  resolvedUs: number | null;
  acknowledgedBy: string | null;
}

export interface RetentionResult {
  spans: number;
  metrics: number;
  logs: number;
}

/**
 * Spans decoded and encoded into a store's own row format off the JS thread (Store.traceDecoder):
 * opaque to the pipeline, which only counts and forwards them to the appender.
 */
export interface EncodedSpans {
  readonly rows: number;
  /** The records themselves, when the decode was asked for them (live listeners). */
  readonly records?: readonly SpanRecord[];
  /** Gives up the batch when it will never reach an appender (refused by a full queue); idempotent. */
  discard(): void;
}

/** What a store's off-thread trace decoder needs to normalise as the core would. */
export interface TraceDecoderOptions {
  limits: IngestLimits;
  prices: PriceOverride[];
  /** Mask secrets/PII in payloads (createRedactor with limits.maxPayloadChars). */
  redact: boolean;
}

export interface DecodedTraces extends Omit<DecodeResult<never>, 'rows'> {
  /** Null when no span was accepted. */
  encoded: EncodedSpans | null;
  /** The accepted agent spans: they end agent runs (agentRunEndsOf). */
  agentRunEnds: { project: string; spanId: string }[];
}

/** OTLP trace requests decoded, normalised and encoded on worker threads (see DuckDbStore). */
export interface TraceDecoder {
  /** Rejects with an IngestError for a body that cannot be decoded at all. */
  decode(
    body: Uint8Array,
    format: OtlpFormat,
    project: string,
    opts: { nowUs: number; records: boolean },
  ): Promise<DecodedTraces>;
  /** Bytes of requests handed to the decoder and not decoded yet (the caller bounds it). */
  readonly backlogBytes: number;
  /** Worker threads running now (they start at the first request). */
  readonly threads: number;
}

export interface Store {
  readonly backend: BackendName;
  /**
   * Optional: a decoder that takes OTLP trace requests off the JS thread, ending in rows ready for
   * this store's appender (encodedSpans). Null where the store has none or it is switched off. The
   * store owns it (closes it on close).
   */
  traceDecoder?(opts: TraceDecoderOptions): TraceDecoder | null;
  /**
   * Optional: acknowledged span rows not yet in the tables queries read, and how many may wait (a
   * store that acknowledges from a log ahead of its tables: DuckDB's bulk loader). Past the limit
   * the ingest pipeline refuses batches (429), so when loading falls behind ingest the backlog
   * stays bounded: the disk it takes, how long a read waits for it, the replay after a crash.
   */
  loadBacklog?(): { rows: number; maxRows: number };

  /** Create or upgrade the schema (versioned migrations). Idempotent. */
  migrate(): Promise<void>;
  /** Cheap round trip used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;

  appender(): Appender;

  // --- telemetry queries ---
  listTraces(project: string, q: TraceQuery): Promise<Page<TraceSummary>>;
  getTrace(project: string, traceId: string): Promise<SpanRecord[]>;
  agentStats(project: string, range: TimeRange): Promise<AgentStats>;
  modelStats(project: string, range: TimeRange): Promise<ModelStats>;
  metricSeries(project: string, q: MetricSeriesQuery): Promise<Series[]>;
  spanSeries(project: string, q: SpanSeriesQuery): Promise<Series[]>;
  // --- aggregate insights (shapes and shared rules in ./insights.ts) ---
  /** Error spans grouped by exception type and normalised message, biggest groups first. */
  errorGroups(project: string, q: ErrorGroupQuery): Promise<ErrorGroups>;
  /** Who calls whom: agents, models, tools, retrievers and services, with edge calls, errors, p95. */
  serviceMap(project: string, range: TimeRange): Promise<ServiceMap>;
  /** Cost, tokens and model calls per group (top `limit` by cost) and cost per UTC day. */
  costBreakdown(project: string, range: TimeRange, groupBy: CostGroupBy, limit: number): Promise<CostBreakdown>;
  /** One agent's runs, latency distribution, tools, models, versions and recent sessions. */
  agentDetail(project: string, agentId: string, range: TimeRange): Promise<AgentDetail>;
  /** Model calls and errors per model, errors by kind (rate limit, timeout, auth, server, other). */
  modelErrors(project: string, range: TimeRange): Promise<ModelErrors>;
  /** Latest value per metric name (and label set) in range, for names starting with prefix. */
  latestMetrics(project: string, range: TimeRange, prefix: string): Promise<MetricPoint[]>;
  /** Streams spans in time order for `vigil export`. */
  exportSpans(project: string, range: TimeRange, batchSize?: number): AsyncIterable<SpanRecord[]>;
  listLogs(
    project: string,
    q: TimeRange & { traceId?: string; minSeverity?: number; text?: string; limit: number; cursor?: string | null },
  ): Promise<Page<LogRecord>>;

  // --- tenancy and keys ---
  createProject(p: Project): Promise<void>;
  getProject(id: string): Promise<Project | null>;
  listProjects(): Promise<Project[]>;
  createApiKey(k: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(project: string): Promise<ApiKeyRecord[]>;
  revokeApiKey(project: string, id: string, atUs: number): Promise<boolean>;
  touchApiKey(id: string, atUs: number): Promise<void>;

  // --- analysis results ---
  insertAnomalies(rows: readonly AnomalyRecord[]): Promise<void>;
  listAnomalies(project: string, q: TimeRange & { metric?: string; limit: number }): Promise<AnomalyRecord[]>;
  upsertAlert(a: AlertRecord): Promise<void>;
  listAlerts(project: string, q: { states?: AlertState[]; limit: number }): Promise<AlertRecord[]>;

  // --- alerting configuration and delivery log (records in ../alerting/types.ts) ---
  upsertAlertRule(r: AlertRule): Promise<void>;
  /** The project's rules, oldest first. */
  listAlertRules(project: string): Promise<AlertRule[]>;
  deleteAlertRule(project: string, id: string): Promise<boolean>;
  upsertChannel(c: NotificationChannel): Promise<void>;
  listChannels(project: string): Promise<NotificationChannel[]>;
  deleteChannel(project: string, id: string): Promise<boolean>;
  upsertSilence(s: Silence): Promise<void>;
  /** Newest first; with activeAtUs only silences with startsUs <= t < endsUs. */
  listSilences(project: string, q?: { activeAtUs?: number }): Promise<Silence[]>;
  deleteSilence(project: string, id: string): Promise<boolean>;
  insertDeliveries(rows: readonly DeliveryRecord[]): Promise<void>;
  /** Newest first. */
  listDeliveries(
    project: string,
    q: { alertId?: string; channelId?: string; limit: number },
  ): Promise<DeliveryRecord[]>;

  /** Deletes telemetry older than the cutoff (by time partition where the backend has them). */
  deleteBefore(cutoffUs: number): Promise<RetentionResult>;
}
