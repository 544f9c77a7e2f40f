/**
 * Live updates from `GET /api/v1/stream` (server-sent events). Read with fetch() rather than
 * EventSource: fetch can send the Authorization header, so the API key never appears in a URL
 * (where proxies and access logs would keep it). Reconnects with backoff.
 */
import type { TraceSummary } from '../api/types.js';

export type LiveStatus = 'connecting' | 'open' | 'closed';

export interface SpansEvent {
  count: number;
  traces: Partial<TraceSummary>[];
}

type Listener = (type: string, data: unknown) => void;

/** Incremental SSE parser: feed text chunks, get complete events. */
export class SseParser {
  private buf = '';
  private event = '';
  private data: string[] = [];

  push(chunk: string, emit: (event: string, data: string) => void): void {
    this.buf += chunk;
    let nl = this.buf.search(/\r\n|\r|\n/);
    while (nl >= 0) {
      // A trailing CR may be the first half of a CRLF split across chunks: wait for more.
      if (nl === this.buf.length - 1 && this.buf[nl] === '\r') break;
      const line = this.buf.slice(0, nl);
      const sep = this.buf.startsWith('\r\n', nl) ? 2 : 1;
      this.buf = this.buf.slice(nl + sep);
      if (line === '') {
        if (this.data.length) emit(this.event || 'message', this.data.join('\n'));
        this.event = '';
        this.data = [];
      } else if (!line.startsWith(':')) {
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        let value = i < 0 ? '' : line.slice(i + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') this.event = value;
        else if (field === 'data') this.data.push(value);
      }
      nl = this.buf.search(/\r\n|\r|\n/);
    }
  }
}

export class LiveStream {
  private ctrl: AbortController | null = null;
  private retry = 1000;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  status: LiveStatus = 'closed';
  readonly listeners = new Set<Listener>();
  readonly statusListeners = new Set<(s: LiveStatus) => void>();

  constructor(
    private readonly key: string,
    private readonly url = '/api/v1/stream',
  ) {}

  start(): void {
    this.stopped = false;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ctrl?.abort();
    this.ctrl = null;
    this.setStatus('closed');
  }

  private setStatus(s: LiveStatus): void {
    if (this.status === s) return;
    this.status = s;
    for (const f of this.statusListeners) f(s);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    this.setStatus('connecting');
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    try {
      const res = await fetch(this.url, {
        headers: { Authorization: `Bearer ${this.key}`, Accept: 'text/event-stream' },
        signal: ctrl.signal,
        cache: 'no-store',
      });
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      this.setStatus('open');
      this.retry = 1000;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value, (event, data) => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(data);
          } catch {
            parsed = data;
          }
          for (const f of this.listeners) f(event, parsed);
        });
      }
    } catch {
      // Network error, abort, or refusal: fall through to the reconnect below.
    }
    if (this.stopped || ctrl.signal.aborted) return;
    this.setStatus('closed');
    this.timer = setTimeout(() => void this.run(), this.retry);
    this.retry = Math.min(this.retry * 2, 30_000);
  }
}
