/**
 * Versioned DuckDB schema. Each migration runs once, in order, inside a transaction, and records
 * itself in schema_migrations. Never edit a shipped migration: add the next number.
 *
 * Layout choices (they decide query speed, see bench/query):
 * - Telemetry tables lead with project and the time column, and rows are appended in arrival order,
 *   which is close to time order: DuckDB's per-row-group min/max zone maps then prune a 24h query
 *   over 7 days of data down to the row groups of that day.
 * - No ART index on the big tables (it would slow the appender and live in memory); trace lookup
 *   goes through trace_index, a small per-(trace, commit) table with an index, whose time bounds let
 *   the spans scan skip every row group outside the trace's time span.
 * - Durations are stored precomputed (DOUBLE ms) so latency percentiles read one column.
 */
import { ALERTING_MIGRATION } from './alerting.js';
import { ROLLUP_DIRTY_MIGRATION } from './rollup-write-behind.js';
import { ROLLUP_BY_MODEL_MIGRATION, ROLLUP_MIGRATION } from './rollups.js';
import { TRACE_KEY_SQL } from './table-columns.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'telemetry',
    sql: `
CREATE TABLE spans (
  project VARCHAR NOT NULL,
  start_time TIMESTAMP NOT NULL,
  end_time TIMESTAMP NOT NULL,
  duration_ms DOUBLE NOT NULL,
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR NOT NULL,
  parent_span_id VARCHAR,
  service_name VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  status_message VARCHAR,
  model VARCHAR,
  provider VARCHAR,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cost_usd DOUBLE,
  agent_id VARCHAR,
  agent_name VARCHAR,
  agent_version VARCHAR,
  session_id VARCHAR,
  user_id VARCHAR,
  attributes JSON,
  events JSON,
  input VARCHAR,
  output VARCHAR
);
CREATE TABLE trace_index (
  project VARCHAR NOT NULL,
  trace_id VARCHAR NOT NULL,
  min_start TIMESTAMP NOT NULL,
  max_start TIMESTAMP NOT NULL
);
CREATE INDEX trace_index_trace ON trace_index (trace_id);
CREATE TABLE metrics (
  project VARCHAR NOT NULL,
  time TIMESTAMP NOT NULL,
  name VARCHAR NOT NULL,
  type VARCHAR NOT NULL,
  unit VARCHAR NOT NULL,
  value DOUBLE NOT NULL,
  histogram JSON,
  labels JSON NOT NULL,
  service_name VARCHAR NOT NULL
);
CREATE TABLE logs (
  project VARCHAR NOT NULL,
  time TIMESTAMP NOT NULL,
  severity INTEGER NOT NULL,
  severity_text VARCHAR NOT NULL,
  body VARCHAR NOT NULL,
  trace_id VARCHAR,
  span_id VARCHAR,
  service_name VARCHAR NOT NULL,
  attributes JSON
);
CREATE TABLE agent_runs (
  project VARCHAR NOT NULL,
  start_time TIMESTAMP NOT NULL,
  span_id VARCHAR NOT NULL,
  trace_id VARCHAR NOT NULL,
  agent_id VARCHAR NOT NULL,
  agent_name VARCHAR,
  agent_version VARCHAR,
  session_id VARCHAR,
  user_id VARCHAR,
  service_name VARCHAR NOT NULL
);
CREATE TABLE agent_run_ends (
  project VARCHAR NOT NULL,
  span_id VARCHAR NOT NULL,
  end_time TIMESTAMP NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'tenancy-and-analysis',
    sql: `
CREATE TABLE projects (
  id VARCHAR PRIMARY KEY,
  name VARCHAR NOT NULL,
  created TIMESTAMP NOT NULL
);
CREATE TABLE api_keys (
  id VARCHAR PRIMARY KEY,
  project VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  prefix VARCHAR NOT NULL,
  hash VARCHAR NOT NULL UNIQUE,
  created TIMESTAMP NOT NULL,
  last_used TIMESTAMP,
  revoked TIMESTAMP
);
CREATE TABLE anomalies (
  id VARCHAR PRIMARY KEY,
  project VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  labels JSON NOT NULL,
  time TIMESTAMP NOT NULL,
  value DOUBLE NOT NULL,
  expected DOUBLE NOT NULL,
  lower DOUBLE NOT NULL,
  upper DOUBLE NOT NULL,
  score DOUBLE NOT NULL,
  severity VARCHAR NOT NULL,
  confidence DOUBLE NOT NULL,
  detector VARCHAR NOT NULL,
  description VARCHAR NOT NULL,
  created TIMESTAMP NOT NULL
);
CREATE TABLE alerts (
  id VARCHAR PRIMARY KEY,
  project VARCHAR NOT NULL,
  rule_id VARCHAR,
  name VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  message VARCHAR NOT NULL,
  labels JSON NOT NULL,
  value DOUBLE,
  started TIMESTAMP NOT NULL,
  updated TIMESTAMP NOT NULL,
  resolved TIMESTAMP,
  acknowledged_by VARCHAR
);
`,
  },
  ALERTING_MIGRATION,
  ROLLUP_MIGRATION,
  ROLLUP_BY_MODEL_MIGRATION,
  ROLLUP_DIRTY_MIGRATION,
  {
    version: 7,
    name: 'ingest-log-state',
    // The last ingest-log frame the bulk loader committed (ingest-log.ts, bulk-loader.ts).
    sql: 'CREATE TABLE ingest_log_state (applied_lsn BIGINT NOT NULL); INSERT INTO ingest_log_state VALUES (0);',
  },
  {
    version: 8,
    name: 'trace-key',
    // Trace lookups scan a BIGINT key instead of keeping an ART index (table-columns.ts, traceKey).
    sql: `DROP INDEX IF EXISTS trace_index_trace;
ALTER TABLE trace_index ADD COLUMN trace_key BIGINT;
UPDATE trace_index SET trace_key = ${TRACE_KEY_SQL('trace_id')};`,
  },
  {
    version: 9,
    name: 'ingest-log-applied-rows',
    // A bulk load takes exactly one row group of spans, so it may end inside a frame: the spans of
    // frame applied_lsn + 1 already loaded (bulk-loader.ts).
    sql: 'ALTER TABLE ingest_log_state ADD COLUMN applied_rows BIGINT DEFAULT 0; UPDATE ingest_log_state SET applied_rows = 0;',
  },
];
