/**
 * Background jobs that must run on exactly one instance (retention, rollups, partition upkeep,
 * continuous anomaly detection, alert evaluation). With the PostgreSQL store every instance runs
 * the same timers, and a job's run executes only on the instance holding the leader lock
 * (`createLeaderElector`); when the leader dies a peer takes over within `retryMs` (default 5 s)
 * and runs every job at once. With any other store (embedded DuckDB: one process) the instance
 * always leads.
 *
 * The PostgreSQL store adds its own jobs: partition creation ahead of time (hourly) and hourly
 * span rollups (every minute).
 */
import type { Store } from '../store.js';
import type { ClusterBus, ClusterBusOptions } from './cluster-bus.js';
import type { LeaderElector, LeaderElectorOptions } from './leader.js';
import type { PostgresStore } from './postgres-store.js';

// Types only: this module is exported from @vigil/core's index and must not load the PostgreSQL
// driver for DuckDB users. A PostgreSQL store is recognised by its backend name.
function asPostgres(store: Store): PostgresStore | null {
  const pg = store as unknown as PostgresStore;
  return store.backend === 'postgres' && typeof pg.leaderElector === 'function' ? pg : null;
}

export interface BackgroundJob {
  name: string;
  intervalMs: number;
  /** Delay before the first run after this instance becomes leader (default 0). */
  initialDelayMs?: number;
  run(): Promise<unknown>;
}

export interface BackgroundJobsOptions {
  /** Leader lock retry / re-check period (default 5000 ms). */
  retryMs?: number;
  onLeaderChange?: (isLeader: boolean) => void;
  onError?: (job: string, err: unknown) => void;
  /** Add the PostgreSQL store's own upkeep jobs (default true). */
  storeJobs?: boolean;
}

export interface BackgroundJobs {
  /** Whether this instance runs the jobs right now. */
  readonly isLeader: boolean;
  /** The elector (PostgreSQL only), e.g. to export leadership as a metric. */
  readonly elector: LeaderElector | null;
  /** Runs one job now if this instance leads (tests, admin commands); resolves false otherwise. */
  runNow(name: string): Promise<boolean>;
  stop(): Promise<void>;
}

/** The PostgreSQL store's upkeep: partitions ahead of time, and hourly rollups of ended hours. */
export function postgresStoreJobs(store: PostgresStore): BackgroundJob[] {
  return [
    { name: 'partitions', intervalMs: 3_600_000, run: () => store.maintainPartitions() },
    { name: 'rollups', intervalMs: 60_000, initialDelayMs: 5_000, run: () => store.refreshRollups() },
  ];
}

export async function startBackgroundJobs(
  store: Store,
  jobs: readonly BackgroundJob[],
  opts: BackgroundJobsOptions = {},
): Promise<BackgroundJobs> {
  const pg = asPostgres(store);
  const all = [...jobs, ...(pg && opts.storeJobs !== false ? postgresStoreJobs(pg) : [])];
  const running = new Map<string, Promise<unknown>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  let elector: LeaderElector | null = null;
  const leads = () => !stopped && (elector ? elector.isLeader : true);

  const runJob = async (job: BackgroundJob): Promise<boolean> => {
    if (!leads()) return false;
    // Never overlap runs of one job (a slow retention pass must not pile up).
    const cur = running.get(job.name);
    if (cur) {
      await cur;
      return true;
    }
    const p = job.run().catch((err) => opts.onError?.(job.name, err));
    running.set(job.name, p);
    try {
      await p;
    } finally {
      running.delete(job.name);
    }
    return true;
  };

  const firstRuns: NodeJS.Timeout[] = [];
  const scheduleFirstRuns = () => {
    for (const job of all) {
      const t = setTimeout(() => void runJob(job), job.initialDelayMs ?? 0);
      t.unref();
      firstRuns.push(t);
    }
  };

  if (pg) {
    const electorOpts: LeaderElectorOptions = {
      retryMs: opts.retryMs,
      onChange: (l) => {
        opts.onLeaderChange?.(l);
        if (l) scheduleFirstRuns();
      },
    };
    elector = pg.leaderElector('background', electorOpts);
    await elector.start();
  } else {
    opts.onLeaderChange?.(true);
    scheduleFirstRuns();
  }
  for (const job of all) {
    const t = setInterval(() => void runJob(job), job.intervalMs);
    t.unref();
    timers.push(t);
  }

  return {
    get isLeader() {
      return leads();
    },
    elector,
    async runNow(name) {
      const job = all.find((j) => j.name === name);
      if (!job) throw new Error(`no background job named ${name}`);
      return runJob(job);
    },
    async stop() {
      stopped = true;
      for (const t of [...timers, ...firstRuns]) clearTimeout(t);
      await Promise.allSettled(running.values());
      await elector?.stop();
    },
  };
}

/**
 * The bus between instances sharing the store's database (PostgreSQL LISTEN/NOTIFY), or null for
 * a single-process store. The server publishes each commit's summary and re-broadcasts the others'
 * to its live-stream clients, so a dashboard on any instance sees ingest through every instance.
 */
export async function openClusterBus(store: Store, opts?: ClusterBusOptions): Promise<ClusterBus | null> {
  const pg = asPostgres(store);
  return pg && typeof pg.clusterBus === 'function' ? pg.clusterBus(opts) : null;
}
