/**
 * Versioned schema migrations. Each migration is SQL with `{{schema}}` standing for the quoted
 * schema name. `migrate()` runs every pending migration in ONE transaction under a transaction-level
 * advisory lock keyed by the schema, so several instances starting at once serialise: the first
 * applies, the others wait, then find nothing to do.
 *
 * Telemetry tables (spans, metrics, logs) are range-partitioned by day on their time column;
 * partitions are created by `partitions.ts`, ahead of time and on demand.
 */
import { ALERTING_MIGRATION } from './alerting.js';
import type { Sql } from './connect.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'telemetry, tenancy and analysis tables',
    sql: `
CREATE TABLE {{schema}}.projects (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_us bigint NOT NULL
);

CREATE TABLE {{schema}}.api_keys (
  id text PRIMARY KEY,
  project text NOT NULL,
  name text NOT NULL,
  role text NOT NULL,
  prefix text NOT NULL,
  hash text NOT NULL UNIQUE,
  created_us bigint NOT NULL,
  last_used_us bigint,
  revoked_us bigint
);
CREATE INDEX api_keys_project_idx ON {{schema}}.api_keys (project, created_us);

-- Spans: one row per span, partitioned by day of start time.
CREATE TABLE {{schema}}.spans (
  project text NOT NULL,
  trace_id text NOT NULL,
  span_id text NOT NULL,
  parent_span_id text,
  service_name text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL,
  start_us bigint NOT NULL,
  end_us bigint NOT NULL,
  duration_us bigint NOT NULL,
  status text NOT NULL,
  status_message text,
  model text,
  provider text,
  input_tokens bigint,
  output_tokens bigint,
  cost_usd double precision,
  agent_id text,
  agent_name text,
  agent_version text,
  session_id text,
  user_id text,
  -- json, not jsonb: stored as sent (validated, not converted), which is cheaper to ingest; nothing
  -- filters on span attributes in SQL.
  attributes json NOT NULL DEFAULT '{}',
  events json NOT NULL DEFAULT '[]',
  input text,
  output text
) PARTITION BY RANGE (start_us);
-- Trace by id.
CREATE INDEX spans_trace_idx ON {{schema}}.spans (trace_id);
-- Dashboard, series and trace-list scans over a time range of one project. (No more indexes:
-- each one costs every ingested span.)
CREATE INDEX spans_project_time_idx ON {{schema}}.spans (project, start_us);

CREATE TABLE {{schema}}.agent_runs (
  project text NOT NULL,
  span_id text NOT NULL,
  trace_id text NOT NULL,
  agent_id text NOT NULL,
  agent_name text,
  agent_version text,
  session_id text,
  user_id text,
  service_name text NOT NULL,
  start_us bigint NOT NULL,
  PRIMARY KEY (project, span_id)
);
CREATE INDEX agent_runs_time_idx ON {{schema}}.agent_runs (project, start_us);
-- Ends live in their own table so an end that arrives before its start still counts.
CREATE TABLE {{schema}}.agent_run_ends (
  project text NOT NULL,
  span_id text NOT NULL,
  end_us bigint NOT NULL,
  PRIMARY KEY (project, span_id)
);

CREATE TABLE {{schema}}.metrics (
  project text NOT NULL,
  name text NOT NULL,
  type text NOT NULL,
  unit text NOT NULL,
  time_us bigint NOT NULL,
  value double precision NOT NULL,
  histogram jsonb,
  labels jsonb NOT NULL DEFAULT '{}',
  service_name text NOT NULL
) PARTITION BY RANGE (time_us);
CREATE INDEX metrics_name_time_idx ON {{schema}}.metrics (project, name, time_us);

CREATE TABLE {{schema}}.logs (
  project text NOT NULL,
  time_us bigint NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  severity smallint NOT NULL,
  severity_text text NOT NULL,
  body text NOT NULL,
  trace_id text,
  span_id text,
  service_name text NOT NULL,
  attributes json NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (time_us);
CREATE INDEX logs_time_idx ON {{schema}}.logs (project, time_us DESC, seq DESC);
CREATE INDEX logs_trace_idx ON {{schema}}.logs (project, trace_id) WHERE trace_id IS NOT NULL;

CREATE TABLE {{schema}}.anomalies (
  id text PRIMARY KEY,
  project text NOT NULL,
  metric text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  time_us bigint NOT NULL,
  value double precision NOT NULL,
  expected double precision NOT NULL,
  lower double precision NOT NULL,
  upper double precision NOT NULL,
  score double precision NOT NULL,
  severity text NOT NULL,
  confidence double precision NOT NULL,
  detector text NOT NULL,
  description text NOT NULL,
  created_us bigint NOT NULL
);
CREATE INDEX anomalies_time_idx ON {{schema}}.anomalies (project, time_us DESC);

CREATE TABLE {{schema}}.alerts (
  id text PRIMARY KEY,
  project text NOT NULL,
  rule_id text,
  name text NOT NULL,
  severity text NOT NULL,
  state text NOT NULL,
  message text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  value double precision,
  started_us bigint NOT NULL,
  updated_us bigint NOT NULL,
  resolved_us bigint,
  acknowledged_by text
);
CREATE INDEX alerts_project_idx ON {{schema}}.alerts (project, state, updated_us DESC);
`,
  },
  {
    version: 2,
    name: 'hourly span rollups',
    sql: `
-- Per hour and (kind, model, provider, agent, service): counts and sums.
CREATE TABLE {{schema}}.span_rollup_hourly (
  project text NOT NULL,
  hour_us bigint NOT NULL,
  kind text NOT NULL,
  model text,
  provider text,
  agent_id text,
  agent_name text,
  service_name text NOT NULL,
  calls bigint NOT NULL,
  errors bigint NOT NULL,
  duration_ms_sum double precision NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cost_usd double precision NOT NULL
);
-- Per hour, log-bucketed duration histograms of each model's calls (dim 'm') and each agent's runs
-- (dim 'a'): bucket b holds durations in [1.02^b, 1.02^(b+1)) µs, b = -1 holds 0. Kept apart from
-- the counts so a dashboard merges a few hundred histograms, not one per rollup row.
CREATE TABLE {{schema}}.span_rollup_hist (
  project text NOT NULL,
  hour_us bigint NOT NULL,
  dim "char" NOT NULL,
  key text NOT NULL,
  hist_b integer[] NOT NULL,
  hist_c bigint[] NOT NULL
);
CREATE INDEX span_rollup_hist_idx ON {{schema}}.span_rollup_hist (project, hour_us);
CREATE INDEX span_rollup_hourly_idx ON {{schema}}.span_rollup_hourly (project, hour_us);
-- Hours whose rollup is complete.
CREATE TABLE {{schema}}.span_rollup_hours (
  project text NOT NULL,
  hour_us bigint NOT NULL,
  rolled_us bigint NOT NULL,
  PRIMARY KEY (project, hour_us)
);
-- Hours that received spans since they were last rolled up (written by every commit).
CREATE TABLE {{schema}}.span_rollup_dirty (
  project text NOT NULL,
  hour_us bigint NOT NULL,
  PRIMARY KEY (project, hour_us)
);
`,
  },
  ALERTING_MIGRATION,
];

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function renderMigration(m: Migration, schema: string): string {
  return m.sql.replaceAll('{{schema}}', quoteIdent(schema));
}

/** Applies pending migrations; safe to call from several processes at once. Returns versions applied. */
export async function runMigrations(sql: Sql, schema: string, migrations = MIGRATIONS): Promise<number[]> {
  const q = quoteIdent(schema);
  return sql.begin(async (tx) => {
    // Serialise concurrent migrators on this schema (released at commit/rollback).
    await tx`select pg_advisory_xact_lock(hashtext(${`vigil:migrate:${schema}`}))`;
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${q}`);
    await tx.unsafe(
      `CREATE TABLE IF NOT EXISTS ${q}.schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await tx.unsafe(`SELECT version FROM ${q}.schema_migrations`)).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await tx.unsafe(renderMigration(m, schema));
      await tx.unsafe(`INSERT INTO ${q}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  }) as Promise<number[]>;
}
