/**
 * The DuckDB store's trace decoder: OTLP trace requests are decoded, normalised and encoded into
 * chunk images on worker threads (ingest-worker.ts), so the JS thread, which every request and
 * every load into DuckDB passes through, does not spend its time on them (measured: decoding and
 * encoding were a third of its CPU per span, and it was the bottleneck).
 *
 * A request goes to the workers in turn. Its result carries the images (moved, not copied, across
 * threads) and what the commit needs on this side: the hours it touches (rollup markers, series
 * cache), its agent-run ends, and its records only when live listeners want them. The spans'
 * rollups accumulate in the worker that decoded them, and a rollup flush takes them from there.
 *
 * A worker that dies takes with it the rollups of committed spans it held: `onLost` runs, and the
 * store rebuilds the hours concerned from the spans, as after a crash. Its requests in flight fail
 * (their clients get an error and retry); the next request starts a new worker.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IngestError, type OtlpFormat } from '../../ingest/types.js';
import type { SpanRecord } from '../../model/telemetry.js';
import type { DecodedTraces, EncodedSpans, TraceDecoder, TraceDecoderOptions } from '../store.js';
import type { ProjectHour } from './rollup-write-behind.js';
import type { RollupRow } from './rollups.js';

export type ToWorker =
  | {
      op: 'decode';
      id: number;
      body: Uint8Array;
      format: OtlpFormat;
      project: string;
      nowUs: number;
      records: boolean;
    }
  | { op: 'commit'; id: number }
  | { op: 'discard'; id: number }
  | { op: 'rollups'; seq: number };

export interface Decoded {
  op: 'decoded';
  id: number;
  rows: number;
  /** Chunk images of the spans and their trace_index rows; null when none was accepted. */
  payload: ArrayBuffer | null;
  hours: ProjectHour[];
  agentRunEnds: { project: string; spanId: string }[];
  rejected: number;
  truncated: number;
  invalidUtf8: number;
  errorMessage: string | null;
  records: SpanRecord[] | null;
  /** Rollup rows the worker holds for committed spans (flush early when many). */
  rollupRows: number;
}

type FromWorker =
  | Decoded
  | { op: 'failed'; id: number; message: string; code: string | null; status: number | null }
  | { op: 'rollups'; seq: number; rows: RollupRow[] };

/** The worker entry next to this file: .ts when running from sources (tsx), .js when compiled. */
const FROM_SOURCE = extname(fileURLToPath(import.meta.url)) === '.ts';
const WORKER_URL = new URL(`./ingest-worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);

/** Starts the worker; from sources, through tsx (Node 20 does not apply `--import` hooks to workers). */
function startWorker(workerData: TraceDecoderOptions): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** A request's spans as a worker encoded them: what DuckDbAppender.encodedSpans takes. */
export class WorkerSpans implements EncodedSpans {
  private settled = false;

  constructor(
    readonly rows: number,
    /** Chunk images for the ingest log frame. */
    readonly payload: Buffer,
    readonly hours: readonly ProjectHour[],
    readonly records: readonly SpanRecord[] | undefined,
    private readonly slot: Slot,
    private readonly id: number,
  ) {}

  /** The spans are durable: their rollups become pending in the worker. */
  committed(): void {
    if (this.settled) return;
    this.settled = true;
    this.slot.committed(this.id);
  }

  discard(): void {
    if (this.settled) return;
    this.settled = true;
    this.slot.post({ op: 'discard', id: this.id });
  }
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(err: unknown): void;
  bytes: number;
}

/** One worker thread and the requests it has in hand. */
class Slot {
  private readonly worker: Worker;
  private readonly decodes = new Map<number, Waiter<Decoded>>();
  private readonly takes = new Map<number, Waiter<RollupRow[]>>();
  dead = false;
  /** Whether spans were committed since the last rollup take (the worker holds rows). */
  holdsRollups = false;
  rollupRows = 0;

  constructor(
    opts: TraceDecoderOptions,
    private readonly pool: IngestWorkers,
  ) {
    this.worker = startWorker(opts);
    // An idle worker must not keep the process alive (one with requests in hand does: ref below).
    this.worker.unref();
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err) => this.die(err));
    this.worker.on('exit', (code) => this.die(new Error(`ingest worker exited with code ${code}`)));
  }

  post(m: ToWorker): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  decode(m: Extract<ToWorker, { op: 'decode' }>): Promise<Decoded> {
    if (this.dead) return Promise.reject(new Error('ingest worker failed: it is stopped'));
    return new Promise((resolve, reject) => {
      if (this.decodes.size === 0 && this.takes.size === 0) this.worker.ref();
      this.decodes.set(m.id, { resolve, reject, bytes: m.body.byteLength });
      this.pool.backlogBytes += m.body.byteLength;
      this.post(m);
    });
  }

  committed(id: number): void {
    // Decoded by a worker that died since: its spans' rollups are gone with it.
    if (this.dead) this.pool.lost();
    this.holdsRollups = true;
    this.post({ op: 'commit', id });
  }

  takeRollups(seq: number): Promise<RollupRow[]> {
    if (this.dead || !this.holdsRollups) return Promise.resolve([]);
    this.holdsRollups = false;
    this.rollupRows = 0;
    return new Promise((resolve, reject) => {
      if (this.decodes.size === 0 && this.takes.size === 0) this.worker.ref();
      this.takes.set(seq, { resolve, reject, bytes: 0 });
      this.post({ op: 'rollups', seq });
    });
  }

  terminate(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }

  private onMessage(m: FromWorker): void {
    const waiters = m.op === 'rollups' ? this.takes : this.decodes;
    const key = m.op === 'rollups' ? m.seq : m.id;
    const w = waiters.get(key);
    if (!w) return;
    waiters.delete(key);
    if (this.decodes.size === 0 && this.takes.size === 0) this.worker.unref();
    if (m.op === 'rollups') {
      (w as Waiter<RollupRow[]>).resolve(m.rows);
      return;
    }
    this.pool.backlogBytes -= w.bytes;
    if (m.op === 'failed') {
      (w as Waiter<Decoded>).reject(
        m.status ? new IngestError(m.message, m.code ?? undefined, m.status) : new Error(m.message),
      );
      return;
    }
    this.rollupRows = m.rollupRows;
    (w as Waiter<Decoded>).resolve(m);
  }

  private die(err: unknown): void {
    if (this.dead) return;
    this.dead = true;
    for (const w of this.decodes.values()) {
      this.pool.backlogBytes -= w.bytes;
      w.reject(new Error(`ingest worker failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    this.decodes.clear();
    for (const w of this.takes.values()) w.resolve([]);
    this.takes.clear();
    this.pool.replace(this);
  }
}

export class IngestWorkers implements TraceDecoder {
  private slots: (Slot | null)[];
  private next = 0;
  private nextId = 1;
  private seq = 0;
  private closed = false;
  /** Bytes of request bodies handed to workers and not answered yet. */
  backlogBytes = 0;

  constructor(
    size: number,
    private readonly opts: TraceDecoderOptions,
    /** A worker died holding rollups of committed spans: the store must rebuild their hours. */
    private readonly onLost: () => void,
  ) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => null);
  }

  async decode(
    body: Uint8Array,
    format: OtlpFormat,
    project: string,
    o: { nowUs: number; records: boolean },
  ): Promise<DecodedTraces> {
    if (this.closed) throw new Error('trace decoder is closed');
    const i = this.next;
    this.next = (i + 1) % this.slots.length;
    let slot = this.slots[i];
    if (!slot) {
      slot = new Slot(this.opts, this);
      this.slots[i] = slot;
    }
    const id = this.nextId++;
    const d = await slot.decode({ op: 'decode', id, body, format, project, nowUs: o.nowUs, records: o.records });
    return {
      encoded: d.payload
        ? new WorkerSpans(d.rows, Buffer.from(d.payload), d.hours, d.records ?? undefined, slot, id)
        : null,
      agentRunEnds: d.agentRunEnds,
      rejected: d.rejected,
      truncated: d.truncated,
      invalidUtf8: d.invalidUtf8,
      errorMessage: d.errorMessage,
    };
  }

  get threads(): number {
    let n = 0;
    for (const s of this.slots) if (s && !s.dead) n++;
    return n;
  }

  /** Whether any worker holds rollup rows of committed spans. */
  get holdsRollups(): boolean {
    return this.slots.some((s) => s?.holdsRollups);
  }

  /** Rollup rows the workers hold (as of their last answers). */
  get rollupRows(): number {
    let n = 0;
    for (const s of this.slots) n += s?.rollupRows ?? 0;
    return n;
  }

  /** Takes the rollup rows of committed spans from every worker (they start afresh). */
  async takeRollups(): Promise<RollupRow[]> {
    const seq = ++this.seq;
    const parts = await Promise.all(this.slots.map((s) => (s ? s.takeRollups(seq) : [])));
    return parts.length === 1 ? parts[0] : parts.flat();
  }

  /**
   * A worker died: its slot starts a new one at the next request, and the rollups it held (or
   * would have received for spans it decoded, committed later: Slot.committed) must be rebuilt.
   */
  replace(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots[i] = null;
    this.lost();
  }

  lost(): void {
    if (!this.closed) this.onLost();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s?.terminate()));
    this.slots = this.slots.map(() => null);
  }
}
