/**
 * Moves acknowledged rows from the ingest log (ingest-log.ts) into DuckDB in large transactions.
 *
 * Frames arrive in LSN order once durable; a load starts when a row group's worth of spans waits
 * (DuckDB then writes the row group straight into the file instead of through its WAL and a later
 * checkpoint), when the oldest waiting frame is `maxDelayMs` old, or when a query asks (`sync`):
 * every telemetry read waits for the frames acknowledged before it, so the log is invisible to
 * readers. One load at a time, on the loader's own connection: the frames are read back from the
 * log, and one transaction inserts their images into the tables on DuckDB's threads (through the
 * table function of table-sinks.ts) and records the last LSN it holds (`ingest_log_state`), which
 * is what makes replay after a crash exact. A failed load keeps its frames and is retried; they are acknowledged and in the log, so
 * nothing is lost, and reads report the failure instead of answering without them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { Deadline } from '../../util/deadline.js';
import { FrameReader } from './frame-reader.js';
import type { DurableFrame, FrameLog } from './ingest-log.js';
import type { ImageScans } from './table-sinks.js';

export interface BulkLoaderOptions {
  /** Start a load once this many span rows wait (default 122,880; the store passes its row group size). */
  maxRows?: number;
  /**
   * Start a load at the latest this long after the oldest waiting frame arrived (ms, default 5000:
   * long enough for a row group at ~25k spans/s; queries load what waits anyway).
   */
  maxDelayMs?: number;
}

export class BulkLoader {
  private queue: DurableFrame[] = [];
  private queuedRows = 0;
  private oldestAt = 0;
  private readonly deadline = new Deadline(() => this.schedule(), true);
  private loading: Promise<void> | null = null;
  private lastError: unknown = null;
  /** Highest LSN committed to DuckDB. */
  private applied: number;
  /** Highest LSN handed to the loader. */
  private received: number;
  private readonly maxRows: number;
  private readonly maxDelayMs: number;
  private closed = false;
  /** Read buffers the loads' frame readers share. */
  private readonly readBuffers: Buffer[] = [];
  private readonly s = { loads: 0, failedLoads: 0, loadedFrames: 0, lastLoadMs: 0 };

  constructor(
    /** The loader's own connection (load transactions), where `scans` is registered. */
    private readonly conn: DuckDBConnection,
    private readonly scans: ImageScans,
    appliedLsn: number,
    /** Where the frames are durable (unset while the log replays into this loader on open, with payloads). */
    private readonly log: () => FrameLog | undefined,
    opts: BulkLoaderOptions = {},
  ) {
    this.applied = appliedLsn;
    this.received = appliedLsn;
    this.maxRows = opts.maxRows ?? 122_880;
    this.maxDelayMs = opts.maxDelayMs ?? 5000;
  }

  /** A durable frame (the trigger counts its span rows: they dominate). */
  add(frame: DurableFrame): void {
    if (this.queue.length === 0) this.oldestAt = performance.now();
    this.queue.push(frame);
    this.queuedRows += frame.meta.rows;
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
  }

  /** Loads frames now (replay on open, with their payloads), in loads of at most maxRows spans each. */
  async loadNow(frames: DurableFrame[]): Promise<void> {
    for (let i = 0; i < frames.length; ) {
      const n = this.loadSize(frames, i);
      await this.load(frames.slice(i, i + n));
      i += n;
    }
  }

  /**
   * Frames from `from` that make one load: until their spans reach maxRows (one row group, written
   * straight to the file; at least one frame). Capping loads bounds their staging memory when
   * frames pile up during a slow load.
   */
  private loadSize(frames: readonly DurableFrame[], from: number): number {
    let rows = 0;
    let i = from;
    while (i < frames.length && (rows < this.maxRows || i === from)) rows += frames[i++].meta.rows;
    return i - from;
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
    const n = this.loadSize(this.queue, 0);
    const taken = this.queue.slice(0, n);
    this.queue = this.queue.slice(n);
    let rows = 0;
    for (const f of taken) rows += f.meta.rows;
    this.queuedRows -= rows;
    this.loading = this.load(taken).then(
      () => {
        this.lastError = null;
      },
      (err) => {
        // Put the frames back in front (anything added meanwhile has higher LSNs) and retry later.
        this.lastError = err;
        this.queue = taken.concat(this.queue);
        this.queuedRows += rows;
        this.oldestAt = performance.now();
      },
    );
    this.loading.finally(() => {
      this.loading = null;
      this.schedule();
    });
  }

  private async load(taken: readonly DurableFrame[]): Promise<void> {
    if (taken.length === 0) return;
    const t0 = performance.now();
    const last = taken[taken.length - 1].lsn;
    let tables = 0;
    for (const f of taken) tables |= f.meta.tables;
    // Streamed from the log's files, a group ahead of DuckDB's scan (frame-reader.ts).
    const frames = new FrameReader(taken, { pool: this.readBuffers });
    const { id, sql } = this.scans.begin(frames, tables);
    try {
      await frames.ready();
      // One transaction, on DuckDB's threads: the rows, and the LSN that makes replay exact.
      await this.conn.run(`BEGIN TRANSACTION;\n${sql}\nUPDATE ingest_log_state SET applied_lsn = ${last};\nCOMMIT`);
    } catch (e) {
      this.s.failedLoads++;
      await this.conn.run('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      this.scans.end(id);
      await frames.close();
    }
    this.applied = last;
    this.s.loads++;
    this.s.loadedFrames += taken.length;
    this.s.lastLoadMs = performance.now() - t0;
    this.log()?.release(last);
  }
}
