/**
 * Starting a server for real: open the core, bootstrap the default project and keys, listen, run
 * the retention job, and shut down gracefully (stop accepting, flush the pipeline, close the store).
 */
import type { AuthBootstrapResult } from '@vigil/core';
import type { ServerConfig } from '../config/config.js';
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

export async function startServer(
  config: ServerConfig,
  opts: {
    onRetention?: (r: { spans: number; metrics: number; logs: number }) => void;
    onError?: (err: unknown) => void;
  } = {},
): Promise<StartedServer> {
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

  let retention: NodeJS.Timeout | null = null;
  let first: NodeJS.Timeout | null = null;
  if (config.retentionDays > 0) {
    const run = () => {
      server.core.applyRetention(config.retentionDays).then(
        (r) => opts.onRetention?.(r),
        (err) => opts.onError?.(err),
      );
    };
    // First pass shortly after start (not during it), then hourly.
    first = setTimeout(run, 60_000);
    first.unref();
    retention = setInterval(run, HOUR_MS);
    retention.unref();
  }

  let stopping: Promise<void> | null = null;
  return {
    server,
    url: `http://${host}:${port}`,
    port,
    bootstrap,
    stop() {
      stopping ??= (async () => {
        if (first) clearTimeout(first);
        if (retention) clearInterval(retention);
        await server.close();
      })();
      return stopping;
    },
  };
}
