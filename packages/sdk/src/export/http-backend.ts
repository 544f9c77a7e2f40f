/**
 * Sends telemetry to a Vigil server (or any OTLP/HTTP endpoint): spans, metrics and logs as OTLP
 * protobuf to <url>/v1/{traces,metrics,logs}; Vigil-only events as SDK-batch JSON to <url>/api/v1/ingest.
 */
import { gzip } from 'node:zlib';
import { nowUs } from '../internal/clock.js';
import type { ReadableVigilSpan } from '../trace/types.js';
import type { ExportBackend, ExportOutcome, SdkEvent } from './backend.js';
import {
  type EncodedHeader,
  encodeLogs,
  encodeMetrics,
  encodeTraces,
  type LogData,
  type MetricData,
} from './otlp-encode.js';
import { ProtoWriter } from './proto-writer.js';
import { parseRetryAfter } from './retry.js';

/**
 * Where bytes go. The default posts with fetch; the benchmark swaps in one that only counts bytes.
 * `body` is only valid until the returned promise settles (its buffer is then reused).
 */
export interface Transport {
  post(path: string, body: Uint8Array, contentType: string, signal: AbortSignal): Promise<ExportOutcome>;
}

export interface HttpTransportOptions {
  url: string;
  apiKey?: string;
  headers?: Record<string, string>;
  compression?: 'gzip' | 'none';
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

function gzipAsync(body: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(body, (err, out) => (err ? reject(err) : resolve(out))));
}

export class FetchTransport implements Transport {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly gzip: boolean;

  constructor(opts: HttpTransportOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.headers = { ...opts.headers };
    if (opts.apiKey) this.headers.authorization = `Bearer ${opts.apiKey}`;
    this.gzip = opts.compression === 'gzip';
  }

  async post(path: string, body: Uint8Array, contentType: string, signal: AbortSignal): Promise<ExportOutcome> {
    const headers: Record<string, string> = { ...this.headers, 'content-type': contentType };
    let payload: Uint8Array = body;
    if (this.gzip) {
      payload = await gzipAsync(body); // libuv thread pool: not on the event loop
      headers['content-encoding'] = 'gzip';
    }
    let res: Response;
    try {
      res = await fetch(this.base + path, { method: 'POST', headers, body: payload, signal });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      return {
        ok: false,
        retryable: true,
        error: `POST ${path}: ${(e as Error).message}${cause ? ` (${cause})` : ''}`,
      };
    }
    if (res.ok) {
      await res.arrayBuffer().catch(() => undefined); // drain so the socket is reused
      return { ok: true };
    }
    const text = await res.text().catch(() => '');
    return {
      ok: false,
      retryable: RETRYABLE.has(res.status),
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      error: `POST ${path}: HTTP ${res.status} ${text.slice(0, 200)}`,
    };
  }
}

export class HttpBackend implements ExportBackend {
  private readonly transport: Transport;
  private readonly header: EncodedHeader;
  private readonly serviceName: string;
  /** Encode buffers, reused once their request settles: no fresh 100+ KiB allocation per batch. */
  private readonly writers: ProtoWriter[] = [];

  constructor(transport: Transport, header: EncodedHeader, serviceName: string) {
    this.transport = transport;
    this.header = header;
    this.serviceName = serviceName;
  }

  private async send(
    path: string,
    encode: (w: ProtoWriter) => Uint8Array,
    signal: AbortSignal,
  ): Promise<ExportOutcome> {
    const w = this.writers.pop() ?? new ProtoWriter();
    try {
      return await this.transport.post(path, encode(w), 'application/x-protobuf', signal);
    } finally {
      // A buffer that grew for one huge batch is not kept around.
      if (this.writers.length < 4 && w.buf.length <= 4 * 1024 * 1024) this.writers.push(w);
    }
  }

  exportSpans(spans: readonly ReadableVigilSpan[], signal: AbortSignal): Promise<ExportOutcome> {
    return this.send('/v1/traces', (w) => encodeTraces(w, this.header, spans, false), signal);
  }

  exportLogs(logs: readonly LogData[], signal: AbortSignal): Promise<ExportOutcome> {
    return this.send('/v1/logs', (w) => encodeLogs(w, this.header, logs, nowUs(), false), signal);
  }

  exportMetrics(metrics: readonly MetricData[], signal: AbortSignal): Promise<ExportOutcome> {
    return this.send('/v1/metrics', (w) => encodeMetrics(w, this.header, metrics, false), signal);
  }

  exportEvents(events: readonly SdkEvent[], signal: AbortSignal): Promise<ExportOutcome> {
    const body = Buffer.from(JSON.stringify({ serviceName: this.serviceName, events }));
    return this.transport.post('/api/v1/ingest', body, 'application/json', signal);
  }
}
