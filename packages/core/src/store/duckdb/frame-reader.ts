/**
 * Reads a load's frames back from the ingest log's segment files, in order, one group of frames
 * ahead of the one being consumed.
 *
 * Why: a load is read frame by frame by DuckDB's scan of it (table-sinks.ts), synchronously, on
 * the JS thread. Reading the whole load up front held a row group's worth of chunk images
 * (~60 MB) in memory for the whole insert; reading each frame when asked put the copy out of the
 * page cache on the JS thread. So groups of frames (~4 MB) are read asynchronously, off the JS
 * thread, while the one before them is consumed: at most two groups are in memory. A group whose
 * read has not finished when it is needed is read synchronously instead (correct, just slower;
 * its late read is dropped).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { DurableFrame } from './ingest-log.js';

/** Bytes of frames per group (a group holds at least one frame, whatever its size). */
const GROUP_BYTES = 4 * 1024 * 1024;
/** Buffers a pool keeps: two groups in use and one read late. */
const POOL_BUFFERS = 3;

/** Consecutive frames of one file, read with one read into buf[at..]. */
interface Run {
  file: string;
  offset: number;
  bytes: number;
  at: number;
}

interface Group {
  frames: readonly DurableFrame[];
  runs: Run[];
  /** Where each file-backed frame's payload starts in the group's buffer. */
  pos: number[];
  /** Bytes to read, frame headers between the payloads included (0 when every frame came with its payload). */
  bytes: number;
  buf: Buffer | null;
  /** The frames' payloads, once read. */
  views: Buffer[] | null;
  /** The read ahead in flight, if any. */
  reading: Promise<void> | null;
  /** The read ahead lost the race (read synchronously meanwhile): its buffer is spare once it ends. */
  stale: boolean;
}

export interface FrameReaderOptions {
  /** Bytes of frames per group (default 4 MiB). */
  groupBytes?: number;
  /**
   * Read buffers to take from and give back: one pool for the loads of a store, so buffers are
   * reused rather than allocated per load (it keeps what the reader gave back, ~3 groups' worth).
   */
  pool?: Buffer[];
}

export class FrameReader {
  private readonly groups: Group[] = [];
  /** The group being consumed, and its next frame. */
  private g = -1;
  private k = 0;
  private readonly spare: Buffer[];
  private readonly groupBytes: number;
  /** Groups read synchronously because their read ahead had not finished (tests, stats). */
  syncReads = 0;

  constructor(frames: readonly DurableFrame[], opts: FrameReaderOptions = {}) {
    this.groupBytes = opts.groupBytes ?? GROUP_BYTES;
    this.spare = opts.pool ?? [];
    for (let i = 0; i < frames.length; ) {
      let bytes = 0;
      let j = i;
      do {
        if (!frames[j].payload) bytes += frames[j].bytes;
        j++;
      } while (j < frames.length && bytes + (frames[j].payload ? 0 : frames[j].bytes) <= this.groupBytes);
      const part = frames.slice(i, j);
      const { runs, pos, bytes: read } = runsOf(part);
      this.groups.push({ frames: part, runs, pos, bytes: read, buf: null, views: null, reading: null, stale: false });
      i = j;
    }
  }

  /** Starts reading ahead; resolves once the first group is in memory (or its read failed: next() retries it). */
  async ready(): Promise<void> {
    this.prefetch(0);
    await this.groups[0]?.reading;
  }

  /**
   * The next frame's payload, or null after the last. It stays valid until the reader moves past
   * its group, i.e. while no later frame than the next one was asked for: copy out before that.
   */
  next(): Buffer | null {
    for (;;) {
      const cur = this.groups[this.g];
      if (cur?.views && this.k < cur.views.length) return cur.views[this.k++];
      if (cur) this.retire(cur);
      if (++this.g >= this.groups.length) return null;
      const grp = this.groups[this.g];
      if (!grp.views) this.readNow(grp);
      this.k = 0;
      this.prefetch(this.g + 1);
    }
  }

  /** Waits for reads in flight (a load that ended early leaves some). */
  async close(): Promise<void> {
    await Promise.all(this.groups.map((grp) => grp.reading));
  }

  private prefetch(i: number): void {
    const grp = this.groups[i];
    if (!grp || grp.views || grp.reading) return;
    if (grp.bytes === 0) {
      grp.views = grp.frames.map((f) => f.payload as Buffer);
      return;
    }
    const buf = this.take(grp.bytes);
    grp.buf = buf;
    grp.reading = readRuns(grp.runs, buf).then(
      () => {
        grp.reading = null;
        if (grp.stale) this.give(buf);
        else grp.views = viewsOf(grp, buf);
      },
      () => {
        // Read again synchronously when needed, where the error reaches the load.
        grp.reading = null;
        if (!grp.stale) grp.buf = null;
        this.give(buf);
      },
    );
  }

  private readNow(grp: Group): void {
    this.syncReads++;
    if (grp.reading) grp.stale = true;
    const buf = grp.bytes === 0 ? Buffer.alloc(0) : this.take(grp.bytes);
    grp.buf = buf;
    for (const r of grp.runs) {
      const fd = openSync(r.file, 'r');
      try {
        for (let got = 0; got < r.bytes; ) {
          const n = readSync(fd, buf, r.at + got, r.bytes - got, r.offset + got);
          if (n === 0) throw endError(r);
          got += n;
        }
      } finally {
        closeSync(fd);
      }
    }
    grp.views = viewsOf(grp, buf);
  }

  /**
   * A consumed group's buffer goes back to the spares. (A consumed group's read ahead has ended,
   * or it went stale and gives its own buffer back when it ends.)
   */
  private retire(grp: Group): void {
    if (grp.buf && grp.bytes > 0) this.give(grp.buf);
    grp.buf = null;
    grp.views = null;
  }

  private give(buf: Buffer): void {
    if (this.spare.length < POOL_BUFFERS) this.spare.push(buf);
  }

  private take(bytes: number): Buffer {
    const i = this.spare.findIndex((b) => b.length >= bytes);
    if (i >= 0) return this.spare.splice(i, 1)[0];
    return Buffer.allocUnsafeSlow(Math.max(bytes, this.groupBytes));
  }
}

/**
 * The file-backed frames as runs of consecutive frames in one file, packed into one buffer, and
 * where each frame lands in it (-1: it has its payload).
 */
function runsOf(frames: readonly DurableFrame[]): { runs: Run[]; pos: number[]; bytes: number } {
  const runs: Run[] = [];
  const pos: number[] = frames.map(() => -1);
  let at = 0;
  for (let i = 0; i < frames.length; ) {
    if (frames[i].payload) {
      i++;
      continue;
    }
    let j = i + 1;
    while (
      j < frames.length &&
      frames[j].file === frames[i].file &&
      !frames[j].payload &&
      frames[j].offset >= frames[j - 1].offset + frames[j - 1].bytes
    )
      j++;
    const bytes = frames[j - 1].offset + frames[j - 1].bytes - frames[i].offset;
    runs.push({ file: frames[i].file, offset: frames[i].offset, bytes, at });
    for (let k = i; k < j; k++) pos[k] = at + frames[k].offset - frames[i].offset;
    at += bytes;
    i = j;
  }
  return { runs, pos, bytes: at };
}

/** Each frame's payload: its own, or its place in the group's buffer. */
function viewsOf(grp: Group, buf: Buffer): Buffer[] {
  return grp.frames.map((f, k) => f.payload ?? buf.subarray(grp.pos[k], grp.pos[k] + f.bytes));
}

async function readRuns(runs: readonly Run[], buf: Buffer): Promise<void> {
  for (const r of runs) {
    // Frames were fsynced before they were handed out: reading the file is safe.
    const fh = await open(r.file, 'r');
    try {
      for (let got = 0; got < r.bytes; ) {
        const { bytesRead } = await fh.read(buf, r.at + got, r.bytes - got, r.offset + got);
        if (bytesRead === 0) throw endError(r);
        got += bytesRead;
      }
    } finally {
      await fh.close();
    }
  }
}

const endError = (r: Run) => new Error(`ingest log ${r.file} ends before byte ${r.offset + r.bytes}`);
