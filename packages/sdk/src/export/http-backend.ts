/**
 * Sends telemetry to a Vigil server (or any OTLP/HTTP endpoint): spans, metrics and logs as OTLP
 * protobuf to <url>/v1/{traces,metrics,logs}; Vigil-only events as SDK-batch JSON to <url>/api/v1/ingest.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/**
 * POSTs with node:http / node:https and a keep-alive agent. Not fetch: undici keeps idle keep-alive
 * sockets referenced, which would hold a finished process open until the server drops them; Node's
 * agent unreferences idle sockets, so an app exits as soon as its telemetry is delivered.
 */
export class NodeHttpTransport implements Transport {
  private readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly gzip: boolean;
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;

  constructor(opts: HttpTransportOptions) {
    this.base = new URL(opts.url.replace(/\/+$/, ''));
    this.headers = { ...opts.headers };
    if (opts.apiKey) this.headers.authorization = `Bearer ${opts.apiKey}`;
    this.gzip = opts.compression === 'gzip';
    const https = this.base.protocol === 'https:';
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: 8 })
      : new HttpAgent({ keepAlive: true, maxSockets: 8 });
    this.request = https ? httpsRequest : httpRequest;
  }

  async post(path: string, body: Uint8Array, contentType: string, signal: AbortSignal): Promise<ExportOutcome> {
    const headers: Record<string, string | number> = { ...this.headers, 'content-type': contentType };
    let payload: Uint8Array = body;
    if (this.gzip) {
      payload = await gzipAsync(body); // libuv thread pool: not on the event loop
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = payload.length;
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    return new Promise<ExportOutcome>((resolve) => {
      let done = false;
      const finish = (o: ExportOutcome) => {
        if (!done) {
          done = true;
          resolve(o);
        }
      };
      const req = this.request(url, { method: 'POST', headers, agent: this.agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 4096) chunks.push(c); // only the start of an error body is worth keeping
          size += c.length;
        });
        res.on('error', (e) => finish({ ok: false, retryable: true, error: `POST ${path}: ${e.message}` }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return finish({ ok: true });
          const retryAfter = res.headers['retry-after'];
          finish({
            ok: false,
            retryable: RETRYABLE.has(status),
            retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
            error: `POST ${path}: HTTP ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`,
          });
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) =>
        finish({ ok: false, retryable: true, error: `POST ${path}: ${e.message}${e.code ? ` (${e.code})` : ''}` }),
      );
      req.end(payload);
    });
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
