/**
 * Opens a porsager/postgres pool configured the way every Vigil PostgreSQL component expects:
 * int8 parsed to JS numbers (our times are epoch µs, exact in a double until year 2255),
 * synchronous_commit on (a commit is durable before ingest acks), and the Vigil schema name
 * taken from the URL's `schema` parameter (stripped, since PostgreSQL would reject it as a
 * startup parameter).
 */
import postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, unknown>>;
export type TransactionSql = postgres.TransactionSql<Record<string, unknown>>;

export const DEFAULT_SCHEMA = 'vigil';

export interface PgConnectOptions {
  /** Schema holding Vigil's tables; overrides the URL's `?schema=`. Default `vigil`. */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

export interface PgTarget {
  /** Connection URL without Vigil-only parameters. */
  url: string;
  schema: string;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Splits Vigil's own options (`schema`) out of a postgres:// URL. */
export function parsePgUrl(url: string, schemaOverride?: string): PgTarget {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(`not a PostgreSQL URL (expected postgres:// or postgresql://): ${u.protocol}//…`);
  }
  const fromUrl = u.searchParams.get('schema');
  u.searchParams.delete('schema');
  const schema = schemaOverride ?? fromUrl ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name "${schema}" (letters, digits and _; at most 63)`);
  }
  return { url: u.toString(), schema };
}

export function connectPg(url: string, opts: { max?: number; applicationName?: string } = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connection: {
      application_name: opts.applicationName ?? 'vigil',
      synchronous_commit: 'on',
    },
    types: {
      // int8 → number: counts, sums of integers and our µs timestamps all fit a double exactly.
      bigint: {
        to: 20,
        from: [20],
        serialize: (x: number | bigint) => String(typeof x === 'number' ? Math.trunc(x) : x),
        parse: (x: string) => Number(x),
      },
    },
  }) as unknown as Sql;
}
