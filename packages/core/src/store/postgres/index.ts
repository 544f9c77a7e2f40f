/** PostgreSQL backend: the Store, leader election for background jobs, and Supabase helpers. */
import type { Store } from '../store.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';

export { connectPg, DEFAULT_SCHEMA, parsePgUrl } from './connect.js';
export { MIGRATIONS, runMigrations } from './migrations.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';

/** Opens (does not migrate) a PostgreSQL store; `?schema=name` in the URL picks the schema. */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<Store> {
  return PostgresStore.open(url, opts);
}
export {
  type BackgroundJob,
  type BackgroundJobs,
  type BackgroundJobsOptions,
  postgresStoreJobs,
  startBackgroundJobs,
} from './background.js';
export { busChannel, type ClusterBus, type ClusterBusOptions, createClusterBus } from './cluster-bus.js';
export { createLeaderElector, type LeaderElector, type LeaderElectorOptions, leaderLockKeys } from './leader.js';
export {
  postgresSql,
  resolveStoreUrl,
  StoreConfigError,
  type StoreConnectionConfig,
  supabaseSql,
} from './supabase.js';
