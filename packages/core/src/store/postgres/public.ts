/**
 * The PostgreSQL-related API that @vigil/core exports from its index. Nothing here loads the
 * PostgreSQL driver (the store itself is loaded lazily by openStore for postgres:// URLs).
 */
export {
  type BackgroundJob,
  type BackgroundJobs,
  type BackgroundJobsOptions,
  openClusterBus,
  startBackgroundJobs,
} from './background.js';
export type { ClusterBus, ClusterBusOptions } from './cluster-bus.js';
export {
  postgresSql,
  resolveStoreUrl,
  StoreConfigError,
  type StoreConnectionConfig,
  supabaseSql,
} from './supabase.js';
