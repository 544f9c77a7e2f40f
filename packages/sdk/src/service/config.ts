/** Analytics service configuration: explicit options win over VIGIL_* environment variables, then defaults. */
import { resolve } from 'node:path';

import type { VigilCoreLike } from '../export/core-backend.js';
import type { Transport } from '../export/http-backend.js';
import type { RetryPolicy } from '../export/retry.js';
import type { LogLevel } from '../logs/logger.js';
import type { Attributes } from '../trace/types.js';

export type BackendKind = 'http' | 'duckdb' | 'postgres' | 'supabase';

export interface AnalyticsConfig {
  /**
   * 'http' (default): export to a Vigil server / OTLP endpoint. Library mode: 'duckdb', 'postgres', or
   * 'supabase' (PostgreSQL through the project's database connection string in connection.url).
   */
  backend?: BackendKind;
  connection?: {
    /** http: server base URL (default http://localhost:4318). postgres/supabase: the database URL. */
    url?: string;
    apiKey?: string;
    headers?: Record<string, string>;
    /** duckdb: database file path. */
    path?: string;
    /** duckdb: data directory (default ./.vigil). */
    dataDir?: string;
  };
  /** Library mode: the project rows are written to. Default 'default'. */
  project?: string;
  serviceName?: string;
  serviceVersion?: string;
  environment?: string;
  resourceAttributes?: Attributes;
  features?: {
    tracing?: boolean;
    metrics?: boolean;
    /** Export records of the service's logger (and loggers created with createLogger) as OTLP logs. */
    logs?: boolean;
    /** Report real CPU / memory / disk readings every metrics interval. Default false. */
    systemMetrics?: boolean;
  };
  /** Items per export request. Default 512. */
  batchSize?: number;
  /** Max ms before buffered telemetry is exported. Default 2000. */
  flushInterval?: number;
  /** Max ms between metric exports. Default 10000. */
  metricsInterval?: number;
  /** Max items buffered per signal while the backend is slow or down; extra items are dropped and counted. */
  maxCacheSize?: number;
  /** Fraction of traces recorded. Default 1. */
  sampleRate?: number;
  compression?: 'gzip' | 'none';
  /** Per-request timeout (ms). Default 10000. */
  exportTimeout?: number;
  /** Max ms destroy() / exit spend flushing. Default 5000. */
  shutdownTimeout?: number;
  retry?: Partial<RetryPolicy>;
  /** Make this service's tracer the global one (startSpan/withSpan/monitor). Default true. */
  registerGlobal?: boolean;
  /** Flush on process beforeExit. Default true. */
  flushOnExit?: boolean;
  logLevel?: LogLevel | 'silent';
  /** Where the service logger writes JSON lines; false for nowhere. Default stdout. */
  logOutput?: ((line: string) => void) | { write(chunk: string): unknown } | false;
  /** SDK warnings (drops, export failures). Default console.warn; null silences them. */
  onWarning?: ((message: string) => void) | null;
  /** Advanced: replace the HTTP transport (tests, benchmarks, custom networking). */
  transport?: Transport;
  /** Advanced: library mode with an already open core (not closed by destroy()). */
  core?: VigilCoreLike;
}

export interface ResolvedConfig {
  backend: BackendKind;
  url: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  dataDir: string | undefined;
  storeUrl: string | undefined;
  project: string;
  serviceName: string;
  features: { tracing: boolean; metrics: boolean; logs: boolean; systemMetrics: boolean };
  batchSize: number;
  flushInterval: number;
  metricsInterval: number;
  maxCacheSize: number;
  sampleRate: number;
  shutdownTimeout: number;
}

const BACKENDS: readonly BackendKind[] = ['http', 'duckdb', 'postgres', 'supabase'];

function envNum(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name]?.toLowerCase();
  if (v === undefined || v === '') return undefined;
  return v === '1' || v === 'true' || v === 'yes' || v === 'on';
}

export function resolveConfig(c: AnalyticsConfig = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const envBackend = env.VIGIL_BACKEND as BackendKind | undefined;
  const backend = c.backend ?? (envBackend && BACKENDS.includes(envBackend) ? envBackend : 'http');
  const conn = c.connection ?? {};
  let dataDir: string | undefined;
  let storeUrl: string | undefined;
  if (backend === 'duckdb') {
    const path = conn.path ?? env.VIGIL_DUCKDB_PATH;
    // Relative paths are relative to the working directory, as a user would expect.
    if (path) storeUrl = path.startsWith('duckdb:') ? path : `duckdb:${resolve(path)}`;
    else dataDir = conn.dataDir ?? env.VIGIL_DATA_DIR ?? './.vigil';
  } else if (backend === 'postgres' || backend === 'supabase') {
    storeUrl = conn.url ?? env.VIGIL_STORE_URL ?? env.VIGIL_DATABASE_URL ?? env.DATABASE_URL;
  }
  const headers: Record<string, string> = { ...conn.headers };
  return {
    backend,
    url: (backend === 'http' ? conn.url : undefined) ?? env.VIGIL_URL ?? 'http://localhost:4318',
    apiKey: conn.apiKey ?? env.VIGIL_API_KEY,
    headers,
    dataDir,
    storeUrl,
    project: c.project ?? env.VIGIL_PROJECT ?? 'default',
    serviceName: c.serviceName ?? env.VIGIL_SERVICE_NAME ?? env.OTEL_SERVICE_NAME ?? 'app',
    features: {
      tracing: c.features?.tracing ?? !(envBool(env, 'VIGIL_DISABLED') ?? false),
      metrics: c.features?.metrics ?? true,
      logs: c.features?.logs ?? true,
      systemMetrics: c.features?.systemMetrics ?? envBool(env, 'VIGIL_SYSTEM_METRICS') ?? false,
    },
    batchSize: c.batchSize ?? envNum(env, 'VIGIL_BATCH_SIZE') ?? 512,
    flushInterval: c.flushInterval ?? envNum(env, 'VIGIL_FLUSH_INTERVAL') ?? 2000,
    metricsInterval: c.metricsInterval ?? envNum(env, 'VIGIL_METRICS_INTERVAL') ?? 10_000,
    maxCacheSize: c.maxCacheSize ?? envNum(env, 'VIGIL_MAX_CACHE_SIZE') ?? 20_000,
    sampleRate: c.sampleRate ?? envNum(env, 'VIGIL_SAMPLE_RATE') ?? 1,
    shutdownTimeout: c.shutdownTimeout ?? 5000,
  };
}
