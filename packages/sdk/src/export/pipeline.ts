/**
 * The export pipeline: bounded in-memory queues per signal, batching, background export with retries.
 * Application code only ever pushes into an array; encoding and I/O run later from timers, never on
 * the caller's path. When a queue is full new items are dropped and counted (never unbounded memory).
 */
import { errorMessage, warnOnce } from '../internal/diag.js';
import type { SpanSink } from '../trace/span.js';
import type { ReadableVigilSpan } from '../trace/types.js';
import { agentRunEndEvent } from './agent-events.js';
import type { ExportBackend, ExportOutcome, SdkEvent } from './backend.js';
import type { LogData, MetricData } from './otlp-encode.js';
import { backoffDelay, defaultRetryPolicy, type RetryPolicy } from './retry.js';

export interface PipelineOptions {
  /** Items per export request. Default 512. */
  batchSize?: number;
  /** Max ms an item waits before export. Default 2000. */
  flushIntervalMs?: number;
  /** Max ms between metric exports. Default 10000. */
  metricsIntervalMs?: number;
  /** Max items buffered per signal (spans, logs, events); beyond it items are dropped and counted. Default 20000. */
  maxQueueSize?: number;
  /** Concurrent export requests per signal. Default 2. */
  maxConcurrentExports?: number;
  /** Per-request timeout. Default 10000. */
  exportTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Collects current metric values at each metrics tick (the Meter). */
  collectMetrics?: () => MetricData[];
}

export interface SignalStats {
  /** Items waiting in the buffer now. */
  queued: number;
  exported: number;
  /** Dropped because the buffer was full. */
  dropped: number;
  /** Given up on after retries, or rejected by the server. */
  failed: number;
}

export interface PipelineStats {
  spans: SignalStats;
  logs: SignalStats;
  events: SignalStats;
  metrics: { exported: number; failed: number };
  requests: number;
  retries: number;
  lastError: string | null;
}

type Kind = 'spans' | 'logs' | 'events';

class Channel<T> {
  items: T[] = [];
  inflight = 0;
  exported = 0;
  dropped = 0;
  failed = 0;
  scheduled = false;
  constructor(
    readonly kind: Kind,
    readonly send: (batch: T[], signal: AbortSignal) => Promise<ExportOutcome>,
  ) {}
}

function sleep(ms: number, keepAlive: boolean): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    if (!keepAlive) t.unref();
  });
}

export class ExportPipeline implements SpanSink {
  private readonly backend: ExportBackend;
  private readonly batchSize: number;
  private readonly maxQueue: number;
  private readonly maxConcurrent: number;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly collectMetrics: (() => MetricData[]) | undefined;
  private readonly spans: Channel<ReadableVigilSpan>;
  private readonly logs: Channel<LogData>;
  private readonly events: Channel<SdkEvent>;
  private readonly pending = new Set<Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private metricsExported = 0;
  private metricsFailed = 0;
  private metricsInflight = false;
  private requests = 0;
  private retries = 0;
  private lastError: string | null = null;
  /** > 0 while someone awaits flush(): retry sleeps then keep the process alive, within the deadline. */
  private flushing = 0;
  private deadline = Number.POSITIVE_INFINITY;
  private closed = false;

  constructor(backend: ExportBackend, opts: PipelineOptions = {}) {
    this.backend = backend;
    this.batchSize = Math.max(1, opts.batchSize ?? 512);
    this.maxQueue = Math.max(1, opts.maxQueueSize ?? 20_000);
    this.maxConcurrent = Math.max(1, opts.maxConcurrentExports ?? 2);
    this.timeoutMs = opts.exportTimeoutMs ?? 10_000;
    this.retry = { ...defaultRetryPolicy, ...opts.retry };
    this.collectMetrics = opts.collectMetrics;
    this.spans = new Channel('spans', (b, s) => backend.exportSpans(b, s));
    this.logs = new Channel('logs', (b, s) => backend.exportLogs(b, s));
    this.events = new Channel('events', (b, s) => backend.exportEvents(b, s));
    const flushEvery = Math.max(10, opts.flushIntervalMs ?? 2000);
    const t = setInterval(() => this.drainAll(), flushEvery);
    t.unref();
    this.timers.push(t);
    if (this.collectMetrics) {
      const m = setInterval(() => this.exportMetricsNow(), Math.max(10, opts.metricsIntervalMs ?? 10_000));
      m.unref();
      this.timers.push(m);
    }
  }

  // ---- producers (the application's path: O(1), no I/O) ----

  onEnd(span: ReadableVigilSpan): void {
    // An agent run's end travels with the Vigil events (after its agent_start), closing the run.
    if (span.agentRun === true) this.push(this.events, agentRunEndEvent(span));
    else this.push(this.spans, span);
  }

  addLog(log: LogData): void {
    this.push(this.logs, log);
  }

  addEvent(event: SdkEvent): void {
    this.push(this.events, event);
  }

  private push<T>(ch: Channel<T>, item: T): void {
    if (this.closed) {
      ch.dropped++;
      return;
    }
    if (ch.items.length >= this.maxQueue) {
      ch.dropped++;
      warnOnce(
        `drop-${ch.kind}`,
        `export buffer full (maxCacheSize=${this.maxQueue}): ${ch.dropped} ${ch.kind} dropped so far; the server is slow or unreachable`,
      );
      return;
    }
    ch.items.push(item);
    if (ch.items.length >= this.batchSize && !ch.scheduled && ch.inflight < this.maxConcurrent) {
      ch.scheduled = true;
      setImmediate(() => {
        ch.scheduled = false;
        this.drain(ch);
      });
    }
  }

  // ---- background export ----

  private drainAll(): void {
    // Vigil events first: an agent_start should reach the server before its completed span.
    this.drain(this.events);
    this.drain(this.spans);
    this.drain(this.logs);
  }

  private drain<T>(ch: Channel<T>): void {
    while (ch.items.length > 0 && ch.inflight < this.maxConcurrent) {
      let batch: T[];
      if (ch.items.length <= this.batchSize) {
        batch = ch.items;
        ch.items = [];
      } else {
        batch = ch.items.splice(0, this.batchSize);
      }
      ch.inflight++;
      const p = this.deliver(ch.kind, batch.length, (s) => ch.send(batch, s)).then((ok) => {
        ch.inflight--;
        if (ok) ch.exported += batch.length;
        else ch.failed += batch.length;
        this.pending.delete(p);
        if (ch.items.length >= this.batchSize || (this.flushing > 0 && ch.items.length > 0)) this.drain(ch);
      });
      this.pending.add(p);
    }
  }

  private exportMetricsNow(): void {
    if (!this.collectMetrics || this.metricsInflight) return;
    let metrics: MetricData[];
    try {
      metrics = this.collectMetrics();
    } catch (e) {
      this.lastError = errorMessage(e);
      return;
    }
    if (metrics.length === 0) return;
    this.metricsInflight = true;
    const p = this.deliver('metrics', metrics.length, (s) => this.backend.exportMetrics(metrics, s)).then((ok) => {
      this.metricsInflight = false;
      if (ok) this.metricsExported += metrics.length;
      else this.metricsFailed += metrics.length;
      this.pending.delete(p);
    });
    this.pending.add(p);
  }

  /** One batch: attempts with backoff until success, a permanent error, the retry budget or the flush deadline. */
  private async deliver(
    what: string,
    count: number,
    attempt: (signal: AbortSignal) => Promise<ExportOutcome>,
  ): Promise<boolean> {
    for (let n = 1; ; n++) {
      const remaining = this.deadline - Date.now();
      let outcome: ExportOutcome;
      try {
        this.requests++;
        outcome = await attempt(AbortSignal.timeout(Math.max(1, Math.min(this.timeoutMs, remaining))));
      } catch (e) {
        outcome = { ok: false, retryable: true, error: errorMessage(e) };
      }
      if (outcome.ok) return true;
      this.lastError = outcome.error;
      const wait =
        outcome.retryAfterMs !== undefined
          ? Math.min(outcome.retryAfterMs, this.retry.maxRetryAfterMs)
          : backoffDelay(this.retry, n);
      const left = this.deadline - Date.now();
      if (!outcome.retryable || n >= this.retry.maxAttempts || wait >= left) {
        warnOnce(
          `fail-${what}-${outcome.retryable}`,
          `export of ${count} ${what} failed${outcome.retryable ? ` after ${n} attempts` : ''}: ${outcome.error}`,
        );
        return false;
      }
      this.retries++;
      await sleep(wait, this.flushing > 0);
    }
  }

  /** Exports everything buffered now (and metrics); resolves when done or after timeoutMs. Never rejects. */
  async flush(timeoutMs = 10_000): Promise<void> {
    this.flushing++;
    const prevDeadline = this.deadline;
    this.deadline = Math.min(this.deadline, Date.now() + timeoutMs);
    try {
      this.exportMetricsNow();
      for (;;) {
        this.drainAll();
        if (this.pending.size === 0) break;
        if (Date.now() >= this.deadline) break;
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.max(1, this.deadline - Date.now()));
        });
        await Promise.race([Promise.all([...this.pending]), expired]);
        clearTimeout(timer); // a leftover timer would hold the process open until the deadline
      }
    } catch (e) {
      this.lastError = errorMessage(e);
    } finally {
      this.flushing--;
      if (this.flushing === 0) this.deadline = prevDeadline;
    }
  }

  /** True when anything is buffered or in flight (used by the beforeExit hook). */
  hasPending(): boolean {
    return this.spans.items.length + this.logs.items.length + this.events.items.length > 0 || this.pending.size > 0;
  }

  async shutdown(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    for (const t of this.timers) clearInterval(t);
    await this.flush(timeoutMs);
    this.closed = true;
    try {
      await this.backend.shutdown?.();
    } catch {
      // nothing left to do about it
    }
  }

  /** Removes an item that is still waiting in the events queue (e.g. an agent_start whose run already ended). */
  cancelEvent(event: SdkEvent): boolean {
    const i = this.events.items.indexOf(event);
    if (i < 0) return false;
    this.events.items.splice(i, 1);
    return true;
  }

  stats(): PipelineStats {
    const s = <T>(ch: Channel<T>): SignalStats => ({
      queued: ch.items.length,
      exported: ch.exported,
      dropped: ch.dropped,
      failed: ch.failed,
    });
    return {
      spans: s(this.spans),
      logs: s(this.logs),
      events: s(this.events),
      metrics: { exported: this.metricsExported, failed: this.metricsFailed },
      requests: this.requests,
      retries: this.retries,
      lastError: this.lastError,
    };
  }
}
