/**
 * Result shapes of the Store's aggregate "insight" queries (error groups, service map, cost
 * breakdown, agent detail, model errors) and the rules both backends implement in SQL: how an error
 * message is normalised, how an error is classified, the fixed latency histogram buckets. The
 * functions here are the reference the contract suite checks the SQL against.
 */
import type { TimeRange } from './store.js';

// --- error groups ---

export interface ErrorGroupQuery extends TimeRange {
  /** Bucket width of each group's counts over time. */
  stepMs: number;
  limit: number;
}

export interface ErrorGroupRow {
  /** Exception type (from the `exception` event, else the "Type: ..." prefix of the status message, else "<kind> error"). */
  type: string;
  /** Message with numbers, hex ids and UUIDs replaced (see normaliseErrorMessage). */
  message: string;
  count: number;
  firstSeenUs: number;
  lastSeenUs: number;
  /** Distinct agent ids / models / services / span kinds of the failing spans (at most 20 each). */
  agents: string[];
  models: string[];
  services: string[];
  kinds: string[];
  /** Most recent failing traces, newest first (at most 5, distinct). */
  examples: { traceId: string; spanId: string; timeUs: number }[];
  /** [bucket start epoch ms, count] ordered by time; empty buckets omitted. */
  buckets: [number, number][];
}

export interface ErrorGroups {
  /** Error spans in range (all groups, not only the returned ones). */
  totalErrors: number;
  /** Distinct groups in range. */
  totalGroups: number;
  groups: ErrorGroupRow[];
}

const UUID_RE = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;
const HEX_RE = /[0-9a-fA-F]{8,}/g;
const NUM_RE = /[0-9]+(\.[0-9]+)?/g;

/**
 * Folds the data out of an error message so "timeout after 3012 ms" and "timeout after 2990 ms"
 * group together: UUIDs → <uuid>, runs of 8+ hex digits → <hex>, numbers → <n>, whitespace
 * collapsed, 300 characters at most. The SQL in both backends applies the same regexes in order.
 */
export function normaliseErrorMessage(msg: string): string {
  return msg
    .replace(UUID_RE, '<uuid>')
    .replace(HEX_RE, '<hex>')
    .replace(NUM_RE, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** The regexes above as SQL-portable pattern strings (RE2 for DuckDB, ARE for PostgreSQL). */
export const NORMALISE_PATTERNS: readonly [string, string][] = [
  ['[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<uuid>'],
  ['[0-9a-fA-F]{8,}', '<hex>'],
  ['[0-9]+(\\.[0-9]+)?', '<n>'],
  ['\\s+', ' '],
];

/** "RateLimitError: slow down" → "RateLimitError"; a leading identifier followed by ": ". */
export const TYPE_PREFIX_PATTERN = '^([A-Za-z_][A-Za-z0-9_.]*):\\s';

export function errorTypeOf(exceptionType: string | null, statusMessage: string | null, kind: string): string {
  if (exceptionType) return exceptionType;
  const m = new RegExp(TYPE_PREFIX_PATTERN).exec(statusMessage ?? '');
  return m ? m[1] : `${kind} error`;
}

// --- error kinds (model errors) ---

export const ERROR_KINDS = ['rate_limit', 'timeout', 'auth', 'server', 'other'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/**
 * Case-insensitive patterns over "<exception type> <exception message> <status message>", tried in
 * order; the first match is the kind. Portable between RE2 and PostgreSQL (no \b, no lookaround).
 */
export const ERROR_KIND_PATTERNS: readonly [Exclude<ErrorKind, 'other'>, string][] = [
  ['rate_limit', 'rate[ _-]?limit|too many requests|(^|[^0-9])429([^0-9]|$)'],
  ['timeout', 'timeout|timed out|deadline exceeded'],
  ['auth', 'unauthori[sz]ed|forbidden|authentication|permission denied|invalid api key|(^|[^0-9])40[13]([^0-9]|$)'],
  ['server', 'internal server error|service unavailable|bad gateway|overloaded|(^|[^0-9])50[0234]([^0-9]|$)'],
];

export function classifyError(text: string): ErrorKind {
  const t = text.toLowerCase();
  for (const [kind, p] of ERROR_KIND_PATTERNS) if (new RegExp(p).test(t)) return kind;
  return 'other';
}

export interface ModelErrorRow {
  model: string;
  provider: string | null;
  calls: number;
  errors: number;
  byKind: Record<ErrorKind, number>;
}

export interface ModelErrors {
  calls: number;
  errors: number;
  byKind: Record<ErrorKind, number>;
  byModel: ModelErrorRow[];
}

// --- service map ---

export type ServiceMapNodeType = 'agent' | 'model' | 'tool' | 'retrieval' | 'service';

export interface ServiceMapNode {
  /** `<type>:<name>`. */
  id: string;
  type: ServiceMapNodeType;
  label: string;
  /** Spans that are this node (for services: spans entering the service from elsewhere or roots). */
  calls: number;
  errors: number;
  p95Ms: number | null;
}

export interface ServiceMapEdge {
  from: string;
  to: string;
  calls: number;
  errors: number;
  errorRate: number;
  /** Of the child spans. */
  avgMs: number | null;
  p95Ms: number | null;
}

export interface ServiceMap {
  nodes: ServiceMapNode[];
  edges: ServiceMapEdge[];
}

// --- cost ---

export const COST_GROUPS = ['model', 'agent', 'user', 'session', 'provider', 'service'] as const;
export type CostGroupBy = (typeof COST_GROUPS)[number];

export interface CostGroupRow {
  /** null: spans with no value for the grouping (no model, no user...). */
  key: string | null;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Model calls (spans with a model). */
  calls: number;
  traces: number;
}

export interface CostBreakdown {
  groupBy: CostGroupBy;
  total: { costUsd: number; inputTokens: number; outputTokens: number; calls: number };
  /** Top groups by cost (limit), the rest summed in `other`. */
  groups: CostGroupRow[];
  other: { groups: number; costUsd: number; inputTokens: number; outputTokens: number; calls: number } | null;
  /** Cost per UTC day in range: [day start epoch ms, USD]; days without spend omitted. */
  daily: [number, number][];
}

// --- agent detail ---

/** Upper bounds (ms) of the run latency histogram: 1-2.5-5 steps from 10 ms to 10 min, then +Inf. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 60_000, 120_000, 300_000, 600_000,
];

/** Index of the bucket a duration falls in (bounds are inclusive upper bounds; last is +Inf). */
export function latencyBucket(ms: number): number {
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (ms <= LATENCY_BUCKETS_MS[i]) return i;
  return LATENCY_BUCKETS_MS.length;
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
  /** counts[i] runs with duration <= LATENCY_BUCKETS_MS[i] (and above the previous bound); last is +Inf. */
  histogram: { boundsMs: number[]; counts: number[] };
  /** Spans carrying the agent id, plus spans without an agent id inside the agent's runs' traces. */
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  tools: { name: string; calls: number; errors: number; avgMs: number | null }[];
  models: { model: string; calls: number; errors: number; costUsd: number }[];
  versions: {
    version: string;
    runs: number;
    errors: number;
    errorRate: number;
    firstSeenUs: number;
    lastSeenUs: number;
  }[];
  /** Most recent sessions first (at most 20). */
  sessions: { sessionId: string; userId: string | null; runs: number; errors: number; lastSeenUs: number }[];
}
