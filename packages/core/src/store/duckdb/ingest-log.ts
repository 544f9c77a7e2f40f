/**
 * The DuckDB store's ingest log: where a group commit becomes durable before it is acknowledged.
 *
 * Why: DuckDB makes a small transaction durable by writing its rows to DuckDB's WAL and, at the
 * next checkpoint, again into compressed row groups; a transaction of a whole row group (122,880
 * rows) is instead written once, straight into the file. Clients wait for their ack, so a group
 * commit holds only the few thousand rows in flight: acking after DuckDB's COMMIT forces the
 * expensive path (measured in bench/store: ~2x the CPU per span). So a group commit appends its
 * chunk images (chunk-writer.ts: the rows exactly as DuckDB vectors hold them) to this log,
 * fsyncs, and is acknowledged; the bulk loader (bulk-loader.ts) moves them into DuckDB in large
 * transactions, and every telemetry query first waits for it, so reads still see every ack.
 *
 * Format: segment files `seg-<first lsn>.log` in one directory, each a sequence of frames
 * `[u32 payload bytes][u32 crc32 of payload][f64 lsn][payload]`. LSNs increase by one per frame.
 * The loader commits the highest LSN it loaded in the same DuckDB transaction as the rows
 * (`ingest_log_state`), so after a crash exactly the frames above it are loaded again: none twice,
 * none lost. A torn frame can only be the last one of the last segment (it was never acknowledged:
 * its fsync had not returned) and is cut off on open.
 *
 * Writes are serial and batched: appends arriving while a write+fdatasync is in progress go out
 * together in the next one (a second level of group commit). Once durable, a frame is handed to
 * the loader by its place in the file, and read back from there (the page cache) when loaded
 * (frame-reader.ts): the frames waiting for a load take no memory of the process.
 */
import {
  closeSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlink,
  unlinkSync,
  writev,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

const FRAME_HEADER = 16;
/** A segment is closed once it holds this much; closed, fully loaded segments are deleted. */
const SEGMENT_BYTES = 64 * 1024 * 1024;

export interface IngestLogOptions {
  /** Bytes after which a segment is closed and a new one started (default 64 MiB). */
  segmentBytes?: number;
}
const SEGMENT_RE = /^seg-(\d{16})\.log$/;

export interface LogFrame {
  lsn: number;
  payload: Buffer;
}

/** What the loader knows of a frame without reading it, given to append. */
export interface FrameMeta {
  /** Span rows (a load's size is counted in spans: they dominate). */
  rows: number;
  /** Bit mask of the tables (TABLES ids) the frame has images for. */
  tables: number;
}

/**
 * A durable frame as handed to the loader: in memory (MemoryLog, replay on open), or by its place
 * in a segment file (IngestLog: the payload is read back when loaded, so unloaded frames take no
 * memory beyond the page cache).
 */
export interface DurableFrame {
  lsn: number;
  meta: FrameMeta;
  payload: Buffer | null;
  /** Segment file, payload offset and length (file-backed frames). */
  file: string;
  offset: number;
  bytes: number;
}

interface Segment {
  firstLsn: number;
  lastLsn: number;
  path: string;
}

interface PendingAppend {
  payload: Buffer;
  meta: FrameMeta;
  resolve(lsn: number): void;
  reject(err: unknown): void;
}

const segmentName = (firstLsn: number) => `seg-${String(firstLsn).padStart(16, '0')}.log`;

/** Where frames go once durable: in LSN order, before the append resolves. */
export type DurableListener = (frame: DurableFrame) => void;

/** What a group commit needs of a log: the file-backed one, or MemoryLog for a :memory: store. */
export interface FrameLog {
  /** Resolves with the frame's LSN once it is durable (after the listener saw it). */
  append(payload: Buffer, meta: FrameMeta): Promise<number>;
  /** Frames up to `lsn` are in DuckDB: their space may go. */
  release(lsn: number): void;
  close(): Promise<void>;
}

/** A frame the loader got with its payload (memory log, replay). */
export function inMemoryFrame(lsn: number, payload: Buffer, meta: FrameMeta): DurableFrame {
  return { lsn, meta, payload, file: '', offset: 0, bytes: payload.length };
}

/** The log of a store without a file: nothing to make durable, frames go straight to the listener. */
export class MemoryLog implements FrameLog {
  private lsn = 0;
  constructor(private readonly onDurable: DurableListener) {}
  async append(payload: Buffer, meta: FrameMeta): Promise<number> {
    const lsn = ++this.lsn;
    this.onDurable(inMemoryFrame(lsn, payload, meta));
    return lsn;
  }
  release(): void {}
  async close(): Promise<void> {}
}

export class IngestLog implements FrameLog {
  private fd = -1;
  private current: Segment | null = null;
  private currentBytes = 0;
  private readonly closed: Segment[] = [];
  private queue: PendingAppend[] = [];
  private writing = false;
  private failed: Error | null = null;
  private closing = false;
  private idle: (() => void)[] = [];

  private constructor(
    private readonly dir: string,
    private nextLsn: number,
    private readonly onDurable: DurableListener,
    private readonly segmentBytes: number,
  ) {}

  /**
   * Opens the log in `dir` (creating it), handing every frame above `appliedLsn` to `replay` in
   * order first (those are acknowledged rows DuckDB does not have yet). Segments already loaded
   * are deleted; a torn last frame is cut off.
   */
  static async open(
    dir: string,
    appliedLsn: number,
    replay: (frames: LogFrame[]) => Promise<void>,
    onDurable: DurableListener,
    opts: IngestLogOptions = {},
  ): Promise<IngestLog> {
    mkdirSync(dir, { recursive: true });
    const segments = readdirSync(dir)
      .map((name) => SEGMENT_RE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ firstLsn: Number(m[1]), lastLsn: Number(m[1]) - 1, path: join(dir, m[0]) }))
      .sort((a, b) => a.firstLsn - b.firstLsn);
    let lastLsn = appliedLsn;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const { frames, validBytes, total } = readSegment(seg.path);
      if (validBytes < total) {
        if (i < segments.length - 1)
          throw new Error(
            `ingest log ${seg.path} is corrupt at byte ${validBytes} (not its end): restore or remove it`,
          );
        const fd = openSync(seg.path, 'r+');
        ftruncateSync(fd, validBytes);
        fsyncSync(fd);
        closeSync(fd);
      }
      if (frames.length > 0) seg.lastLsn = frames[frames.length - 1].lsn;
      const pending = frames.filter((f) => f.lsn > appliedLsn);
      if (pending.length > 0) await replay(pending);
      lastLsn = Math.max(lastLsn, seg.lastLsn);
    }
    // Everything found is in DuckDB now: start a fresh segment after it.
    for (const seg of segments) unlinkSync(seg.path);
    const log = new IngestLog(dir, lastLsn + 1, onDurable, opts.segmentBytes ?? SEGMENT_BYTES);
    log.openSegment();
    return log;
  }

  /** Appends one frame; resolves with its LSN once it is on disk (after onDurable saw it). */
  append(payload: Buffer, meta: FrameMeta): Promise<number> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closing) return Promise.reject(new Error('ingest log is closed'));
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ payload, meta, resolve, reject });
      if (!this.writing) this.writeNext();
    });
  }

  /** Frames up to `lsn` are in DuckDB: closed segments that hold only those are deleted. */
  release(lsn: number): void {
    while (this.closed.length > 0 && this.closed[0].lastLsn <= lsn) {
      const seg = this.closed.shift() as Segment;
      // Off the JS thread (freeing 64 MB of page cache takes a while); a segment that stays (the
      // unlink failed) only has its frames skipped as loaded at the next open.
      unlink(seg.path, () => {});
    }
  }

  /** Waits for writes in progress, then closes the file (appends after this reject). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.writing) await new Promise<void>((r) => this.idle.push(r));
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private openSegment(): void {
    const seg: Segment = {
      firstLsn: this.nextLsn,
      lastLsn: this.nextLsn - 1,
      path: join(this.dir, segmentName(this.nextLsn)),
    };
    this.fd = openSync(seg.path, 'a');
    // The new file's directory entry must be durable too, before frames in it are acknowledged.
    const d = openSync(this.dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
    this.current = seg;
    this.currentBytes = 0;
  }

  private writeNext(): void {
    const batch = this.queue;
    if (batch.length === 0 || this.fd < 0) {
      this.writing = false;
      for (const r of this.idle.splice(0)) r();
      return;
    }
    this.queue = [];
    this.writing = true;
    const parts: Buffer[] = [];
    let bytes = 0;
    const first = this.nextLsn;
    const file = (this.current as Segment).path;
    const at = this.currentBytes;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i].payload;
      const h = Buffer.allocUnsafe(FRAME_HEADER);
      h.writeUInt32LE(p.length, 0);
      h.writeUInt32LE(crc32(p), 4);
      h.writeDoubleLE(first + i, 8);
      parts.push(h, p);
      bytes += FRAME_HEADER + p.length;
    }
    const fd = this.fd;
    writevAll(fd, parts, (werr) => {
      if (werr) return this.fail(batch, werr);
      fdatasync(fd, (serr) => {
        if (serr) return this.fail(batch, serr);
        const seg = this.current as Segment;
        this.nextLsn = first + batch.length;
        seg.lastLsn = this.nextLsn - 1;
        this.currentBytes += bytes;
        let offset = at;
        for (let i = 0; i < batch.length; i++) {
          const bytes = batch[i].payload.length;
          offset += FRAME_HEADER;
          const frame = { lsn: first + i, meta: batch[i].meta, payload: null, file, offset, bytes };
          offset += bytes;
          try {
            this.onDurable(frame);
          } catch (e) {
            // The frame is durable whatever a listener does; the next open replays it if need be.
            batch[i].reject(e);
            continue;
          }
          batch[i].resolve(first + i);
        }
        if (this.currentBytes >= this.segmentBytes) {
          closeSync(this.fd);
          this.closed.push(seg);
          this.openSegment();
        }
        this.writeNext();
      });
    });
  }

  /** A failed write or fsync: the file's state is unknown, so the log refuses further appends. */
  private fail(batch: PendingAppend[], err: Error): void {
    this.failed = new Error(`ingest log write failed: ${err.message}`);
    for (const a of batch) a.reject(this.failed);
    for (const a of this.queue.splice(0)) a.reject(this.failed);
    this.writing = false;
    for (const r of this.idle.splice(0)) r();
  }
}

/** writev until every byte is written (a short write continues where it stopped). */
function writevAll(fd: number, parts: Buffer[], done: (err: Error | null) => void): void {
  writev(fd, parts, (err, written) => {
    if (err) return done(err);
    let left = written;
    let i = 0;
    while (i < parts.length && left >= parts[i].length) left -= parts[i++].length;
    if (i === parts.length) return done(null);
    const rest = parts.slice(i);
    rest[0] = rest[0].subarray(left);
    writevAll(fd, rest, done);
  });
}

/** The valid frames of a segment file and where they end (a torn or corrupt tail stops the read). */
function readSegment(path: string): { frames: LogFrame[]; validBytes: number; total: number } {
  const buf = readFileSync(path);
  const frames: LogFrame[] = [];
  let at = 0;
  while (at + FRAME_HEADER <= buf.length) {
    const len = buf.readUInt32LE(at);
    const crc = buf.readUInt32LE(at + 4);
    const lsn = buf.readDoubleLE(at + 8);
    const end = at + FRAME_HEADER + len;
    if (end > buf.length) break;
    const payload = buf.subarray(at + FRAME_HEADER, end);
    if (crc32(payload) !== crc || !Number.isSafeInteger(lsn)) break;
    frames.push({ lsn, payload });
    at = end;
  }
  return { frames, validBytes: at, total: buf.length };
}
