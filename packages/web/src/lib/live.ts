/**
 * Live updates over server-sent events. EventSource cannot send an Authorization header, so the
 * key travels as `?key=` on this one URL. Reconnects with backoff; listeners get parsed payloads.
 */
import type { TraceSummary } from '../api/types.js';

export type LiveStatus = 'connecting' | 'open' | 'closed';

export interface SpansEvent {
  count: number;
  traces: Partial<TraceSummary>[];
}

type Listener = (type: 'spans' | 'alert' | 'anomaly', data: unknown) => void;

export class LiveStream {
  private es: EventSource | null = null;
  private retry = 1000;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  status: LiveStatus = 'closed';
  readonly listeners = new Set<Listener>();
  readonly statusListeners = new Set<(s: LiveStatus) => void>();

  constructor(private readonly key: string) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.es?.close();
    this.es = null;
    this.setStatus('closed');
  }

  private setStatus(s: LiveStatus): void {
    this.status = s;
    for (const f of this.statusListeners) f(s);
  }

  private open(): void {
    if (this.stopped || typeof EventSource === 'undefined') return;
    this.setStatus('connecting');
    const es = new EventSource(`/api/v1/stream?key=${encodeURIComponent(this.key)}`);
    this.es = es;
    es.onopen = () => {
      this.retry = 1000;
      this.setStatus('open');
    };
    es.onerror = () => {
      // Let the browser's own retry run while it is CONNECTING; rebuild only when it gave up.
      if (es.readyState === EventSource.CLOSED) {
        this.setStatus('closed');
        this.es = null;
        if (!this.stopped) {
          this.timer = setTimeout(() => this.open(), this.retry);
          this.retry = Math.min(this.retry * 2, 30_000);
        }
      } else this.setStatus('connecting');
    };
    for (const type of ['spans', 'alert', 'anomaly'] as const) {
      es.addEventListener(type, (ev) => {
        let data: unknown = null;
        try {
          data = JSON.parse((ev as MessageEvent).data);
        } catch {
          return;
        }
        for (const f of this.listeners) f(type, data);
      });
    }
  }
}
