/**
 * Starting a server for real: open the core, bootstrap the default project and keys, listen, run
 * the retention job, and shut down gracefully (stop accepting, flush the pipeline, close the store).
 */
import {
  type AuthBootstrapResult,
  type BackgroundJob,
  type BackgroundJobs,
  DEFAULT_PROJECT,
  startBackgroundJobs,
} from '@vigil/core';
import { alertingJobs } from '../alerting/wiring.js';
import type { ServerConfig } from '../config/config.js';
import { startHostMetrics } from '../system/host-metrics.js';
import { createServer, type VigilServer } from './app.js';

export interface StartedServer {
  server: VigilServer;
  /** `http://host:port` actually bound (port 0 resolved). */
  url: string;
  port: number;
  bootstrap: AuthBootstrapResult;
  stop(): Promise<void>;
}

const HOUR_MS = 3600_000;

export interface StartServerOptions {
  onRetention?: (r: { spans: number; metrics: number; logs: number }) => void;
  onError?: (err: unknown) => void;
  /** More periodic jobs (anomaly detection, alert evaluation, ...), run like retention. */
  jobs?: (server: VigilServer) => BackgroundJob[];
}

export async function startServer(config: ServerConfig, opts: StartServerOptions = {}): Promise<StartedServer> {
  const server = await createServer(config);
  let bootstrap: AuthBootstrapResult;
  try {
    bootstrap = await server.core.auth.bootstrap({ ensureKey: config.apiKey || null });
    await server.app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await server.close().catch(() => {});
    throw err;
  }
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  // Periodic jobs run on one instance only: with a shared PostgreSQL store the instances elect a
  // leader; the embedded store always leads. The PostgreSQL store adds its partition upkeep.
  const jobs: BackgroundJob[] = [...(opts.jobs?.(server) ?? [])];
  // Alert rule evaluation and notification (alertIntervalMs: 0 disables it).
  jobs.push(...alertingJobs(server, { intervalMs: config.alertIntervalMs }));
  if (config.retentionDays > 0) {
    jobs.push({
      name: 'retention',
      intervalMs: HOUR_MS,
      // Not during start-up: the first pass a minute later, then hourly.
      initialDelayMs: 60_000,
      run: async () => opts.onRetention?.(await server.core.applyRetention(config.retentionDays)),
    });
  }
  let background: BackgroundJobs;
  try {
    background = await startBackgroundJobs(server.core.store, jobs, { onError: (_job, err) => opts.onError?.(err) });
  } catch (err) {
    await server.close().catch(() => {});
    throw err;
  }

  // Every instance samples its own host (not leader-gated): the System health page needs no SDK.
  const hostMetrics =
    config.hostMetricsIntervalMs > 0
      ? startHostMetrics(
          config.hostMetricsIntervalMs,
          {
            project: DEFAULT_PROJECT,
            connections: () =>
              new Promise<number>((ok, fail) => server.app.server.getConnections((e, n) => (e ? fail(e) : ok(n)))),
          },
          (points) => server.core.pipeline.submit({ metrics: points }),
          (err) => opts.onError?.(err),
        )
      : null;

  let stopping: Promise<void> | null = null;
  return {
    server,
    url: `http://${host}:${port}`,
    port,
    bootstrap,
    stop() {
      stopping ??= (async () => {
        hostMetrics?.stop();
        await background.stop();
        await server.close();
      })();
      return stopping;
    },
  };
}
