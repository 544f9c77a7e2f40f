/**
 * Moves acknowledged rows from the ingest log (ingest-log.ts) into DuckDB in large transactions.
 *
 * Frames arrive in LSN order once durable; a load starts when a row group's worth of spans waits
 * (DuckDB then writes the row group straight into the file instead of through its WAL and a later
 * checkpoint), when the oldest waiting frame is `maxDelayMs` old, or when a query asks (`sync`):
 * every telemetry read waits for the frames acknowledged before it, so the log is invisible to
 * readers. A load takes exactly one row group of spans (fewer only when fewer wait), so it may end
 * inside a frame (see plan). One load at a time, on the loader's own connection: the frames are
 * streamed back from the log (frame-reader.ts), and one transaction inserts their images into the
 * tables on DuckDB's threads (through the table function of table-sinks.ts) and records where in
 * the log it ends (`ingest_log_state`: the last whole frame and the spans of the next one), which
 * is what makes replay after a crash exact. A failed load keeps its frames and is retried; they
 * are acknowledged and in the log, so nothing is lost, and reads report the failure instead of
 * answering without them.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { Deadline } from '../../util/deadline.js';
import { FrameReader } from './frame-reader.js';
import type { DurableFrame, FrameLog } from './ingest-log.js';
import type { ImageScans, LoadWindow } from './table-sinks.js';

/** A load: its window of the frames, and the span rows it takes. */
interface LoadPlan extends LoadWindow {
  rows: number;
}

/**
 * DuckDB's allocator (jemalloc) hands freed pages back to the system about a second after they are
 * freed, and each load frees and allocates a row group's worth of blocks (~50 MB): under steady
 * ingest a second of them stayed resident (jemalloc's own figures: 214 MB resident for 112 MB
 * allocated), most of the server's memory that DuckDB does not track. DuckDB purges its allocator
 * before a reservation larger than allocator_bulk_deallocation_flush_threshold: set below one
 * block (256 KB) for the length of a load, each block the load allocates hands back what was freed
 * before it (measured: peak RSS 420-490 → 360-400 MB at 100k spans/s, CPU per span no higher).
 * Only during loads: set for good, queries took 30-50% longer (each block read from the file purged).
 */
const PURGE_PER_BLOCK = "SET allocator_bulk_deallocation_flush_threshold = '128KiB'";
/** DuckDB's default. */
const PURGE_DEFAULT = "SET allocator_bulk_deallocation_flush_threshold = '512MiB'";

/** Whether a load takes all of its last frame (else the next load begins inside it). */
const takesLastWhole = (w: LoadWindow) => w.take === Number.POSITIVE_INFINITY;

export interface BulkLoaderOptions {
  /** Start a load once this many span rows wait (default 122,880; the store passes its row group size). */
  maxRows?: number;
  /**
   * Start a load at the latest this long after the oldest waiting frame arrived (ms, default 5000:
   * long enough for a row group at ~25k spans/s; queries load what waits anyway).
   */
  maxDelayMs?: number;
  /**
   * Span rows that may wait before ingest is refused (backlog; default 8 loads' worth): loads fall
   * behind when ingest outruns DuckDB, and every read waits for what waits here.
   */
  maxBacklogRows?: number;
}

export class BulkLoader {
  private queue: DurableFrame[] = [];
  /** Span rows waiting, less those of queue[0] a load already took (`headRows`). */
  private queuedRows = 0;
  /**
   * Span rows of queue[0] already in DuckDB: a load takes exactly one row group of spans, so it may
   * end inside a frame, and the next begins there (ingest_log_state.applied_rows).
   */
  private headRows: number;
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
  private readonly maxBacklogRows: number;
  private closed = false;
  /** Read buffers the loads' frame readers share. */
  private readonly readBuffers: Buffer[] = [];
  private readonly s = { loads: 0, failedLoads: 0, loadedFrames: 0, lastLoadMs: 0 };

  constructor(
    /** The loader's own connection (load transactions), where `scans` is registered. */
    private readonly conn: DuckDBConnection,
    private readonly scans: ImageScans,
    applied: { lsn: number; rows: number },
    /** Where the frames are durable (unset while the log replays into this loader on open, with payloads). */
    private readonly log: () => FrameLog | undefined,
    opts: BulkLoaderOptions = {},
  ) {
    this.applied = applied.lsn;
    this.received = applied.lsn;
    this.headRows = applied.rows;
    this.maxRows = opts.maxRows ?? 122_880;
    this.maxDelayMs = opts.maxDelayMs ?? 5000;
    this.maxBacklogRows = opts.maxBacklogRows ?? 8 * this.maxRows;
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

  /** Span rows waiting for a load (the one running aside), and how many may (Store.loadBacklog). */
  backlog(): { rows: number; maxRows: number } {
    return { rows: this.queuedRows, maxRows: this.maxBacklogRows };
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

  /** Loads frames now (replay on open, with their payloads, the first maybe begun: headRows), one row group of spans at a time. */
  async loadNow(frames: DurableFrame[]): Promise<void> {
    for (let i = 0; i < frames.length; ) {
      const plan = this.plan(frames, i);
      await this.load(frames.slice(i, i + plan.frames), plan);
      i += takesLastWhole(plan) ? plan.frames : plan.frames - 1;
    }
  }

  /**
   * The load starting at frames[from] (whose first `headRows` span rows are in already): frames
   * until their spans make one row group (maxRows), the last of them taken only up to it. Exactly
   * one row group: DuckDB writes it straight to the file, and no small row group is left beside it
   * for a checkpoint to merge (a checkpoint's vacuum rewrote ~120k spans each time, measured:
   * seconds of DuckDB's time and a few hundred MB). Fewer spans wait: all of them.
   */
  private plan(frames: readonly DurableFrame[], from: number): LoadPlan {
    const skip = this.headRows;
    // Span rows taken before frame i (of the first frame, those after `skip`).
    let rows = -skip;
    for (let i = from; i < frames.length; i++) {
      const r = frames[i].meta.rows;
      if (rows + r >= this.maxRows) {
        const end = this.maxRows - rows;
        const take = end >= r ? Number.POSITIVE_INFINITY : end;
        return { frames: i - from + 1, skip, take, rows: rows + Math.min(end, r) };
      }
      rows += r;
    }
    return { frames: frames.length - from, skip, take: Number.POSITIVE_INFINITY, rows };
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
    const plan = this.plan(this.queue, 0);
    const { rows } = plan;
    const taken = this.queue.slice(0, plan.frames);
    const whole = takesLastWhole(plan);
    // A frame the load ends inside stays first in the queue, for the next load.
    this.queue = this.queue.slice(whole ? plan.frames : plan.frames - 1);
    this.queuedRows -= rows;
    this.loading = this.load(taken, plan).then(
      () => {
        this.lastError = null;
      },
      (err) => {
        // Put the frames back in front (anything added meanwhile has higher LSNs) and retry later.
        this.lastError = err;
        this.queue = (whole ? taken : taken.slice(0, -1)).concat(this.queue);
        this.queuedRows += rows;
        this.oldestAt = performance.now();
      },
    );
    this.loading.finally(() => {
      this.loading = null;
      this.schedule();
    });
  }

  private async load(taken: readonly DurableFrame[], plan: LoadWindow): Promise<void> {
    if (taken.length === 0) return;
    const t0 = performance.now();
    const whole = takesLastWhole(plan);
    // What is in DuckDB after this load: every frame up to `lsn`, and `rows` spans of the next.
    const lsn = taken[taken.length - 1].lsn - (whole ? 0 : 1);
    const rows = whole ? 0 : plan.take;
    let tables = 0;
    for (const f of taken) tables |= f.meta.tables;
    // Streamed from the log's files, a group ahead of DuckDB's scan (frame-reader.ts).
    const frames = new FrameReader(taken, { pool: this.readBuffers });
    const { id, sql } = this.scans.begin(frames, tables, plan);
    try {
      await frames.ready();
      // One transaction, on DuckDB's threads: the rows, and where they end in the log, which is
      // what makes replay exact.
      await this.conn.run(
        `${PURGE_PER_BLOCK};\nBEGIN TRANSACTION;\n${sql}\nUPDATE ingest_log_state SET applied_lsn = ${lsn}, applied_rows = ${rows};\nCOMMIT`,
      );
    } catch (e) {
      this.s.failedLoads++;
      await this.conn.run('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      // Not fatal if it fails: queries would purge more often, and the next load sets it again.
      await this.conn.run(PURGE_DEFAULT).catch(() => {});
      this.scans.end(id);
      await frames.close();
    }
    this.applied = lsn;
    this.headRows = rows;
    this.s.loads++;
    this.s.loadedFrames += whole ? taken.length : taken.length - 1;
    this.s.lastLoadMs = performance.now() - t0;
    this.log()?.release(lsn);
  }
}
