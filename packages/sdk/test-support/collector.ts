/**
 * A real OTLP/HTTP + Vigil-ingest receiver for tests (node:http): records every request, decodes
 * OTLP protobuf with the field-table decoder, and answers from a scripted list of responses.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { decodeLogsRequest, decodeMetricsRequest, decodeTracesRequest, spansOf } from './otlp-decode.js';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  at: number;
}

export interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export class Collector {
  readonly requests: Received[] = [];
  /** Responses used in order for matching paths; when empty, 200. */
  readonly script: { path?: string; response: Scripted }[] = [];
  private server: Server | null = null;
  private waiters: (() => void)[] = [];

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const path = req.url ?? '/';
        this.requests.push({ path, headers: req.headers, body, at: Date.now() });
        const i = this.script.findIndex((s) => !s.path || s.path === path);
        const r: Scripted = i >= 0 ? this.script.splice(i, 1)[0].response : { status: 200 };
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(
          r.body ?? (r.status === 200 && path === '/api/v1/ingest' ? '{"accepted":1,"rejected":0,"errors":[]}' : '{}'),
        );
        for (const w of this.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(this.port, '127.0.0.1', () => resolve());
    });
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Waits until pred() holds (re-checked on each request), or fails after timeoutMs. */
  async waitFor(pred: () => boolean, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error('timed out waiting for the collector');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  on(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  spans() {
    return this.on('/v1/traces').flatMap((r) => spansOf(decodeTracesRequest(r.body)));
  }

  metrics() {
    return this.on('/v1/metrics').flatMap((r) =>
      (decodeMetricsRequest(r.body).resourceMetrics ?? []).flatMap((rm: any) =>
        (rm.scopeMetrics ?? []).flatMap((sm: any) => sm.metrics ?? []),
      ),
    );
  }

  logs() {
    return this.on('/v1/logs').flatMap((r) =>
      (decodeLogsRequest(r.body).resourceLogs ?? []).flatMap((rl: any) =>
        (rl.scopeLogs ?? []).flatMap((sl: any) => sl.logRecords ?? []),
      ),
    );
  }

  /** SDK-batch events posted to /api/v1/ingest. */
  events(): { type: string; [k: string]: unknown }[] {
    return this.on('/api/v1/ingest').flatMap((r) => JSON.parse(r.body.toString('utf8')).events);
  }
}
