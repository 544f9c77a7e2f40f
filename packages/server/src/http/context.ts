/** What route modules get: the core, the config they need, metrics and the auth hook factory. */
import type { Permission, VigilCore } from '@vigil/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config/config.js';
import type { LiveHub } from './live.js';
import type { ServerMetrics } from './metrics.js';

export interface RouteContext {
  core: VigilCore;
  config: ServerConfig;
  metrics: ServerMetrics;
  live: LiveHub;
  /** Registers an open SSE stream's closer, so shutdown can end long-lived responses. */
  onStreamOpen?(close: () => void): () => void;
  auth(permission: Permission): (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}
