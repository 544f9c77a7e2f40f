/**
 * Server configuration. One option table drives the defaults, the config file keys, the VIGIL_*
 * environment variables, the CLI flags and `vigil serve --help`, so they cannot drift apart.
 * Precedence: defaults < vigil.config.yaml (cwd, or --config) < environment < CLI flags.
 */

import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Store URL (postgres://…, duckdb:///file); empty = DuckDB in dataDir. */
  store: string;
  /** Largest accepted request body, compressed, in bytes. */
  bodyLimit: number;
  /** Largest accepted body after gzip decompression, in bytes. */
  maxDecompressedBytes: number;
  /** Rows the ingest queue holds before answering 429. */
  queueMaxRows: number;
  /** Group-commit size: flush when this many rows are queued... */
  flushRows: number;
  /** ...or when the oldest queued row waited this long. */
  flushMs: number;
  /** Delete telemetry older than this many days (0 = keep forever). */
  retentionDays: number;
  /** Admin key of the default project to ensure at start. */
  apiKey: string;
  /** Dashboard build to serve at `/` (default: packages/web/dist next to the server package). */
  webDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Seconds a 429 asks clients to wait. */
  retryAfterS: number;
  /** Origins allowed to call the API from a browser (CORS), comma-separated; `*` for any. */
  corsOrigins: string;
  /** DuckDB WAL size that triggers a checkpoint; un-checkpointed data also sits in memory. */
  duckdbCheckpoint: string;
  /** DuckDB memory_limit, fixed (empty: it follows duckdbCacheMemory). */
  duckdbMemoryLimit: string;
  /** DuckDB block cache budget on top of the memory it must keep, bytes (memory-budget.ts in the core). */
  duckdbCacheMemory: number;
  /** DuckDB worker threads (0 = one fewer than the cores, at least 1). */
  duckdbThreads: number;
  /** Longest acknowledged rows wait in the ingest log for the DuckDB bulk loader, ms (bulk-loader.ts in the core). */
  duckdbLoadDelayMs: number;
  /** Acknowledged spans that may wait for bulk loads before ingest answers 429 (0 = the store's default, 8 row groups). */
  duckdbMaxLoadBacklog: number;
  /** Worker threads decoding OTLP trace requests for the DuckDB store (0 = on the JS thread; ingest-workers.ts in the core). */
  ingestWorkers: number;
  /** How often alert rules are evaluated, ms (0 = never). */
  alertIntervalMs: number;
  /** How often continuous anomaly detection runs, ms (0 = never). */
  anomalyIntervalMs: number;
  /** Extra metric names (comma-separated) continuous anomaly detection watches. */
  anomalyMetrics: string;
  /** How often this server samples its own host (CPU, memory, disk, network, GPU), ms (0 = never). */
  hostMetricsIntervalMs: number;
}

type Kind = 'int' | 'string' | 'size' | 'enum';

export interface OptionSpec {
  key: keyof ServerConfig;
  flag: string;
  env: string;
  kind: Kind;
  values?: readonly string[];
  description: string;
}

export const DEFAULT_CONFIG: ServerConfig = {
  // 4318 is the OTLP/HTTP default: an OpenTelemetry app needs only the auth header.
  port: 4318,
  host: '127.0.0.1',
  dataDir: './.vigil',
  store: '',
  bodyLimit: 16 * 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
  // ~560 B per decoded span with small attributes (measured): ~60 MB queued at most, about one
  // second of ingest at full speed, enough to ride out a checkpoint; beyond it clients get 429.
  queueMaxRows: 100_000,
  flushRows: 10_000,
  // Small: an idle pipeline commits almost at once (low ack latency); under load, rows pile up
  // while the previous commit runs, so commits grow by themselves (classic group commit; measured:
  // core's DEFAULT_PIPELINE).
  flushMs: 2,
  retentionDays: 30,
  apiKey: '',
  webDir: '',
  logLevel: 'warn',
  retryAfterS: 1,
  // Un-checkpointed rows sit in memory until the next checkpoint: 16 MB bounds that share (the
  // measurements: DuckDbStoreOptions.checkpointThreshold).
  duckdbCheckpoint: '16MB',
  corsOrigins: '',
  duckdbMemoryLimit: '',
  // DuckDB's own limit (80% of RAM) lets its block cache grow with the database file (peak RSS
  // ~700 MB in bench/ingest). The limit instead follows what DuckDB must keep (indexes,
  // un-checkpointed rows; memory-budget.ts in the core) plus this budget, which also holds a
  // checkpoint's working set: 48 MB failed a commit at 4.3M spans while trace_index kept an ART
  // index; without it (migration 8) 64 MB loads 10M (bench/query) and keeps the ingest bench's
  // peak RSS under 500 MB with a bulk load's rows in memory (112 MB: 513-547 MB).
  duckdbCacheMemory: 64 * 1024 * 1024,
  // DuckDB's default (one thread per core) leaves no core to the JS thread: its idle workers spin,
  // and its parallel checkpoints take twice the CPU for the same wall time. On 2 cores, 1 thread
  // took ingest from 51k to 68k spans/s in back-to-back bench/ingest runs. Concurrent queries still
  // run in parallel (one per reader connection); one query no longer spreads over cores.
  duckdbThreads: 0,
  duckdbLoadDelayMs: 5000,
  duckdbMaxLoadBacklog: 0,
  // A decoding worker takes ~3 µs per span off the JS thread, but costs more CPU in all (a second
  // isolate, messages, its GC): on 2 cores, where the JS thread and DuckDB's threads already fill
  // both, it lowered ingest from 93-96k to 75-77k spans/s (bench/ingest, 8 connections). So one
  // only where cores are to spare.
  ingestWorkers: availableParallelism() >= 4 ? 1 : 0,
  alertIntervalMs: 30_000,
  anomalyIntervalMs: 60_000,
  anomalyMetrics: '',
  hostMetricsIntervalMs: 15_000,
};

export const OPTIONS: readonly OptionSpec[] = [
  { key: 'port', flag: 'port', env: 'VIGIL_PORT', kind: 'int', description: 'TCP port (OTLP/HTTP default 4318)' },
  { key: 'host', flag: 'host', env: 'VIGIL_HOST', kind: 'string', description: 'interface to listen on' },
  {
    key: 'dataDir',
    flag: 'data-dir',
    env: 'VIGIL_DATA_DIR',
    kind: 'string',
    description: 'directory of the embedded DuckDB store',
  },
  {
    key: 'store',
    flag: 'store',
    env: 'VIGIL_STORE',
    kind: 'string',
    description: 'store URL (postgres://user@host/db); overrides --data-dir',
  },
  {
    key: 'bodyLimit',
    flag: 'body-limit',
    env: 'VIGIL_BODY_LIMIT',
    kind: 'size',
    description: 'largest request body as sent (e.g. 16mb); larger answers 413',
  },
  {
    key: 'maxDecompressedBytes',
    flag: 'max-decompressed',
    env: 'VIGIL_MAX_DECOMPRESSED',
    kind: 'size',
    description: 'largest body after gzip decompression (e.g. 64mb); larger answers 413',
  },
  {
    key: 'queueMaxRows',
    flag: 'queue-max-rows',
    env: 'VIGIL_QUEUE_MAX_ROWS',
    kind: 'int',
    description: 'rows the ingest queue holds before answering 429',
  },
  {
    key: 'flushRows',
    flag: 'flush-rows',
    env: 'VIGIL_FLUSH_ROWS',
    kind: 'int',
    description: 'group commit: flush at this many queued rows',
  },
  {
    key: 'flushMs',
    flag: 'flush-ms',
    env: 'VIGIL_FLUSH_MS',
    kind: 'int',
    description: 'group commit: flush after this many milliseconds',
  },
  {
    key: 'retentionDays',
    flag: 'retention-days',
    env: 'VIGIL_RETENTION_DAYS',
    kind: 'int',
    description: 'delete telemetry older than N days, checked hourly (0 = keep)',
  },
  {
    key: 'apiKey',
    flag: 'api-key',
    env: 'VIGIL_API_KEY',
    kind: 'string',
    description: 'ensure this admin key exists in the default project',
  },
  {
    key: 'webDir',
    flag: 'web-dir',
    env: 'VIGIL_WEB_DIR',
    kind: 'string',
    description: 'dashboard files to serve at / (default: the bundled build)',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'VIGIL_LOG_LEVEL',
    kind: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'server log level',
  },
  {
    key: 'corsOrigins',
    flag: 'cors-origins',
    env: 'VIGIL_CORS_ORIGINS',
    kind: 'string',
    description: 'browser origins allowed to call ingest/API (comma-separated, * for any), e.g. for OTel web exporters',
  },
  {
    key: 'duckdbCheckpoint',
    flag: 'duckdb-checkpoint',
    env: 'VIGIL_DUCKDB_CHECKPOINT',
    kind: 'string',
    description: 'DuckDB WAL size that triggers a checkpoint (bounds memory; e.g. 16MB)',
  },
  {
    key: 'duckdbMemoryLimit',
    flag: 'duckdb-memory-limit',
    env: 'VIGIL_DUCKDB_MEMORY_LIMIT',
    kind: 'string',
    description: 'fixed DuckDB memory_limit, e.g. 1GB (default: follows --duckdb-cache-memory)',
  },
  {
    key: 'duckdbCacheMemory',
    flag: 'duckdb-cache-memory',
    env: 'VIGIL_DUCKDB_CACHE_MEMORY',
    kind: 'size',
    description: 'DuckDB block cache on top of what it must keep in memory (e.g. 512mb)',
  },
  {
    key: 'duckdbThreads',
    flag: 'duckdb-threads',
    env: 'VIGIL_DUCKDB_THREADS',
    kind: 'int',
    description: 'DuckDB worker threads (default 0: cores - 1, at least 1)',
  },
  {
    key: 'duckdbLoadDelayMs',
    flag: 'duckdb-load-delay-ms',
    env: 'VIGIL_DUCKDB_LOAD_DELAY_MS',
    kind: 'int',
    description:
      'longest acknowledged rows wait in the ingest log before a bulk load into DuckDB (queries never wait longer than one load)',
  },
  {
    key: 'duckdbMaxLoadBacklog',
    flag: 'duckdb-max-load-backlog',
    env: 'VIGIL_DUCKDB_MAX_LOAD_BACKLOG',
    kind: 'int',
    description:
      'acknowledged spans that may wait in the ingest log for bulk loads before ingest answers 429 (reads wait for them; default 0: 8 row groups, 491,520)',
  },
  {
    key: 'ingestWorkers',
    flag: 'ingest-workers',
    env: 'VIGIL_INGEST_WORKERS',
    kind: 'int',
    description:
      'worker threads that decode OTLP trace requests for the DuckDB store (0: on the main thread; default 1 with 4+ cores, else 0)',
  },
  {
    key: 'retryAfterS',
    flag: 'retry-after',
    env: 'VIGIL_RETRY_AFTER',
    kind: 'int',
    description: 'seconds a 429 (queue full) asks clients to wait',
  },
  {
    key: 'alertIntervalMs',
    flag: 'alert-interval-ms',
    env: 'VIGIL_ALERT_INTERVAL_MS',
    kind: 'int',
    description: 'evaluate alert rules every N ms (0 = off)',
  },
  {
    key: 'anomalyIntervalMs',
    flag: 'anomaly-interval-ms',
    env: 'VIGIL_ANOMALY_INTERVAL_MS',
    kind: 'int',
    description: 'run continuous anomaly detection every N ms (0 = off)',
  },
  {
    key: 'anomalyMetrics',
    flag: 'anomaly-metrics',
    env: 'VIGIL_ANOMALY_METRICS',
    kind: 'string',
    description: 'extra metric names for continuous anomaly detection (comma-separated)',
  },
  {
    key: 'hostMetricsIntervalMs',
    flag: 'host-metrics-interval-ms',
    env: 'VIGIL_HOST_METRICS_INTERVAL_MS',
    kind: 'int',
    description: "sample this server's host (CPU, memory, disk, network, NVIDIA GPUs) every N ms (0 = off)",
  },
];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  k: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  g: 1024 ** 3,
};

export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?b?|[kmg])?$/i.exec(text.trim());
  if (!m) throw new ConfigError(`not a size: "${text}" (use bytes or 512kb, 16mb, 1gb)`);
  return Math.floor(Number(m[1]) * (SIZE_UNITS[(m[2] || 'b').toLowerCase()] ?? 1));
}

function coerce(spec: OptionSpec, raw: unknown, source: string): ServerConfig[keyof ServerConfig] {
  const where = `${source} ${spec.kind === 'enum' ? `(one of ${spec.values?.join(', ')})` : ''}`.trim();
  switch (spec.kind) {
    case 'int': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isInteger(n) || n < 0)
        throw new ConfigError(`${where}: expected a non-negative integer, got "${raw}"`);
      if (spec.key === 'port' && n > 65535) throw new ConfigError(`${where}: port must be 0..65535`);
      return n;
    }
    case 'size': {
      const n = typeof raw === 'number' ? raw : parseSize(String(raw));
      if (!(n > 0)) throw new ConfigError(`${where}: expected a positive size`);
      return n;
    }
    case 'enum': {
      const s = String(raw);
      if (!spec.values?.includes(s)) throw new ConfigError(`${where}: got "${s}"`);
      return s as ServerConfig['logLevel'];
    }
    default:
      return String(raw);
  }
}

export interface LoadConfigInput {
  /** Parsed CLI flags, keyed by flag name (`data-dir`), strings as typed. */
  flags?: Record<string, string | boolean | undefined>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Explicit config file (--config); must exist. */
  configFile?: string;
}

export interface LoadedConfig {
  config: ServerConfig;
  /** The config file read, if any. */
  file: string | null;
}

export function loadConfig(input: LoadConfigInput = {}): LoadedConfig {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const config: ServerConfig = { ...DEFAULT_CONFIG };
  const set = (spec: OptionSpec, raw: unknown, source: string) => {
    (config as unknown as Record<string, unknown>)[spec.key] = coerce(spec, raw, source);
  };

  let file: string | null = null;
  const explicit =
    input.configFile ?? (typeof env.VIGIL_CONFIG === 'string' && env.VIGIL_CONFIG ? env.VIGIL_CONFIG : undefined);
  if (explicit) {
    file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
  } else if (existsSync(resolve(cwd, 'vigil.config.yaml'))) {
    file = resolve(cwd, 'vigil.config.yaml');
  }
  if (file) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file}: ${(err as Error).message}`);
    }
    if (doc != null && (typeof doc !== 'object' || Array.isArray(doc))) {
      throw new ConfigError(`${file}: expected a mapping of option: value`);
    }
    const values = (doc ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(values)) {
      const spec = OPTIONS.find((o) => o.key === k || o.flag === k);
      if (!spec) throw new ConfigError(`${file}: unknown option "${k}"`);
      if (v != null) set(spec, v, `${file}: ${k}`);
    }
  }
  for (const spec of OPTIONS) {
    const v = env[spec.env];
    if (v !== undefined && v !== '') set(spec, v, spec.env);
  }
  for (const spec of OPTIONS) {
    const v = input.flags?.[spec.flag];
    if (v !== undefined && typeof v !== 'boolean') set(spec, v, `--${spec.flag}`);
  }
  return { config, file };
}

function humanSize(bytes: number): string {
  for (const [unit, n] of [
    ['gb', 1024 ** 3],
    ['mb', 1024 ** 2],
    ['kb', 1024],
  ] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return String(bytes);
}

/** `--flag <value>  description [env VIGIL_X, default y]` lines for --help (with --config first). */
export function optionsHelp(keys?: readonly (keyof ServerConfig)[]): string {
  const rows = OPTIONS.filter((o) => !keys || keys.includes(o.key)).map((o) => {
    const arg = o.kind === 'int' ? 'n' : o.kind === 'size' ? 'size' : o.kind === 'enum' ? 'level' : 'value';
    const def = DEFAULT_CONFIG[o.key];
    const shown = def === '' ? 'none' : o.kind === 'size' ? humanSize(def as number) : String(def);
    const values = o.kind === 'enum' ? ` (${o.values?.join('|')})` : '';
    return [`  --${o.flag} <${arg}>`, `${o.description}${values} [env ${o.env}, default ${shown}]`];
  });
  rows.unshift(['  --config <file>', 'YAML config file [env VIGIL_CONFIG, default ./vigil.config.yaml if present]']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => `${l.padEnd(width)}${r}`).join('\n');
}
