/**
 * Library mode: telemetry goes straight into an in-process Vigil core (`@vigil/core`, an optional peer
 * dependency) as SDK-batch events, with no server and no network. Only the narrow slice of the core
 * used here is declared, so the SDK builds and runs without the core installed.
 */
import { usToIso } from '../internal/clock.js';
import { ATTR } from '../trace/semconv.js';
import type { Attributes, AttributeValue, ReadableVigilSpan } from '../trace/types.js';
import { agentRunEndEvent, num, str } from './agent-events.js';
import type { ExportBackend, ExportOutcome, SdkEvent } from './backend.js';
import type { LogData, MetricData } from './otlp-encode.js';

export interface VigilCoreLike {
  ingestSdkBatch(
    project: string,
    body: { serviceName: string; events: SdkEvent[] },
  ): Promise<{ accepted: number; rejected: number; errors?: { index: number; message: string }[] }>;
  /** Range in epoch microseconds, [fromUs, toUs). */
  getDashboardData(project: string, range: { fromUs: number; toUs: number }): Promise<unknown>;
  close(): Promise<void>;
}

export interface CoreOpenOptions {
  dataDir?: string;
  /** A DuckDB file path, or a postgres:// URL. */
  storeUrl?: string;
  /** For 'postgres' / 'supabase': the URL is checked by the core, whose errors name the setting to fix. */
  backend?: 'duckdb' | 'postgres' | 'supabase';
  /** Only to explain a Supabase REST config (url + anon key) that cannot work here. */
  apiKey?: string;
}

type CoreModule = {
  openVigilCore?: (o: { dataDir?: string; storeUrl?: string }) => Promise<VigilCoreLike>;
  resolveStoreUrl?: (c: { backend?: string; connection?: { url?: string; apiKey?: string } }) => string;
};

/** Loads @vigil/core lazily (dynamic import) so http mode never needs it. */
export async function openCore(opts: CoreOpenOptions): Promise<VigilCoreLike> {
  const specifier = '@vigil/core';
  const mod = (await import(specifier)) as CoreModule;
  if (typeof mod.openVigilCore !== 'function') {
    throw new Error('@vigil/core does not export openVigilCore(); library mode needs a newer @vigil/core');
  }
  let storeUrl = opts.storeUrl;
  if ((opts.backend === 'postgres' || opts.backend === 'supabase') && mod.resolveStoreUrl) {
    storeUrl = mod.resolveStoreUrl({ backend: opts.backend, connection: { url: storeUrl, apiKey: opts.apiKey } });
  }
  return mod.openVigilCore({ dataDir: opts.dataDir, storeUrl });
}

/** A span in the API's JSON shape (docs/api.md "Span"). */
export function toApiSpan(s: ReadableVigilSpan, serviceName: string): Record<string, unknown> {
  const a = s.attributes;
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? null,
    name: s.name,
    kind: s.kind,
    startTime: usToIso(s.startUs),
    endTime: usToIso(s.endUs),
    durationMs: (s.endUs - s.startUs) / 1000,
    status: s.statusCode === 2 ? 'error' : s.statusCode === 1 ? 'ok' : 'unset',
    statusMessage: s.statusMessage ?? null,
    serviceName,
    model: str(a[ATTR.responseModel]) ?? str(a[ATTR.requestModel]),
    provider: str(a[ATTR.provider]),
    inputTokens: num(a[ATTR.inputTokens]),
    outputTokens: num(a[ATTR.outputTokens]),
    costUsd: num(a[ATTR.costUsd]),
    agentId: str(a[ATTR.agentId]),
    agentName: str(a[ATTR.agentName]),
    agentVersion: str(a[ATTR.agentVersion]),
    sessionId: str(a[ATTR.sessionId]),
    userId: str(a[ATTR.userId]),
    attributes: a,
    events: (s.events ?? []).map((e) => ({ name: e.name, time: usToIso(e.timeUs), attributes: e.attributes ?? {} })),
    input: str(a[ATTR.input]),
    output: str(a[ATTR.output]),
  };
}

function spanEvent(s: ReadableVigilSpan, serviceName: string): SdkEvent {
  return s.agentRun ? agentRunEndEvent(s) : { type: 'span', ...toApiSpan(s, serviceName) };
}

export function metricEvents(metrics: readonly MetricData[]): SdkEvent[] {
  const out: SdkEvent[] = [];
  for (const m of metrics) {
    for (const p of m.points) {
      const agg = p.histogram ?? p.summary;
      out.push({
        type: 'metric',
        time: Math.floor(p.timeUs / 1000),
        name: m.name,
        value: agg ? (agg.count > 0 ? agg.sum / agg.count : 0) : p.value,
        unit: m.unit,
        metricType: m.type,
        labels: p.labels,
        ...(p.histogram ? { histogram: p.histogram } : {}),
        ...(p.summary ? { summary: p.summary } : {}),
      });
    }
  }
  return out;
}

export class CoreBackend implements ExportBackend {
  constructor(
    private readonly core: VigilCoreLike,
    private readonly project: string,
    private readonly serviceName: string,
    private readonly closeCoreOnShutdown: boolean,
  ) {}

  private async send(events: SdkEvent[]): Promise<ExportOutcome> {
    if (events.length === 0) return { ok: true };
    try {
      const r = await this.core.ingestSdkBatch(this.project, { serviceName: this.serviceName, events });
      if (r.rejected > 0 && r.accepted === 0) {
        return {
          ok: false,
          retryable: false,
          error: `core rejected ${r.rejected} events: ${r.errors?.[0]?.message ?? ''}`,
        };
      }
      return { ok: true };
    } catch (e) {
      const status = (e as { status?: number }).status;
      // Queue-full style errors are worth retrying; validation errors are not.
      const retryable = status === undefined || status === 429 || status >= 500;
      return { ok: false, retryable, error: `core ingest: ${(e as Error).message}` };
    }
  }

  exportSpans(spans: readonly ReadableVigilSpan[]): Promise<ExportOutcome> {
    return this.send(spans.map((s) => spanEvent(s, this.serviceName)));
  }

  exportLogs(logs: readonly LogData[]): Promise<ExportOutcome> {
    return this.send(
      logs.map((l) => ({
        type: 'log',
        time: Math.floor(l.timeUs / 1000),
        severity: l.severity,
        body: l.body,
        traceId: l.traceId,
        spanId: l.spanId,
        attributes: l.attributes,
      })),
    );
  }

  exportMetrics(metrics: readonly MetricData[]): Promise<ExportOutcome> {
    return this.send(metricEvents(metrics));
  }

  exportEvents(events: readonly SdkEvent[]): Promise<ExportOutcome> {
    return this.send([...events]);
  }

  async shutdown(): Promise<void> {
    if (this.closeCoreOnShutdown) await this.core.close();
  }
}
