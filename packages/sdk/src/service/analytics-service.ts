/**
 * The seed API: createAnalyticsService(config) → initialize() → logAgentStart / trackModelInference /
 * trackMetric / ... → destroy(). One service owns a tracer, a meter, a logger and an export pipeline
 * towards a server (http) or an in-process core (library mode). Every recording method is synchronous,
 * returns at once and never throws; export happens in the background.
 */

import type { ExportBackend, ExportOutcome, SdkEvent } from '../export/backend.js';
import { CoreBackend, openCore, type VigilCoreLike } from '../export/core-backend.js';
import { HttpBackend, NodeHttpTransport } from '../export/http-backend.js';
import { encodeHeader, type LogData, type MetricData } from '../export/otlp-encode.js';
import { ExportPipeline, type PipelineStats } from '../export/pipeline.js';
import { nowUs, toEpochUs, usToIso } from '../internal/clock.js';
import { errorMessage, setDiagSink, warnOnce } from '../internal/diag.js';
import { createLogger, type Logger, setLogExporter } from '../logs/logger.js';
import { type Labels, Meter, type MetricKind } from '../metrics/meter.js';
import { getActiveSpan, runWithSpan } from '../trace/context.js';
import { ATTR } from '../trace/semconv.js';
import { payloadString, VigilSpan } from '../trace/span.js';
import { getTracer, NoopTracer, runInSpan, setGlobalTracer, type Tracer, VigilTracer } from '../trace/tracer.js';
import type { Attributes, ReadableVigilSpan, SpanLike, SpanOptions } from '../trace/types.js';
import { type AnalyticsConfig, type ResolvedConfig, resolveConfig } from './config.js';
import { readSystemUsage, type SystemUsage } from './system-usage.js';

export const SDK_VERSION = '0.1.0';

export interface AgentContext {
  agentName?: string;
  agentVersion?: string;
  sessionId?: string;
  userId?: string;
  input?: unknown;
  output?: unknown;
  attributes?: Attributes;
  /** Which run to end when one agent id has several open; default the latest. */
  runId?: string;
  /** Token usage / cost of the whole run, if the caller knows them. */
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  /** runAgent: record the function's result as the run output. */
  captureOutput?: boolean;
  /** Override the start / end timestamp. */
  time?: Date | number | string;
  [extra: string]: unknown;
}

export interface AgentRun {
  readonly agentId: string;
  readonly runId: string;
  readonly traceId: string;
  /** The run's agent span: pass as `parent` or use service.withRun() to nest work under it. */
  readonly span: SpanLike;
}

export interface InferenceData {
  /** Call latency in ms; the span ends now and starts `duration` ms ago. */
  duration?: number;
  tokenCount?: number;
  inputTokens?: number;
  outputTokens?: number;
  agentId?: string;
  success?: boolean;
  provider?: string;
  costUsd?: number;
  operation?: string;
  error?: unknown;
  input?: unknown;
  output?: unknown;
  sessionId?: string;
  userId?: string;
  runId?: string;
  attributes?: Attributes;
}

export interface MetricData2 {
  name: string;
  value: number;
  unit?: string;
  metricType?: MetricKind;
  agentId?: string;
  dimensions?: Record<string, string | number | boolean>;
  tags?: Record<string, string | number | boolean> | string[];
}

export interface ServiceStats extends PipelineStats {
  backend: string;
  initialized: boolean;
  activeRuns: number;
}

class LazyBackend implements ExportBackend {
  private backend: ExportBackend | null = null;
  private failure: string | null = null;
  constructor(readonly ready: Promise<ExportBackend>) {
    ready.then(
      (b) => {
        this.backend = b;
      },
      (e) => {
        this.failure = errorMessage(e);
      },
    );
  }
  private async get(): Promise<ExportBackend | string> {
    if (this.backend) return this.backend;
    if (this.failure) return this.failure;
    try {
      return await this.ready;
    } catch (e) {
      return errorMessage(e);
    }
  }
  private async call(fn: (b: ExportBackend) => Promise<ExportOutcome>): Promise<ExportOutcome> {
    const b = await this.get();
    if (typeof b === 'string') return { ok: false, retryable: false, error: `backend unavailable: ${b}` };
    return fn(b);
  }
  exportSpans(s: readonly ReadableVigilSpan[], sig: AbortSignal) {
    return this.call((b) => b.exportSpans(s, sig));
  }
  exportLogs(l: readonly LogData[], sig: AbortSignal) {
    return this.call((b) => b.exportLogs(l, sig));
  }
  exportMetrics(m: readonly MetricData[], sig: AbortSignal) {
    return this.call((b) => b.exportMetrics(m, sig));
  }
  exportEvents(e: readonly SdkEvent[], sig: AbortSignal) {
    return this.call((b) => b.exportEvents(e, sig));
  }
  async shutdown(): Promise<void> {
    const b = await this.get();
    if (typeof b !== 'string') await b.shutdown?.();
  }
}

interface OpenRun {
  run: AgentRun;
  startEvent: SdkEvent;
}

function labelsOf(m: MetricData2): Labels {
  const labels: Labels = { ...m.dimensions };
  if (Array.isArray(m.tags)) {
    if (m.tags.length) labels.tags = m.tags.join(',');
  } else if (m.tags) Object.assign(labels, m.tags);
  if (m.agentId) labels.agent_id = m.agentId;
  return labels;
}

export class AnalyticsService {
  readonly config: ResolvedConfig;
  readonly tracer: Tracer;
  readonly meter = new Meter();
  readonly logger: Logger;
  private readonly pipeline: ExportPipeline;
  private readonly backend: ExportBackend;
  private readonly core: Promise<VigilCoreLike> | null;
  private readonly runsByAgent = new Map<string, OpenRun[]>();
  private readonly runsById = new Map<string, OpenRun>();
  private initialized = false;
  private destroyed = false;
  private exitHook: (() => void) | null = null;
  private systemTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: AnalyticsConfig = {}) {
    if (options.onWarning !== undefined) setDiagSink(options.onWarning);
    const c = resolveConfig(options);
    this.config = c;
    const header = encodeHeader(
      {
        [ATTR.serviceName]: c.serviceName,
        ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
        ...(options.environment ? { 'deployment.environment.name': options.environment } : {}),
        'telemetry.sdk.name': '@vigil/sdk',
        'telemetry.sdk.language': 'nodejs',
        'telemetry.sdk.version': SDK_VERSION,
        ...options.resourceAttributes,
      },
      '@vigil/sdk',
      SDK_VERSION,
    );
    if (c.backend === 'http') {
      const transport =
        options.transport ??
        new NodeHttpTransport({ url: c.url, apiKey: c.apiKey, headers: c.headers, compression: options.compression });
      this.backend = new HttpBackend(transport, header, c.serviceName);
      this.core = null;
    } else {
      this.core = options.core
        ? Promise.resolve(options.core)
        : openCore({
            dataDir: c.dataDir,
            storeUrl: c.storeUrl,
            backend: c.backend as 'duckdb' | 'postgres' | 'supabase',
            apiKey: c.apiKey,
          });
      this.core.catch(() => undefined); // reported through initialize() / stats, never unhandled
      this.backend = new LazyBackend(
        this.core.then((core) => new CoreBackend(core, c.project, c.serviceName, !options.core)),
      );
    }
    this.pipeline = new ExportPipeline(this.backend, {
      batchSize: c.batchSize,
      flushIntervalMs: c.flushInterval,
      metricsIntervalMs: c.metricsInterval,
      maxQueueSize: c.maxCacheSize,
      exportTimeoutMs: options.exportTimeout,
      retry: options.retry,
      collectMetrics: c.features.metrics ? () => this.meter.collect() : undefined,
    });
    this.tracer = c.features.tracing ? new VigilTracer(this.pipeline, { sampleRate: c.sampleRate }) : new NoopTracer();
    this.logger = createLogger({ name: c.serviceName, level: options.logLevel, output: options.logOutput ?? false });
  }

  /** Opens the backend (library mode), registers the global tracer and exit hook. Never rejects. */
  async initialize(): Promise<this> {
    if (this.initialized || this.destroyed) return this;
    this.initialized = true;
    if (this.options.registerGlobal !== false) {
      setGlobalTracer(this.tracer);
      if (this.config.features.logs) setLogExporter((r) => this.pipeline.addLog(r));
    }
    if (this.options.flushOnExit !== false) {
      this.exitHook = () => {
        if (this.pipeline.hasPending()) void this.pipeline.flush(this.config.shutdownTimeout);
      };
      process.on('beforeExit', this.exitHook);
    }
    if (this.config.features.systemMetrics) {
      readSystemUsage(); // prime the CPU delta
      this.systemTimer = setInterval(() => this.trackSystemUsage(readSystemUsage()), this.config.metricsInterval);
      this.systemTimer.unref();
    }
    if (this.core) {
      try {
        await this.core;
      } catch (e) {
        warnOnce('core-open', `library mode: could not open the ${this.config.backend} store: ${errorMessage(e)}`);
      }
    }
    return this;
  }

  // ---- tracing -----------------------------------------------------------------------------------

  startSpan(name: string, opts?: SpanOptions): SpanLike {
    try {
      return this.tracer.startSpan(name, opts);
    } catch {
      return new NoopTracer().startSpan();
    }
  }

  withSpan<T>(name: string, opts: SpanOptions | undefined, fn: (span: SpanLike) => T): T {
    return runInSpan(this.startSpan(name, opts), fn);
  }

  // ---- agent runs --------------------------------------------------------------------------------

  /** Opens an agent run: an agent span now, and an agent_start event so the server counts it as active. */
  logAgentStart(agentId: string, ctx: AgentContext = {}): AgentRun {
    try {
      const span = this.startSpan(ctx.agentName ?? agentId, {
        kind: 'agent',
        agentId,
        agentName: ctx.agentName,
        agentVersion: ctx.agentVersion,
        sessionId: ctx.sessionId,
        userId: ctx.userId,
        input: ctx.input,
        attributes: ctx.attributes,
        startTime: ctx.time,
      });
      const run: AgentRun = { agentId, runId: span.spanId, traceId: span.traceId, span };
      if (!span.isRecording()) return run;
      if (span instanceof VigilSpan) span.agentRun = true;
      const parent = getActiveSpan();
      const startEvent: SdkEvent = {
        type: 'agent_start',
        time: usToIso(toEpochUs(ctx.time) ?? nowUs()),
        agentId,
        runId: span.spanId,
        traceId: span.traceId,
        agentName: ctx.agentName,
        agentVersion: ctx.agentVersion,
        sessionId: ctx.sessionId,
        userId: ctx.userId,
        parentSpanId: parent && parent.traceId === span.traceId ? parent.spanId : undefined,
        attributes: ctx.attributes,
        input: payloadString(ctx.input),
      };
      const open: OpenRun = { run, startEvent };
      const list = this.runsByAgent.get(agentId);
      if (list) list.push(open);
      else this.runsByAgent.set(agentId, [open]);
      this.runsById.set(run.runId, open);
      this.pipeline.addEvent(startEvent);
      return run;
    } catch (e) {
      warnOnce('agent-start', `logAgentStart failed: ${errorMessage(e)}`);
      return {
        agentId,
        runId: '0000000000000000',
        traceId: '00000000000000000000000000000000',
        span: new NoopTracer().startSpan(),
      };
    }
  }

  private takeRun(agentId: string, runId: string | undefined): OpenRun | undefined {
    const list = this.runsByAgent.get(agentId);
    let open: OpenRun | undefined;
    if (runId) open = this.runsById.get(runId);
    else open = list?.[list.length - 1];
    if (!open) return undefined;
    this.runsById.delete(open.run.runId);
    const l = this.runsByAgent.get(open.run.agentId);
    if (l) {
      const i = l.indexOf(open);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.runsByAgent.delete(open.run.agentId);
    }
    return open;
  }

  private endRun(agentId: string, ctx: AgentContext, error: unknown, failed: boolean): void {
    const open = this.takeRun(agentId, ctx.runId);
    if (!open) {
      warnOnce(`no-run-${agentId}`, `${failed ? 'logAgentError' : 'logAgentComplete'}(${agentId}): no open run`);
      return;
    }
    const span = open.run.span;
    if (ctx.attributes) span.setAttributes(ctx.attributes);
    if (ctx.output !== undefined) span.setOutput(ctx.output);
    if (ctx.inputTokens !== undefined || ctx.outputTokens !== undefined || ctx.costUsd !== undefined) {
      span.setUsage({ inputTokens: ctx.inputTokens, outputTokens: ctx.outputTokens, costUsd: ctx.costUsd });
    }
    if (failed) {
      span.recordException(error);
      span.setStatus('error', error instanceof Error ? error.message : String(error));
    } else span.setStatus('ok');
    // Still queued? The server need not hear of a run that is already over (its span says it all).
    this.pipeline.cancelEvent(open.startEvent);
    span.end(ctx.time);
  }

  logAgentComplete(agentId: string, ctx: AgentContext = {}): void {
    try {
      this.endRun(agentId, ctx, undefined, false);
    } catch (e) {
      warnOnce('agent-complete', `logAgentComplete failed: ${errorMessage(e)}`);
    }
  }

  logAgentError(agentId: string, error: unknown, ctx: AgentContext = {}): void {
    try {
      this.endRun(agentId, ctx, error, true);
    } catch (e) {
      warnOnce('agent-error', `logAgentError failed: ${errorMessage(e)}`);
    }
  }

  /** Runs fn as an agent run: start, complete with its result or error with its exception; spans inside nest under it. */
  async runAgent<T>(agentId: string, ctx: AgentContext, fn: (run: AgentRun) => Promise<T> | T): Promise<T> {
    const run = this.logAgentStart(agentId, ctx);
    let result: T;
    try {
      result = await runWithSpan(run.span, () => fn(run));
    } catch (e) {
      this.logAgentError(agentId, e, { runId: run.runId });
      throw e;
    }
    this.logAgentComplete(agentId, { runId: run.runId, output: ctx.captureOutput ? result : undefined });
    return result;
  }

  /** The open run of an agent (latest), if any. */
  getRun(agentId: string): AgentRun | undefined {
    const l = this.runsByAgent.get(agentId);
    return l?.[l.length - 1]?.run;
  }

  // ---- model inference, metrics, system usage ------------------------------------------------------

  /** Records an LLM call that just finished as an llm span (parented to the active span or the agent's open run). */
  trackModelInference(model: string, data: InferenceData = {}): void {
    try {
      const end = nowUs();
      const durationMs = typeof data.duration === 'number' && data.duration >= 0 ? data.duration : 0;
      const runParent = data.runId
        ? this.runsById.get(data.runId)?.run.span
        : data.agentId
          ? this.getRun(data.agentId)?.span
          : undefined;
      const active = getActiveSpan();
      const parent = active && active.spanId !== '0000000000000000' ? active : runParent;
      const span = this.startSpan(data.operation === 'embeddings' ? `embeddings ${model}` : `chat ${model}`, {
        kind: data.operation === 'embeddings' ? 'embedding' : 'llm',
        model,
        provider: data.provider,
        operation: data.operation,
        agentId: data.agentId,
        sessionId: data.sessionId,
        userId: data.userId,
        input: data.input,
        attributes: data.attributes,
        parent,
        startTime: (end - durationMs * 1000) / 1000,
      });
      span.setUsage({ inputTokens: data.inputTokens, outputTokens: data.outputTokens, costUsd: data.costUsd });
      if (data.tokenCount !== undefined) {
        span.setAttribute('llm.token_count.total', data.tokenCount);
        if (data.inputTokens === undefined && data.outputTokens === undefined) {
          // Only a total is known: count it as input (as the server does for the SDK batch), so token
          // totals and cost are a lower bound instead of a silent 0.
          span.setAttribute(ATTR.inputTokens, data.tokenCount);
        }
      }
      if (data.output !== undefined) span.setOutput(data.output);
      if (data.success === false || data.error !== undefined) {
        if (data.error !== undefined) span.recordException(data.error);
        span.setStatus('error', data.error !== undefined ? errorMessage(data.error) : 'inference failed');
      } else span.setStatus('ok');
      span.end(end / 1000);
    } catch (e) {
      warnOnce('inference', `trackModelInference failed: ${errorMessage(e)}`);
    }
  }

  /** Records a metric point into the in-process aggregation (exported every metricsInterval). */
  trackMetric(m: MetricData2): void {
    try {
      if (!this.config.features.metrics || !m || typeof m.name !== 'string') return;
      this.meter.record(m.name, m.metricType ?? 'gauge', m.value, labelsOf(m), { unit: m.unit });
    } catch (e) {
      warnOnce('metric', `trackMetric failed: ${errorMessage(e)}`);
    }
  }

  /** System readings, sent as a Vigil `system` event (stored by the server as system.* gauges). */
  trackSystemUsage(u: SystemUsage): void {
    try {
      if (!this.config.features.metrics || !u) return;
      const ev: SdkEvent = { type: 'system', time: Date.now() };
      for (const k of [
        'cpuUsage',
        'memoryUsage',
        'diskUsage',
        'networkLatency',
        'activeConnections',
        'gpuUsage',
        'gpuMemoryUsage',
      ] as const) {
        const v = u[k];
        if (typeof v === 'number' && Number.isFinite(v)) ev[k] = v;
      }
      this.pipeline.addEvent(ev);
    } catch (e) {
      warnOnce('system', `trackSystemUsage failed: ${errorMessage(e)}`);
    }
  }

  // ---- queries -----------------------------------------------------------------------------------

  /**
   * The dashboard summary (docs/api.md "Dashboard") for [start, end). Unlike the recording methods this
   * is a query: it rejects when the server or store cannot answer. Buffered telemetry is flushed first.
   */
  async getDashboardData(
    range: { start?: Date | number | string; end?: Date | number | string } = {},
  ): Promise<unknown> {
    const toUs = toEpochUs(range.end) ?? nowUs();
    const fromUs = toEpochUs(range.start) ?? toUs - 24 * 3600 * 1e6;
    await this.pipeline.flush(this.config.shutdownTimeout);
    if (this.core) {
      const core = await this.core;
      return core.getDashboardData(this.config.project, { fromUs, toUs });
    }
    const url = new URL(`${this.config.url.replace(/\/+$/, '')}/api/v1/dashboard`);
    url.searchParams.set('from', String(Math.floor(fromUs / 1000)));
    url.searchParams.set('to', String(Math.ceil(toUs / 1000)));
    // connection: close, so a one-off query leaves no keep-alive socket holding the process open.
    const headers: Record<string, string> = { ...this.config.headers, connection: 'close' };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`GET /api/v1/dashboard: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return res.json();
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /** Exports everything buffered now; resolves when done (or after timeoutMs). Never rejects. */
  flush(timeoutMs = this.config.shutdownTimeout): Promise<void> {
    return this.pipeline.flush(timeoutMs);
  }

  stats(): ServiceStats {
    return {
      ...this.pipeline.stats(),
      backend: this.config.backend,
      initialized: this.initialized,
      activeRuns: this.runsById.size,
    };
  }

  /** Flushes, stops timers, unregisters globals and closes the backend. Never rejects. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.systemTimer) clearInterval(this.systemTimer);
    if (this.exitHook) process.off('beforeExit', this.exitHook);
    if (getTracer() === this.tracer) {
      setGlobalTracer(null);
      setLogExporter(null);
    }
    try {
      await this.pipeline.shutdown(this.config.shutdownTimeout);
    } catch (e) {
      warnOnce('destroy', `destroy: ${errorMessage(e)}`);
    }
  }
}

export function createAnalyticsService(config: AnalyticsConfig = {}): AnalyticsService {
  return new AnalyticsService(config);
}

/**
 * Create and initialize a service in one call. `quickSetup('http://host:4318', 'key')`,
 * `quickSetup('duckdb', { connection: { path: './vigil.duckdb' } })` or `quickSetup({ ...config })`.
 */
export async function quickSetup(
  target?: string | AnalyticsConfig,
  extra?: string | AnalyticsConfig,
): Promise<AnalyticsService> {
  let config: AnalyticsConfig = {};
  if (typeof target === 'object') config = target;
  else if (target === 'http' || target === 'duckdb' || target === 'postgres' || target === 'supabase') {
    config = { ...(typeof extra === 'object' ? extra : {}), backend: target };
  } else if (typeof target === 'string') {
    config = { backend: 'http', connection: { url: target, apiKey: typeof extra === 'string' ? extra : undefined } };
    if (typeof extra === 'object')
      config = { ...extra, ...config, connection: { ...extra.connection, ...config.connection } };
  }
  return createAnalyticsService(config).initialize();
}
