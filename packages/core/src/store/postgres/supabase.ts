/**
 * Supabase is PostgreSQL: Vigil connects with the project's database connection string and uses
 * the ordinary PostgreSQL store. This module adds what is Supabase-specific:
 * - `supabaseSql()`: the whole schema as one SQL script (for the SQL editor or `vigil migrate
 *   --print --dialect supabase`), plus row-level security so the Supabase client libraries can read
 *   Vigil data directly: `service_role` has full access, `authenticated` users read the data of the
 *   projects they are members of (`project_members`, matched with `auth.uid()`), `anon` nothing.
 * - `resolveStoreUrl()`: validates a library/server configuration and says exactly which setting to
 *   use when it holds the REST URL + API key instead of the database connection string.
 */
import { MIGRATIONS, quoteIdent, renderMigration } from './migrations.js';

/** Tables members may read, with the column naming their project. */
const MEMBER_READABLE: [table: string, projectColumn: string][] = [
  ['projects', 'id'],
  ['spans', 'project'],
  ['metrics', 'project'],
  ['logs', 'project'],
  ['agent_runs', 'project'],
  ['agent_run_ends', 'project'],
  ['anomalies', 'project'],
  ['alerts', 'project'],
];

export interface SupabaseSqlOptions {
  /** Schema for Vigil's tables (default `vigil`). Add it to the API's exposed schemas to query it via REST. */
  schema?: string;
}

/** Every migration as one idempotent SQL script body (no BEGIN/COMMIT), for `migrate --print`. */
export function migrationStatements(schema: string): string[] {
  const s = quoteIdent(schema);
  const out: string[] = [
    `SELECT pg_advisory_xact_lock(hashtext('vigil:migrate:${schema}'));`,
    `CREATE SCHEMA IF NOT EXISTS ${s};`,
    `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
  version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`,
  ];
  for (const m of MIGRATIONS) {
    // Each migration runs only if not yet recorded, so the script is safe to run twice and after
    // a server already migrated the schema.
    const body = renderMigration(m, schema);
    if (body.includes('$migration$')) throw new Error(`migration ${m.version} cannot be quoted`);
    out.push(
      `-- migration ${m.version}: ${m.name}`,
      `DO $vigil$ BEGIN
IF NOT EXISTS (SELECT 1 FROM ${s}.schema_migrations WHERE version = ${m.version}) THEN
EXECUTE $migration$${body}$migration$;
INSERT INTO ${s}.schema_migrations (version, name) VALUES (${m.version}, '${m.name.replaceAll("'", "''")}');
END IF;
END $vigil$;`,
    );
  }
  return out;
}

/** The plain PostgreSQL schema script (what `vigil migrate` applies), for review or manual runs. */
export function postgresSql(opts: SupabaseSqlOptions = {}): string {
  const schema = opts.schema ?? 'vigil';
  return `${[
    `-- Vigil schema for PostgreSQL (${MIGRATIONS.length} migration(s)); \`vigil migrate\` applies the same.`,
    '-- Day partitions of spans, metrics and logs are created by Vigil ahead of time and on demand.',
    'BEGIN;',
    ...migrationStatements(schema),
    'COMMIT;',
  ].join('\n')}\n`;
}

export function supabaseSql(opts: SupabaseSqlOptions = {}): string {
  const schema = opts.schema ?? 'vigil';
  const s = quoteIdent(schema);
  const out: string[] = [
    `-- Vigil schema for Supabase (PostgreSQL ${MIGRATIONS.length} migration(s), row-level security).`,
    '-- Run once in the SQL editor, or let `vigil migrate --store <connection string>` apply it.',
    '-- Vigil itself connects as the `postgres` role (table owner), which RLS does not restrict.',
    'BEGIN;',
    ...migrationStatements(schema),
  ];
  out.push(
    '-- Who may read which project: one row per (Supabase auth user, Vigil project).',
    `CREATE TABLE IF NOT EXISTS ${s}.project_members (
  user_id uuid NOT NULL,
  project text NOT NULL,
  role text NOT NULL DEFAULT 'viewer',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, project)
);`,
    `CREATE INDEX IF NOT EXISTS project_members_project_idx ON ${s}.project_members (project);`,
    "-- The caller's projects; SECURITY DEFINER so policies need no grant on project_members, STABLE so",
    '-- the planner evaluates it once per query rather than per row.',
    `CREATE OR REPLACE FUNCTION ${s}.my_projects() RETURNS text[]
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
  AS $fn$ SELECT coalesce(array_agg(project), '{}') FROM ${s}.project_members WHERE user_id = auth.uid() $fn$;`,
    `REVOKE ALL ON FUNCTION ${s}.my_projects() FROM PUBLIC;`,
    `GRANT EXECUTE ON FUNCTION ${s}.my_projects() TO authenticated, service_role;`,
    `GRANT USAGE ON SCHEMA ${s} TO authenticated, service_role;`,
    `REVOKE ALL ON SCHEMA ${s} FROM anon;`,
  );
  const policy = (table: string, name: string, body: string) =>
    `DROP POLICY IF EXISTS ${quoteIdent(name)} ON ${s}.${quoteIdent(table)};\nCREATE POLICY ${quoteIdent(name)} ON ${s}.${quoteIdent(table)} ${body};`;
  const lit = `'${schema}'`; // validated identifier characters only
  out.push(
    '-- Every Vigil table (present and from later migrations): RLS on, the service role may do',
    '-- anything, anon and authenticated nothing unless granted below.',
    `DO $rls$ DECLARE r record; BEGIN
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = ${lit} AND c.relkind IN ('r', 'p') AND NOT c.relispartition LOOP
    EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', ${lit}, r.relname);
    EXECUTE format('REVOKE ALL ON %I.%I FROM anon, authenticated', ${lit}, r.relname);
    EXECUTE format('GRANT ALL ON %I.%I TO service_role', ${lit}, r.relname);
    EXECUTE format('DROP POLICY IF EXISTS vigil_service_all ON %I.%I', ${lit}, r.relname);
    EXECUTE format('CREATE POLICY vigil_service_all ON %I.%I FOR ALL TO service_role USING (true) WITH CHECK (true)',
                   ${lit}, r.relname);
  END LOOP;
END $rls$;`,
    `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${s} TO service_role;`,
    "-- Members read their projects' telemetry and analysis results (not keys, not alerting config).",
  );
  for (const [table, col] of MEMBER_READABLE) {
    out.push(
      `GRANT SELECT ON ${s}.${quoteIdent(table)} TO authenticated;`,
      policy(
        table,
        'vigil_member_read',
        `FOR SELECT TO authenticated USING (${quoteIdent(col)} = ANY (${s}.my_projects()))`,
      ),
    );
  }
  out.push(
    `GRANT SELECT ON ${s}.project_members TO authenticated;`,
    policy('project_members', 'vigil_member_read', 'FOR SELECT TO authenticated USING (user_id = auth.uid())'),
    '-- Day partitions are created later by Vigil (as the owner) with no grants of their own, so',
    '-- clients can only reach telemetry through the parent tables and their policies.',
    'COMMIT;',
  );
  return `${out.join('\n')}\n`;
}

// --- configuration validation ---

export interface StoreConnectionConfig {
  /** 'duckdb' | 'postgres' | 'supabase' | 'http' ... */
  backend?: string;
  connection?: { url?: string; apiKey?: string; [k: string]: unknown };
}

export class StoreConfigError extends Error {
  readonly code = 'invalid_store_config';
}

const SUPABASE_HOST = /(^|\.)supabase\.(co|com|in|net)$/i;

/**
 * The PostgreSQL URL a `postgres` / `supabase` configuration connects with, or a StoreConfigError
 * that names the setting to use. Supabase connection strings get `sslmode=require` unless they say
 * otherwise.
 */
export function resolveStoreUrl(config: StoreConnectionConfig, env: NodeJS.ProcessEnv = process.env): string {
  const backend = config.backend ?? 'postgres';
  const raw = config.connection?.url ?? env.VIGIL_STORE_URL ?? env.VIGIL_STORE;
  const setting = "connection.url (or VIGIL_STORE_URL / 'vigil serve --store')";
  if (!raw) {
    throw new StoreConfigError(
      backend === 'supabase'
        ? `backend 'supabase' needs the project's database connection string in ${setting}: Supabase dashboard → Connect → "Session pooler" (postgresql://postgres.<project-ref>:<db-password>@aws-0-<region>.pooler.supabase.com:5432/postgres) or the direct connection (postgresql://postgres:<db-password>@db.<project-ref>.supabase.co:5432/postgres)`
        : `backend '${backend}' needs a PostgreSQL URL in ${setting}, e.g. postgres://user:password@host:5432/database`,
    );
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new StoreConfigError(`${setting} is not a URL: expected postgres://user:password@host:5432/database`);
  }
  if (u.protocol === 'http:' || u.protocol === 'https:') {
    const ref = SUPABASE_HOST.test(u.hostname) ? u.hostname.split('.')[0] : '<project-ref>';
    throw new StoreConfigError(
      `${raw} is Supabase's REST URL${config.connection?.apiKey ? ' and connection.apiKey an API key' : ''}; Vigil stores data through PostgreSQL itself and needs the database connection string instead. ` +
        `Set ${setting} to the session pooler string from Supabase dashboard → Connect (postgresql://postgres.${ref}:<db-password>@aws-0-<region>.pooler.supabase.com:5432/postgres) ` +
        `or the direct connection postgresql://postgres:<db-password>@db.${ref}.supabase.co:5432/postgres, and remove connection.apiKey (the anon/service key is not used).`,
    );
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new StoreConfigError(`${setting} must start with postgres:// or postgresql:// (got ${u.protocol}//)`);
  }
  if (SUPABASE_HOST.test(u.hostname)) {
    if (u.port === '6543') {
      throw new StoreConfigError(
        `${setting} points at Supabase's transaction pooler (port 6543), which drops session state: Vigil's migrations and leader election need session-level advisory locks. Use the session pooler on port 5432 (same host) or the direct connection db.<project-ref>.supabase.co:5432.`,
      );
    }
    if (!u.searchParams.has('sslmode') && !u.searchParams.has('ssl')) u.searchParams.set('sslmode', 'require');
    return u.toString();
  }
  return raw;
}
