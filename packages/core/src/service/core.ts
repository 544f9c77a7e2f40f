/**
 * VigilCore: the one facade over store, ingest pipeline, auth and queries that both the HTTP server
 * and the SDK's library mode drive. Everything here is transport-free: bytes or objects in, JSON-ready
 * objects out. HTTP handlers translate a request, call one method, translate the result.
 */
import { AuthService } from '../auth/service.js';
import { agentRunEndsOf, decodeOtlpLogs, decodeOtlpMetrics, decodeOtlpTraces } from '../ingest/otlp.js';
import { createPriceTable } from '../ingest/prices.js';
import { createRedactor } from '../ingest/redact.js';
import { encodeOtlpResponse } from '../ingest/response.js';
import { normalizeSdkBatch } from '../ingest/sdk-batch.js';
import {
  type DecodeResult,
  defaultIngestLimits,
  type IngestLimits,
  type NormalizeContext,
  type OtlpFormat,
  type OtlpSignal,
  type PriceOverride,
} from '../ingest/types.js';
import { IngestPipeline, type PipelineOptions, QueueFullError } from '../pipeline/ingest-pipeline.js';
import {
  alertToJson,
  anomalyToJson,
  apiKeyToJson,
  logToJson,
  seriesToJson,
  traceSummaryToJson,
  traceToJson,
} from '../query/json.js';
import type { DuckDbStoreOptions } from '../store/duckdb/duckdb-store.js';
import { openStore } from '../store/open.js';
import type {
  AlertState,
  MetricSeriesQuery,
  Role,
  SpanSeriesQuery,
  Store,
  TimeRange,
  TraceQuery,
} from '../store/store.js';
import { Turns } from '../util/turns.js';
import { dashboardData } from './dashboard.js';
import { insightsFacade } from './insights.js';

export interface VigilCoreOptions {
  /** Directory of the embedded DuckDB store (default `./.vigil`). Ignored when storeUrl is set. */
  dataDir?: string;
  /** `duckdb:///path/file.duckdb`, `postgres://...`; overrides dataDir. */
  storeUrl?: string;
  /** DuckDB tuning (checkpoint threshold, memory limit, threads) for the embedded store. */
  duckdb?: DuckDbStoreOptions;
  /** An already-open store (tests, embedding); the core closes it on close(). */
  store?: Store;
  pipeline?: Partial<PipelineOptions>;
  prices?: PriceOverride[];
  limits?: Partial<IngestLimits>;
  /** Mask secrets/PII in payloads (default true). */
  redact?: boolean;
  /** Auth cache TTL (ms). */
  authCacheTtlMs?: number;
}

/** Per-request ingest outcome; the server turns it into counters and the response body. */
export interface IngestOutcome {
  signal: OtlpSignal | 'sdk';
  accepted: number;
  rejected: number;
  truncated: number;
  invalidUtf8: number;
  /** Rows by kind, for ingest-rate metrics. */
  spans: number;
  metrics: number;
  logs: number;
}

export interface OtlpIngestResult extends IngestOutcome {
  errorMessage: string | null;
  /** The OTLP Export*ServiceResponse in the request's encoding. */
  response: Uint8Array | string;
}

export interface SdkIngestResult extends IngestOutcome {
  errors: { index: number; message: string }[];
}

export type VigilCore = Awaited<ReturnType<typeof openVigilCore>>;

/**
 * Group-commit defaults. A short flushMs means an idle pipeline commits almost at once, while under
 * load rows accumulate during the running commit, so commits grow by themselves up to flushRows
 * (closed-loop clients waiting for acks gain nothing from a longer timer: measured in
 * bench/ingest at 4 connections, 2 ms gave 111–125k spans/s where 5 ms gave 97–99k, and 100 ms a
 * third of 5 ms; 0 and 1 ms commit smaller batches, 113k and 117k). 100k queued rows bound memory
 * when the store lags.
 */
export const DEFAULT_PIPELINE: PipelineOptions = { maxQueueRows: 100_000, flushRows: 10_000, flushMs: 2 };

/**
 * Request bytes waiting in trace decoder workers beyond which a request is refused (429): the
 * pipeline's queue bounds decoded rows, this bounds what waits before it.
 */
const MAX_DECODE_BACKLOG_BYTES = 32 * 1024 * 1024;

export async function openVigilCore(opts: VigilCoreOptions = {}) {
  const store =
    opts.store ?? (await openStore({ url: opts.storeUrl, dataDir: opts.dataDir ?? './.vigil', duckdb: opts.duckdb }));
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  const pipelineOpts = { ...DEFAULT_PIPELINE };
  for (const [k, v] of Object.entries(opts.pipeline ?? {})) {
    if (typeof v === 'number') pipelineOpts[k as keyof PipelineOptions] = v;
  }
  const pipeline = new IngestPipeline(store, pipelineOpts);
  const auth = new AuthService(store, { cacheTtlMs: opts.authCacheTtlMs });
  const limits: IngestLimits = { ...defaultIngestLimits, ...opts.limits };
  const prices = createPriceTable(opts.prices ?? []);
  const redact = opts.redact === false ? undefined : createRedactor({ maxChars: limits.maxPayloadChars });
  // Where the store offers it, trace requests are decoded off the JS thread, with the same rules.
  const traceDecoder =
    store.traceDecoder?.({ limits, prices: opts.prices ?? [], redact: opts.redact !== false }) ?? null;

  const context = (project: string): NormalizeContext => ({
    project,
    nowUs: Date.now() * 1000,
    limits,
    prices,
    redact,
  });

  // Requests decoded on the JS thread go one per turn of the event loop (util/turns.ts).
  const turns = new Turns();
  let closed = false;

  return {
    store,
    pipeline,
    auth,
    limits,

    /** Threads decoding OTLP trace requests beside the JS thread (0 when the JS thread decodes them). */
    decodeWorkers(): number {
      return traceDecoder?.threads ?? 0;
    },

    /** Decodes an OTLP body, waits until its rows are durable, returns the OTLP response. */
    async ingestOtlp(
      project: string,
      signal: OtlpSignal,
      body: Uint8Array,
      format: OtlpFormat,
    ): Promise<OtlpIngestResult> {
      const ctx = context(project);
      // What the decoder counted; the rows went to the pipeline (out: how many of each kind).
      let decoded: Omit<DecodeResult<unknown>, 'rows'>;
      const out = { spans: 0, metrics: 0, logs: 0 };
      // Refused before decoding when the store would refuse the rows anyway.
      pipeline.admit();
      if (signal === 'traces' && traceDecoder) {
        if (traceDecoder.backlogBytes > MAX_DECODE_BACKLOG_BYTES) throw new QueueFullError(1);
        const d = await traceDecoder.decode(body, format, project, {
          nowUs: ctx.nowUs,
          records: pipeline.wantsRecords,
        });
        if (d.encoded) {
          try {
            await pipeline.submit({ encoded: d.encoded, agentRunEnds: d.agentRunEnds });
          } catch (err) {
            d.encoded.discard();
            throw err;
          }
        }
        out.spans = d.encoded?.rows ?? 0;
        decoded = d;
      } else {
        // Decoded here, on the JS thread: one request per turn of the event loop.
        await turns.next();
        if (signal === 'traces') {
          const d = decodeOtlpTraces(body, format, ctx);
          if (d.rows.length) await pipeline.submit({ spans: d.rows, agentRunEnds: agentRunEndsOf(d.rows) });
          out.spans = d.rows.length;
          decoded = d;
        } else if (signal === 'metrics') {
          const d = decodeOtlpMetrics(body, format, ctx);
          if (d.rows.length) await pipeline.submit({ metrics: d.rows });
          out.metrics = d.rows.length;
          decoded = d;
        } else {
          const d = decodeOtlpLogs(body, format, ctx);
          if (d.rows.length) await pipeline.submit({ logs: d.rows });
          out.logs = d.rows.length;
          decoded = d;
        }
      }
      return {
        signal,
        accepted: out.spans + out.metrics + out.logs,
        rejected: decoded.rejected,
        truncated: decoded.truncated,
        invalidUtf8: decoded.invalidUtf8,
        errorMessage: decoded.errorMessage,
        response: encodeOtlpResponse(signal, format, decoded.rejected, decoded.errorMessage),
        ...out,
      };
    },

    /** The SDK's JSON batch (`POST /api/v1/ingest`). */
    async ingestSdkBatch(project: string, body: unknown): Promise<SdkIngestResult> {
      pipeline.admit();
      await turns.next();
      const r = normalizeSdkBatch(body, context(project));
      const n = r.spans.length + r.metrics.length + r.logs.length + r.agentRunStarts.length + r.agentRunEnds.length;
      if (n > 0) {
        await pipeline.submit({
          spans: r.spans,
          metrics: r.metrics,
          logs: r.logs,
          agentRunStarts: r.agentRunStarts,
          agentRunEnds: r.agentRunEnds,
        });
      }
      return {
        signal: 'sdk',
        accepted: r.accepted,
        rejected: r.rejected,
        truncated: r.truncated,
        invalidUtf8: 0,
        errors: r.errors,
        spans: r.spans.length,
        metrics: r.metrics.length,
        logs: r.logs.length,
      };
    },

    ...insightsFacade(store),

    async getDashboardData(project: string, range: TimeRange) {
      return dashboardData(store, project, range);
    },

    async listTraces(project: string, q: TraceQuery) {
      const page = await store.listTraces(project, q);
      return { items: page.items.map(traceSummaryToJson), nextCursor: page.nextCursor };
    },

    /** The trace with its spans ordered by start, or null when the project has no such trace. */
    async getTrace(project: string, traceId: string) {
      const spans = await store.getTrace(project, traceId);
      return spans.length ? traceToJson(traceId, spans) : null;
    },

    async metricSeries(project: string, q: MetricSeriesQuery) {
      return seriesToJson(await store.metricSeries(project, q));
    },

    async spanSeries(project: string, q: SpanSeriesQuery) {
      return seriesToJson(await store.spanSeries(project, q));
    },

    async listLogs(
      project: string,
      q: TimeRange & { traceId?: string; minSeverity?: number; text?: string; limit: number; cursor?: string | null },
    ) {
      const page = await store.listLogs(project, q);
      return { items: page.items.map(logToJson), nextCursor: page.nextCursor };
    },

    async listAnomalies(project: string, q: TimeRange & { metric?: string; limit: number }) {
      return { items: (await store.listAnomalies(project, q)).map(anomalyToJson) };
    },

    async listAlerts(project: string, q: { states?: AlertState[]; limit?: number }) {
      return { items: (await store.listAlerts(project, { states: q.states, limit: q.limit ?? 500 })).map(alertToJson) };
    },

    /** Marks an alert acknowledged; null when the project has no such alert. */
    async ackAlert(project: string, id: string, by: string) {
      const all = await store.listAlerts(project, { limit: 10_000 });
      const alert = all.find((a) => a.id === id);
      if (!alert) return null;
      if (alert.state === 'firing' || alert.state === 'pending') {
        const nowUs = Date.now() * 1000;
        alert.state = 'acknowledged';
        alert.acknowledgedBy = by;
        alert.updatedUs = nowUs;
        await store.upsertAlert(alert);
      }
      return alertToJson(alert);
    },

    async listKeys(project: string) {
      return { items: (await auth.list(project)).map(apiKeyToJson) };
    },

    async createKey(project: string, name: string, role: Role) {
      const { record, key } = await auth.create(project, name, role);
      return { ...apiKeyToJson(record), key };
    },

    revokeKey(project: string, id: string) {
      return auth.revoke(project, id);
    },

    /** Round trip to the store; rejects when it does not answer. */
    async ready(): Promise<void> {
      if (closed) throw new Error('core closed');
      await store.ping();
    },

    /** Deletes telemetry older than `days` days. */
    applyRetention(days: number) {
      return store.deleteBefore((Date.now() - days * 24 * 3600 * 1000) * 1000);
    },

    /** Flushes the pipeline (everything submitted becomes durable), then closes the store. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await pipeline.close();
      await store.close();
    },
  };
}
