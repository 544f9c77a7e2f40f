/**
 * The Fastify app: wires the core, auth, metrics, live stream and routes together. Handlers stay
 * thin (translate the request, call one core method, translate the result); everything else lives
 * in @vigil/core.
 */
import { availableParallelism } from 'node:os';
import fastifyStatic from '@fastify/static';
import { openVigilCore, type Permission, type VigilCore } from '@vigil/core';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { ServerConfig } from '../config/config.js';
import { requirePermission } from './auth.js';
import { readRawBody } from './body.js';
import type { RouteContext } from './context.js';
import { registerCors } from './cors.js';
import { HttpError, makeErrorHandler, sendError } from './errors.js';
import { LiveHub, type LiveRelay } from './live.js';
import { createServerMetrics, type ServerMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { alertRuleRoutes } from './routes/alert-rules.js';
import { analyticsRoutes } from './routes/analytics.js';
import { healthRoutes } from './routes/health.js';
import { sdkIngestRoutes } from './routes/ingest.js';
import { insightsRoutes } from './routes/insights.js';
import { keyRoutes } from './routes/keys.js';
import { otlpRoutes } from './routes/otlp.js';
import { queryRoutes } from './routes/query.js';
import { streamRoutes } from './routes/stream.js';
import { isApiPath, resolveWebDir } from './static.js';

export interface VigilServer {
  app: FastifyInstance;
  core: VigilCore;
  metrics: ServerMetrics;
  live: LiveHub;
  /** Every registered route (method + URL template), e.g. to check the OpenAPI document. */
  routes: readonly { method: string; url: string }[];
  /** The dashboard directory served at `/`, or null when there is no build. */
  webDir: string | null;
  /** Stops accepting, ends streams, flushes the pipeline, closes the store. */
  close(): Promise<void>;
}

export interface CreateServerOptions {
  /** Use an already-open core (library embedding, tests); otherwise one is opened from config. */
  core?: VigilCore;
}

export async function createServer(config: ServerConfig, opts: CreateServerOptions = {}): Promise<VigilServer> {
  const core =
    opts.core ??
    (await openVigilCore({
      dataDir: config.dataDir,
      storeUrl: config.store || undefined,
      pipeline: { maxQueueRows: config.queueMaxRows, flushRows: config.flushRows, flushMs: config.flushMs },
      duckdb: {
        checkpointThreshold: config.duckdbCheckpoint || undefined,
        memoryLimit: config.duckdbMemoryLimit || undefined,
        cacheMemoryBytes: config.duckdbCacheMemory,
        threads: config.duckdbThreads || Math.max(1, availableParallelism() - 1),
        loadDelayMs: config.duckdbLoadDelayMs,
        maxLoadBacklogRows: config.duckdbMaxLoadBacklog || undefined,
        ingestWorkers: config.ingestWorkers,
      },
    }));

  const metrics = createServerMetrics(
    () => core.pipeline.stats().queuedRows,
    () => core.decodeWorkers(),
    () => core.store.loadBacklog?.().rows ?? 0,
  );
  const unsubscribeFlush = core.pipeline.onFlush((f) => {
    metrics.flushDuration.observe(f.durationMs / 1000);
    metrics.flushRows.observe(f.rows);
    if (!f.ok) metrics.droppedRows.inc(f.rows);
  });
  // Merged commit batches are only built while someone watches the live stream, or, on a store
  // shared by several instances, always: another instance's dashboard may be watching.
  const live = new LiveHub((active) => {
    if (live.relayed) return;
    if (active) stopCommits = core.pipeline.onCommitted((batch) => live.publishSpans(batch.spans));
    else stopCommits?.();
  });
  let stopCommits: (() => void) | null = null;
  let stopRelay: (() => void) | null = null;
  let closeBus: (() => Promise<void>) | null = null;
  const shared = core.store as { clusterBus?: () => Promise<LiveRelay & { close(): Promise<void> }> };
  if (typeof shared.clusterBus === 'function') {
    try {
      const bus = await shared.clusterBus();
      closeBus = () => bus.close();
      stopRelay = live.attachRelay(bus);
      stopCommits = core.pipeline.onCommitted((batch) => live.publishSpans(batch.spans));
    } catch (err) {
      // Without LISTEN/NOTIFY (some poolers) each instance's stream shows its own commits only.
      console.warn(`vigil: live updates stay per instance: ${err instanceof Error ? err.message : err}`);
    }
  }

  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    // Ingest bodies up to the limit on slow links; a hung client is cut off eventually.
    requestTimeout: 120_000,
    // Per-request logs would dominate the ingest hot path (request metrics cover it); debug and
    // trace levels turn them on.
    logController: new LogController({
      disableRequestLogging: config.logLevel !== 'debug' && config.logLevel !== 'trace',
    }),
    // Our own onRequest hook answers 503 in the JSON error shape while closing.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });
  app.decorateRequest('auth', null);
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });

  let accepting = true;
  const streams = new Set<() => void>();
  const verify = (key: string) => core.auth.verify(key);
  const ctx: RouteContext & { isAccepting(): boolean } = {
    core,
    config,
    metrics,
    live,
    auth: (permission: Permission) =>
      requirePermission(verify, permission, (status) => {
        if (permission === 'ingest')
          metrics.ingestRequestsRejected.inc({ reason: status === 401 ? 'unauthorized' : 'forbidden' });
      }),
    onStreamOpen(close) {
      streams.add(close);
      return () => streams.delete(close);
    },
    isAccepting: () => accepting,
  };

  // JSON everywhere else: our own parser, so gzip bodies and the decompressed cap apply here too.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (request, payload, done) => {
    readRawBody(request.raw, payload, config).then(
      (buf) => {
        if (buf.length === 0) return done(null, undefined);
        try {
          done(null, JSON.parse(buf.toString('utf8')));
        } catch (err) {
          done(new HttpError(400, 'invalid_json', `body is not valid JSON: ${(err as Error).message}`), undefined);
        }
      },
      (err) => done(err as Error, undefined),
    );
  });

  app.setErrorHandler(
    makeErrorHandler(config.retryAfterS, (err, request) => {
      request.log.error({ err }, 'request failed');
    }),
  );
  app.addHook('onError', async (request, _reply, err) => {
    if (!request.url.startsWith('/v1/') && request.url !== '/api/v1/ingest') return;
    const reason =
      err.name === 'QueueFullError'
        ? 'queue_full'
        : (err as { statusCode?: number; status?: number }).status === 413 || err.statusCode === 413
          ? 'too_large'
          : err.statusCode === 415 || (err as { status?: number }).status === 415
            ? 'unsupported_media_type'
            : (err as { status?: number }).status === 401 || (err as { status?: number }).status === 403
              ? null
              : 'invalid';
    if (reason) metrics.ingestRequestsRejected.inc({ reason });
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onRequest', async (request) => {
    if (!accepting && request.url !== '/live') {
      throw new HttpError(503, 'unavailable', 'server is shutting down', { connection: 'close', 'retry-after': '5' });
    }
  });
  registerCors(app, config.corsOrigins);
  app.addHook('preClose', async () => {
    accepting = false;
    for (const close of [...streams]) close();
  });

  await app.register(healthRoutes, ctx);
  await app.register(otlpRoutes, ctx);
  await app.register(sdkIngestRoutes, ctx);
  await app.register(queryRoutes, ctx);
  await app.register(keyRoutes, ctx);
  await app.register(streamRoutes, ctx);
  await app.register(analyticsRoutes, ctx);
  await app.register(insightsRoutes, ctx);
  await app.register(alertRuleRoutes, ctx);
  app.get('/api/v1/openapi.json', async () => openApiDocument());

  const webDir = resolveWebDir(config.webDir);
  if (webDir) {
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      index: ['index.html'],
      // The web build writes .br/.gz beside each asset; hashed asset names never change content.
      preCompressed: true,
      cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const url = request.url;
    if (webDir && (request.method === 'GET' || request.method === 'HEAD') && !isApiPath(url)) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return sendError(reply, 404, 'not_found', `no route ${request.method} ${url.split('?')[0]}`);
  });

  let closing: Promise<void> | null = null;
  return {
    app,
    core,
    metrics,
    live,
    routes,
    webDir,
    close() {
      closing ??= (async () => {
        accepting = false;
        await app.close();
        unsubscribeFlush();
        stopCommits?.();
        stopRelay?.();
        await closeBus?.().catch(() => {});
        if (!opts.core) await core.close();
      })();
      return closing;
    },
  };
}
