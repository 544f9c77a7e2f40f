/**
 * The ingest pipeline's write half: a bounded queue in front of the Store with group commit.
 *
 * Many submitted batches share one appender commit; `submit` resolves only once its rows are
 * durable, so an HTTP handler can ack after `await submit(...)`. Up to `maxInFlight` flushes run at
 * once (a store that commits concurrently then overlaps one commit's CPU work with another's fsync)
 * while the next accumulates; a flush starts when `flushRows` rows are waiting or `flushMs` after
 * the oldest waiting row arrived, whichever is first. The queue is bounded: a batch that would take the
 * waiting rows past `maxQueueRows` is refused at once with QueueFullError (HTTP 429), so memory
 * stays bounded however far the database lags; so is every batch while the store's backlog of
 * acknowledged rows it has still to load is past its limit (`admit`, Store.loadBacklog).
 */
import type { AgentRunStart, LogRecord, MetricPoint, SpanRecord } from '../model/telemetry.js';
import type { Appender, EncodedSpans, Store } from '../store/store.js';
import { Deadline } from '../util/deadline.js';

export interface RowBatch {
  spans?: SpanRecord[];
  /** Spans the store's trace decoder already encoded (Store.traceDecoder). */
  encoded?: EncodedSpans;
  metrics?: MetricPoint[];
  logs?: LogRecord[];
  agentRunStarts?: AgentRunStart[];
  agentRunEnds?: { project: string; spanId: string }[];
}

/** What one group commit wrote: every submitted batch of the flush merged, with its timing. */
export interface CommittedBatch {
  spans: SpanRecord[];
  metrics: MetricPoint[];
  logs: LogRecord[];
  agentRunStarts: AgentRunStart[];
  agentRunEnds: { project: string; spanId: string }[];
  /** Rows in the flush (all kinds). */
  rows: number;
  /** Submitted batches the flush acknowledged. */
  batches: number;
  /** Wall time of the flush (append + durable commit), ms. */
  durationMs: number;
}

export interface FlushInfo {
  rows: number;
  batches: number;
  durationMs: number;
  ok: boolean;
}

export interface PipelineOptions {
  /** Most rows that may wait for a flush; beyond it submit rejects with QueueFullError. */
  maxQueueRows: number;
  /** Flush as soon as this many rows wait. */
  flushRows: number;
  /** Flush at the latest this long after the oldest waiting row arrived. */
  flushMs: number;
  /** Flushes committing at once (default 2; 1 serialises commits). */
  maxInFlight?: number;
}

export interface PipelineStats {
  /** Rows waiting for the next flush. */
  queuedRows: number;
  /** Rows in the flush now being committed. */
  inFlightRows: number;
  committedRows: number;
  committedBatches: number;
  /** Batches refused because the queue was full. */
  rejectedFull: number;
  /** Requests refused because the store's load backlog was past its limit (Store.loadBacklog). */
  rejectedBacklog: number;
  /** Duration of the last flush, ms (0 before the first). */
  lastFlushMs: number;
  flushes: number;
  failedFlushes: number;
}

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  readonly code = 'queue_full';
  readonly status = 429;
  constructor(
    /** Suggested client back-off, seconds (Retry-After). */
    readonly retryAfterS: number,
    /** Why, when it is not the queue itself (shown to the client before the retry hint). */
    readonly reason = 'ingest queue is full',
  ) {
    super(`${reason}; retry after ${retryAfterS}s`);
  }
}

export class PipelineClosedError extends Error {
  override readonly name = 'PipelineClosedError';
  readonly code = 'unavailable';
  readonly status = 503;
  constructor() {
    super('ingest pipeline is closed');
  }
}

interface Waiting {
  batch: RowBatch;
  rows: number;
  resolve(): void;
  reject(err: unknown): void;
}

export function batchRows(b: RowBatch): number {
  return (
    (b.spans?.length ?? 0) +
    (b.encoded?.rows ?? 0) +
    (b.metrics?.length ?? 0) +
    (b.logs?.length ?? 0) +
    (b.agentRunStarts?.length ?? 0) +
    (b.agentRunEnds?.length ?? 0)
  );
}

export class IngestPipeline {
  private queue: Waiting[] = [];
  private queuedRows = 0;
  private inFlightRows = 0;
  /** Flushes committing now. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly deadline = new Deadline(() => this.schedule());
  /** When the oldest waiting row arrived (ms, performance.now()); the flushMs deadline runs from it. */
  private oldestAt = 0;
  private closing = false;
  private readonly committedListeners = new Set<(b: CommittedBatch) => void>();
  private readonly flushListeners = new Set<(f: FlushInfo) => void>();
  /** Smoothed commit throughput (rows/s) for Retry-After estimates. */
  private rowsPerS = 0;
  private readonly s = {
    committedRows: 0,
    committedBatches: 0,
    rejectedFull: 0,
    rejectedBacklog: 0,
    lastFlushMs: 0,
    flushes: 0,
    failedFlushes: 0,
  };

  constructor(
    private readonly store: Store,
    private readonly opts: PipelineOptions,
  ) {
    if (!(opts.maxQueueRows > 0 && opts.flushRows > 0 && opts.flushMs >= 0)) {
      throw new RangeError('maxQueueRows and flushRows must be > 0 and flushMs >= 0');
    }
  }

  /**
   * Queues a batch; resolves once it is durable, rejects if its commit failed. Rejects at once with
   * QueueFullError when the queue has no room (a batch larger than the whole queue is admitted only
   * into an empty queue, so one big request is never refused forever).
   */
  submit(batch: RowBatch): Promise<void> {
    if (this.closing) return Promise.reject(new PipelineClosedError());
    const rows = batchRows(batch);
    if (rows === 0) return Promise.resolve();
    try {
      this.admit();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.queuedRows + rows > this.opts.maxQueueRows && this.queuedRows > 0) {
      this.s.rejectedFull++;
      return Promise.reject(new QueueFullError(this.retryAfterS()));
    }
    return new Promise<void>((resolve, reject) => {
      if (this.queue.length === 0) this.oldestAt = performance.now();
      this.queue.push({ batch, rows, resolve, reject });
      this.queuedRows += rows;
      this.schedule();
    });
  }

  /**
   * Throws QueueFullError while the store's backlog of acknowledged rows it has not loaded yet is
   * past its limit (Store.loadBacklog); ingest calls it before decoding a request, so a refused
   * request costs no decoding.
   */
  admit(): void {
    const b = this.store.loadBacklog?.();
    if (b && b.rows > b.maxRows) {
      this.s.rejectedBacklog++;
      throw new QueueFullError(1, `the store is ${b.rows} rows behind ingest (limit ${b.maxRows})`);
    }
  }

  /** Called after each successful group commit with everything it wrote. Returns an unsubscribe. */
  onCommitted(listener: (batch: CommittedBatch) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  /** Whether commits are listened to: decoders then keep the records for them (RowBatch.encoded). */
  get wantsRecords(): boolean {
    return this.committedListeners.size > 0;
  }

  /** Called after every flush, successful or not (feeds flush-duration histograms). */
  onFlush(listener: (info: FlushInfo) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  stats(): PipelineStats {
    return { queuedRows: this.queuedRows, inFlightRows: this.inFlightRows, ...this.s };
  }

  /** Stops accepting, flushes everything queued and waits for it. */
  async close(): Promise<void> {
    this.closing = true;
    this.deadline.clear();
    await this.drain();
  }

  /** Flushes now whatever is queued (tests, shutdown) and waits for the queue to drain. */
  async flush(): Promise<void> {
    await this.drain();
  }

  private async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      if (this.queue.length > 0 && this.inFlight.size < this.maxInFlight) this.startFlush();
      else await Promise.race(this.inFlight).catch(() => {});
    }
  }

  private get maxInFlight(): number {
    return Math.max(1, this.opts.maxInFlight ?? 2);
  }

  private retryAfterS(): number {
    const backlog = this.queuedRows + this.inFlightRows;
    if (this.rowsPerS <= 0) return 1;
    return Math.max(1, Math.min(60, Math.ceil(backlog / this.rowsPerS)));
  }

  private schedule(): void {
    if (this.inFlight.size >= this.maxInFlight || this.queue.length === 0) return;
    const due = this.oldestAt + this.opts.flushMs;
    if (this.queuedRows >= this.opts.flushRows || this.closing || performance.now() >= due) {
      this.startFlush();
      return;
    }
    this.deadline.arm(due);
  }

  private startFlush(): void {
    this.deadline.clear();
    const taken = this.queue;
    const rows = this.queuedRows;
    this.queue = [];
    this.queuedRows = 0;
    this.inFlightRows += rows;
    const flight: Promise<void> = this.commit(taken, rows).finally(() => {
      this.inFlight.delete(flight);
      this.inFlightRows -= rows;
      // Rows that arrived during the flush may already be due.
      this.schedule();
    });
    this.inFlight.add(flight);
  }

  private async commit(taken: Waiting[], rows: number): Promise<void> {
    const t0 = performance.now();
    let appender: Appender | null = null;
    try {
      appender = this.store.appender();
      for (const w of taken) {
        const b = w.batch;
        if (b.spans?.length) appender.spans(b.spans);
        if (b.encoded) {
          if (!appender.encodedSpans) throw new Error('the store takes no encoded spans');
          appender.encodedSpans(b.encoded);
        }
        if (b.metrics?.length) appender.metrics(b.metrics);
        if (b.logs?.length) appender.logs(b.logs);
        if (b.agentRunStarts?.length) appender.agentRunStarts(b.agentRunStarts);
        if (b.agentRunEnds?.length) appender.agentRunEnds(b.agentRunEnds);
      }
      await appender.commit();
    } catch (err) {
      await appender?.rollback().catch(() => {});
      const durationMs = performance.now() - t0;
      this.s.failedFlushes++;
      this.s.lastFlushMs = durationMs;
      this.emitFlush({ rows, batches: taken.length, durationMs, ok: false });
      // Nothing in a failed commit was acknowledged: every batch in it fails.
      for (const w of taken) w.batch.encoded?.discard();
      for (const w of taken) w.reject(err);
      return;
    }
    const durationMs = performance.now() - t0;
    this.s.flushes++;
    this.s.lastFlushMs = durationMs;
    this.s.committedRows += rows;
    this.s.committedBatches += taken.length;
    const rate = rows / Math.max(durationMs / 1000, 1e-3);
    this.rowsPerS = this.rowsPerS === 0 ? rate : 0.8 * this.rowsPerS + 0.2 * rate;
    for (const w of taken) w.resolve();
    this.emitFlush({ rows, batches: taken.length, durationMs, ok: true });
    if (this.committedListeners.size > 0) {
      const merged = mergeBatches(taken, rows, durationMs);
      for (const l of this.committedListeners) {
        try {
          l(merged);
        } catch {
          // A broken listener (live stream, analyser) must not affect ingest.
        }
      }
    }
  }

  private emitFlush(info: FlushInfo): void {
    for (const l of this.flushListeners) {
      try {
        l(info);
      } catch {
        // Metrics hooks must not affect ingest.
      }
    }
  }
}

function mergeBatches(taken: Waiting[], rows: number, durationMs: number): CommittedBatch {
  const out: CommittedBatch = {
    spans: [],
    metrics: [],
    logs: [],
    agentRunStarts: [],
    agentRunEnds: [],
    rows,
    batches: taken.length,
    durationMs,
  };
  if (taken.length === 1 && !taken[0].batch.encoded) {
    const b = taken[0].batch;
    return {
      ...out,
      spans: b.spans ?? [],
      metrics: b.metrics ?? [],
      logs: b.logs ?? [],
      agentRunStarts: b.agentRunStarts ?? [],
      agentRunEnds: b.agentRunEnds ?? [],
    };
  }
  for (const { batch: b } of taken) {
    if (b.spans) for (const x of b.spans) out.spans.push(x);
    if (b.encoded?.records) for (const x of b.encoded.records) out.spans.push(x);
    if (b.metrics) for (const x of b.metrics) out.metrics.push(x);
    if (b.logs) for (const x of b.logs) out.logs.push(x);
    if (b.agentRunStarts) for (const x of b.agentRunStarts) out.agentRunStarts.push(x);
    if (b.agentRunEnds) for (const x of b.agentRunEnds) out.agentRunEnds.push(x);
  }
  return out;
}
