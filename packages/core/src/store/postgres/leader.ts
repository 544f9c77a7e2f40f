/**
 * Leader election over a PostgreSQL session-level advisory lock, so background work (retention,
 * rollups, continuous anomaly detection, alert evaluation) runs on exactly one of several Vigil
 * instances sharing a database.
 *
 * Each elector holds ONE dedicated connection (never recycled: max_lifetime off) and tries
 * `pg_try_advisory_lock` every `retryMs`. The leader re-checks every `retryMs` that its session
 * still holds the lock (pg_locks), so a silently replaced connection is noticed. When a leader
 * process dies its session ends and PostgreSQL releases the lock at once; a peer takes over at its
 * next try (≤ retryMs, default 5 s). If the leader's host vanishes without closing the socket,
 * TCP keepalives (idle 10 s, 5 s × 3 probes) end the session within about 25 s.
 *
 * There is no fencing token: during a network partition two instances may briefly both believe
 * they lead (≤ retryMs). Background jobs must therefore be idempotent, which Vigil's are
 * (retention drops partitions by date, rollups recompute whole hours, anomalies upsert by id).
 */
import { createHash } from 'node:crypto';
import postgres from 'postgres';
import type { Sql } from './connect.js';

export interface LeaderElectorOptions {
  /** How often a follower retries and a leader re-checks its lock (default 5000 ms). */
  retryMs?: number;
  /** Called on every change of leadership. */
  onChange?: (isLeader: boolean) => void;
  /** Called when a try fails (database unreachable...); the elector keeps retrying. */
  onError?: (err: unknown) => void;
}

export interface LeaderElector {
  /** Which lock this elector campaigns for. */
  readonly name: string;
  /** True while this process holds the lock. Check it at the start of every background job run. */
  readonly isLeader: boolean;
  /** Starts campaigning; resolves after the first attempt. */
  start(): Promise<void>;
  /** Stops campaigning, releases the lock and closes the dedicated connection. */
  stop(): Promise<void>;
  /** Subscribes to leadership changes; returns an unsubscribe function. */
  onChange(fn: (isLeader: boolean) => void): () => void;
  /** Wraps a job so that it only runs (and returns its result) while this instance leads. */
  leaderOnly<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R | undefined>;
}

/** Advisory lock keys (two int4): a fixed namespace for Vigil and a hash of the name. */
export function leaderLockKeys(name: string): [number, number] {
  const h = createHash('sha256').update(`vigil:leader:${name}`).digest();
  return [0x56494731, h.readUInt32BE(0) >>> 1]; // 'VIG1', non-negative so pg_locks' oid compares simply
}

type Target = string | Sql | { url: string };

function dedicatedClient(target: Target, onclose: () => void): Sql {
  const common = {
    max: 1,
    max_lifetime: 0, // never recycle the connection: that would silently drop the lock
    idle_timeout: 0,
    onnotice: () => {},
    onclose,
    connection: {
      // The pid lets operators (and tests) see which process leads: pg_locks ⋈ pg_stat_activity.
      application_name: `vigil-leader:${process.pid}`,
      // End the session (and release the lock) when the peer host disappears without a FIN.
      tcp_keepalives_idle: '10',
      tcp_keepalives_interval: '5',
      tcp_keepalives_count: '3',
    },
  };
  if (typeof target === 'string') return postgres(target, common as never) as unknown as Sql;
  if ('url' in target && typeof target.url === 'string') return postgres(target.url, common as never) as unknown as Sql;
  // A postgres.js pool: reuse its connection settings, never its connections.
  const o = (target as Sql).options as unknown as Record<string, unknown>;
  return postgres({
    host: o.host,
    port: o.port,
    path: o.path,
    database: o.database,
    user: o.user,
    pass: o.pass,
    ssl: o.ssl,
    ...common,
    connection: { ...(o.connection as object), ...common.connection },
  } as never) as unknown as Sql;
}

export function createLeaderElector(target: Target, name: string, opts: LeaderElectorOptions = {}): LeaderElector {
  const retryMs = opts.retryMs ?? 5000;
  const [k1, k2] = leaderLockKeys(name);
  const listeners = new Set<(l: boolean) => void>();
  if (opts.onChange) listeners.add(opts.onChange);
  let client: Sql | null = null;
  let leader = false;
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let inflight: Promise<void> | null = null;

  const set = (l: boolean) => {
    if (l === leader) return;
    leader = l;
    for (const fn of listeners) {
      try {
        fn(l);
      } catch {
        // a listener's failure must not break the election
      }
    }
  };

  const dropClient = async () => {
    const c = client;
    client = null;
    set(false);
    if (c) await c.end({ timeout: 1 }).catch(() => {});
  };

  const attempt = async () => {
    try {
      if (!client) {
        const mine: { c: Sql | null } = { c: null };
        mine.c = dedicatedClient(target, () => {
          // The session ended: whatever it held is gone.
          if (client === mine.c) set(false);
        });
        client = mine.c;
      }
      const c = client;
      const [row] = await c`
        select case
          when exists (select 1 from pg_locks
                       where locktype = 'advisory' and pid = pg_backend_pid() and granted
                         and classid = ${k1}::int4::oid and objid = ${k2}::int4::oid and objsubid = 2)
          then true
          else pg_try_advisory_lock(${k1}::int4, ${k2}::int4)
        end as held`;
      if (client === c) set(row.held === true);
    } catch (err) {
      opts.onError?.(err);
      await dropClient();
    }
  };

  const loop = () => {
    if (!running) return;
    inflight = attempt().finally(() => {
      inflight = null;
      if (running) timer = setTimeout(loop, retryMs).unref();
    });
  };

  return {
    name,
    get isLeader() {
      return leader;
    },
    async start() {
      if (running) return;
      running = true;
      loop();
      await inflight;
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await inflight;
      // Closing the session releases the lock; peers take over at their next try.
      await dropClient();
    },
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    leaderOnly(fn) {
      return async (...args) => (leader ? fn(...args) : undefined);
    },
  };
}
