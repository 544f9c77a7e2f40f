/**
 * Moves acknowledged rows from the ingest log (ingest-log.ts) into DuckDB in large transactions.
 *
 * Frames arrive in LSN order once durable; a load starts when a row group's worth of spans waits
 * (DuckDB then writes the row group straight into the file instead of through its WAL and a later
 * checkpoint), when the oldest waiting frame is `maxDelayMs` old, or when a query asks (`sync`):
 * every telemetry read waits for the frames acknowledged before it, so the log is invisible to
 * readers. One load at a time, on the loader's own connection and appenders; the transaction also
 * records the last LSN it holds (`ingest_log_state`), which is what makes replay after a crash
 * exact. A failed load keeps its frames and is retried; they are acknowledged and in the log, so
 * nothing is lost, and reads report the failure instead of answering without them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { Deadline } from '../../util/deadline.js';
import type { FrameLog, LogFrame } from './ingest-log.js';
import { TableSinks } from './table-sinks.js';

export interface BulkLoaderOptions {
  /** Start a load once this many span rows wait (default: one DuckDB row group, 122,880). */
  maxRows?: number;
  /**
   * Start a load at the latest this long after the oldest waiting frame arrived (ms, default 5000:
   * long enough for a row group at ~25k spans/s; queries load what waits anyway).
   */
  maxDelayMs?: number;
}

interface QueuedFrame extends LogFrame {
  rows: number;
}

/**
 * Frames appended between flushes into the transaction (bounds the appenders' buffers) and between
 * yields to the event loop: appends run synchronously on the JS thread, and a row group's worth at
 * once held requests ~0.5 s.
 */
const FLUSH_EVERY_FRAMES = 8;

export class BulkLoader {
  private queue: QueuedFrame[] = [];
  private queuedRows = 0;
  private oldestAt = 0;
  private readonly deadline = new Deadline(() => this.schedule(), true);
  private loading: Promise<void> | null = null;
  private lastError: unknown = null;
  /** Highest LSN committed to DuckDB. */
  private applied: number;
  /** Highest LSN handed to the loader. */
  private received: number;
  private readonly sinks: TableSinks;
  private readonly maxRows: number;
  private readonly maxDelayMs: number;
  private closed = false;
  private readonly s = { loads: 0, failedLoads: 0, loadedFrames: 0, lastLoadMs: 0 };

  constructor(
    private readonly conn: DuckDBConnection,
    /** Starts the load's transaction, taking DuckDB's write lock on a DuckDB thread (duckdb-store.ts). */
    private readonly begin: string,
    appliedLsn: number,
    /** Where the frames are durable (unset while the log replays into this loader on open). */
    private readonly log: () => FrameLog | undefined,
    opts: BulkLoaderOptions = {},
  ) {
    this.applied = appliedLsn;
    this.received = appliedLsn;
    this.sinks = new TableSinks(conn);
    this.maxRows = opts.maxRows ?? 122_880;
    this.maxDelayMs = opts.maxDelayMs ?? 5000;
  }

  /** A durable frame with `rows` span rows (the trigger counts spans: they dominate). */
  add(frame: LogFrame, rows: number): void {
    if (this.queue.length === 0) this.oldestAt = performance.now();
    this.queue.push({ ...frame, rows });
    this.queuedRows += rows;
    this.received = frame.lsn;
    this.schedule();
  }

  /** Resolves once every frame added before the call is in DuckDB (rejects if loading fails). */
  async sync(): Promise<void> {
    const target = this.received;
    while (this.applied < target) {
      if (this.loading) await this.loading;
      else {
        this.start();
        await this.loading;
      }
      if (this.applied < target && this.lastError) throw this.lastError;
    }
  }

  stats() {
    return { ...this.s, pendingFrames: this.queue.length, pendingRows: this.queuedRows, appliedLsn: this.applied };
  }

  /** Loads what waits, then closes the appenders. */
  async close(): Promise<void> {
    this.deadline.clear();
    await this.sync().catch(() => {});
    if (this.loading) await this.loading;
    this.closed = true;
    this.sinks.reset();
  }

  /** Loads frames now (replay on open): one transaction. */
  async loadNow(frames: LogFrame[]): Promise<void> {
    await this.load(frames);
  }

  private schedule(): void {
    if (this.loading || this.queue.length === 0 || this.closed) return;
    const due = this.oldestAt + this.maxDelayMs;
    if (this.queuedRows >= this.maxRows || performance.now() >= due) {
      this.start();
      return;
    }
    this.deadline.arm(due);
  }

  private start(): void {
    this.deadline.clear();
    const taken = this.queue;
    const rows = this.queuedRows;
    this.queue = [];
    this.queuedRows = 0;
    const first = taken[0].lsn;
    const last = taken[taken.length - 1].lsn;
    // A load lets go of each frame once appended (a row group of frames is ~85 MB) when the log
    // can read them back for a retry.
    const release = this.log()?.keepsFrames === true;
    // Frames are consecutive LSNs: their weights by position, for requeueing reread frames.
    const weights = taken.map((f) => f.rows);
    this.loading = this.load(taken, release).then(
      () => {
        this.lastError = null;
      },
      (err) => {
        // Put the frames back in front (anything added meanwhile has higher LSNs) and retry later.
        this.lastError = err;
        const back = release ? (this.log() as FrameLog).reread(first, last) : taken;
        this.queue = back.map((f) => ({ ...f, rows: weights[f.lsn - first] ?? 0 })).concat(this.queue);
        this.queuedRows += rows;
        this.oldestAt = performance.now();
      },
    );
    this.loading.finally(() => {
      this.loading = null;
      this.schedule();
    });
  }

  private async load(frames: (LogFrame | null)[], release = false): Promise<void> {
    if (frames.length === 0) return;
    const t0 = performance.now();
    const last = (frames[frames.length - 1] as LogFrame).lsn;
    const count = frames.length;
    try {
      await this.sinks.open();
      await this.conn.run(this.begin);
      for (let i = 0; i < frames.length; i++) {
        this.sinks.loadFrame((frames[i] as LogFrame).payload);
        if (release) frames[i] = null;
        if (i % FLUSH_EVERY_FRAMES === FLUSH_EVERY_FRAMES - 1) {
          this.sinks.flush();
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      this.sinks.flush();
      await this.conn.run(`UPDATE ingest_log_state SET applied_lsn = ${last}`);
      await this.conn.run('COMMIT');
    } catch (e) {
      this.s.failedLoads++;
      await this.conn.run('ROLLBACK').catch(() => {});
      this.sinks.reset();
      throw e;
    }
    this.applied = last;
    this.s.loads++;
    this.s.loadedFrames += count;
    this.s.lastLoadMs = performance.now() - t0;
    this.log()?.release(last);
  }
}
