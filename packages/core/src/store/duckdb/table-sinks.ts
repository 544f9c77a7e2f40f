/**
 * The telemetry tables as the ingest path writes them: each table's columns and its id in chunk
 * images (chunk-writer.ts), and the table function the bulk loader (bulk-loader.ts) reads a load's
 * images through.
 *
 * Why a table function: appending to a table runs on the calling thread, and an append that
 * completes one of DuckDB's row groups compresses and writes it there (measured: ~430 ms per
 * 122,880 spans, the JS thread frozen meanwhile and every request waiting); appending into an
 * in-memory staging table first still cost the JS thread ~2 µs per span (DuckDB copies the rows
 * twice, into the appender's transaction and then the table, updating statistics) and held a row
 * group of rows in DuckDB's memory. Instead a load runs `INSERT INTO t SELECT * FROM
 * vigil_images(load, table)` on DuckDB's threads; the function's scan asks the JS thread for one
 * chunk at a time, and filling a chunk from an image is a few memcpys per column. The frames stream
 * from the log (frame-reader.ts) as the first table's scan asks for them; it copies the other
 * tables' images aside for their scans, which follow in the same transaction.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { ChunkLoader, type ColumnSpec, columnTypes, readImageHeader } from './chunk-writer.js';
import type { FrameReader } from './frame-reader.js';
import type { FrameMeta } from './ingest-log.js';
import {
  AGENT_RUN_COLUMNS,
  AGENT_RUN_END_COLUMNS,
  LOG_COLUMNS,
  METRIC_COLUMNS,
  SPAN_COLUMNS,
  TRACE_INDEX_COLUMNS,
} from './table-columns.js';

/**
 * The telemetry tables the ingest path writes, with their ids in chunk images. The ids are stored
 * in the ingest log: never renumber one.
 */
export const TABLES = {
  spans: { id: 0, name: 'spans', columns: SPAN_COLUMNS },
  traceIndex: { id: 1, name: 'trace_index', columns: TRACE_INDEX_COLUMNS },
  metrics: { id: 2, name: 'metrics', columns: METRIC_COLUMNS },
  logs: { id: 3, name: 'logs', columns: LOG_COLUMNS },
  agentRuns: { id: 4, name: 'agent_runs', columns: AGENT_RUN_COLUMNS },
  agentRunEnds: { id: 5, name: 'agent_run_ends', columns: AGENT_RUN_END_COLUMNS },
} as const;

/** The tables by id (ids are their positions). */
const BY_ID = Object.values(TABLES);

/** What the loader must know of a payload of chunk images: its span rows and its tables (a bit mask of ids). */
export function frameMeta(payload: Buffer): FrameMeta {
  let tables = 0;
  let rows = 0;
  for (let at = 0; at < payload.length; ) {
    const info = readImageHeader(payload, at);
    if (!BY_ID[info.table]) throw new Error(`chunk image for unknown table ${info.table}`);
    tables |= 1 << info.table;
    if (info.table === TABLES.spans.id) rows += info.rows;
    at += info.bytes;
  }
  return { rows, tables };
}

/** The table function's name; it is registered on the loader's connection only. */
const SCAN = 'vigil_images';

interface TableScan {
  /** The table's column types (columnTypes). */
  types: duckdb.LogicalType[];
  names: string[];
  loader: ChunkLoader;
}

/**
 * A load as its scans read it: the frames, streamed once by the scan of its first table (the
 * lowest id: spans when it has any, by far the most bytes), which copies the images of its other
 * tables aside for their scans.
 */
interface LoadImages {
  frames: FrameReader;
  /** The table the frames are streamed for. */
  first: number;
  /** Images of the other tables, copied out while the first table's scan walked the frames. */
  aside: Buffer[][];
  /** The load's frames, the first table's rows an earlier load took from the first, and those this one takes from the last. */
  window: LoadWindow;
}

/**
 * Which of the first table's rows a load takes: a load may begin and end inside a frame
 * (bulk-loader.ts: a load is exactly one row group of spans). A frame an earlier load began
 * (`skip` > 0) gave that load its other tables' rows too.
 */
export interface LoadWindow {
  frames: number;
  /** The first table's rows of the first frame an earlier load took. */
  skip: number;
  /** The first table's rows of the last frame this load takes, counted from its start (all: Infinity). */
  take: number;
}

/** One execution's scan of one table's images in a load. */
interface ScanState {
  load: LoadImages;
  table: number;
  loader: ChunkLoader;
  /** The frame being walked (first table), or the next image aside (others), and the offset in it. */
  buf: Buffer | null;
  next: number;
  at: number;
  /** First table: the frame being walked (its index in the load), and its rows of that table passed so far. */
  frame: number;
  row: number;
}

/**
 * The loads whose images `vigil_images(load, table)` can read, by id: one registration per
 * loader connection, so stores in one process never see each other's loads.
 */
export class ImageScans {
  private readonly loads = new Map<number, LoadImages>();
  private next = 1;

  private constructor(private readonly tables: TableScan[]) {}

  /** Registers the table function on `conn`, taking each table's column types from the database. */
  static async register(conn: DuckDBConnection): Promise<ImageScans> {
    const tables: TableScan[] = [];
    for (const t of BY_ID) {
      const appender = await conn.createAppender(t.name);
      const types = columnTypes(appender);
      appender.closeSync();
      const columns = t.columns as readonly ColumnSpec<unknown>[];
      if (types.length !== columns.length)
        throw new Error(`table ${t.name} has ${types.length} columns, its chunk images ${columns.length}`);
      tables[t.id] = { types, names: columns.map((c, i) => c.name ?? `c${i}`), loader: new ChunkLoader(columns) };
    }
    const scans = new ImageScans(tables);
    const raw = (conn as unknown as { connection: duckdb.Connection }).connection;
    duckdb.register_table_function(raw, scans.tableFunction());
    return scans;
  }

  /**
   * Makes a load's frames (whose images are of the tables in a mask of TABLES ids) readable until
   * `end`; returns its id and the statements inserting its rows, for the caller's transaction.
   */
  begin(frames: FrameReader, tables: number, window: LoadWindow): { id: number; sql: string } {
    const ids = BY_ID.filter((t) => tables & (1 << t.id));
    if (ids.length === 0) throw new Error('a load without tables');
    const id = this.next++;
    this.loads.set(id, { frames, first: ids[0].id, aside: BY_ID.map(() => []), window });
    const sql = ids.map((t) => `INSERT INTO ${t.name} SELECT * FROM ${SCAN}(${id}, ${t.id});`).join('\n');
    return { id, sql };
  }

  end(id: number): void {
    this.loads.delete(id);
  }

  private tableFunction(): duckdb.TableFunction {
    const tf = duckdb.create_table_function();
    duckdb.table_function_set_name(tf, SCAN);
    duckdb.table_function_add_parameter(tf, duckdb.create_logical_type(duckdb.Type.BIGINT));
    duckdb.table_function_add_parameter(tf, duckdb.create_logical_type(duckdb.Type.INTEGER));
    duckdb.table_function_set_bind(tf, (info) => {
      const id = Number(duckdb.get_int64(duckdb.bind_get_parameter(info, 0)));
      const table = duckdb.get_int32(duckdb.bind_get_parameter(info, 1));
      const scan = this.tables[table];
      const load = this.loads.get(id);
      if (!scan || !load) {
        duckdb.bind_set_error(info, `${SCAN}: no load ${id} with table ${table}`);
        return;
      }
      for (let c = 0; c < scan.types.length; c++) duckdb.bind_add_result_column(info, scan.names[c], scan.types[c]);
      duckdb.bind_set_bind_data(info, { load, table });
    });
    duckdb.table_function_set_init(tf, (info) => {
      const { load, table } = duckdb.init_get_bind_data(info) as { load: LoadImages; table: number };
      const state: ScanState = {
        load,
        table,
        loader: this.tables[table].loader,
        buf: null,
        next: 0,
        at: 0,
        frame: -1,
        row: 0,
      };
      duckdb.init_set_init_data(info, state);
      // One scanning thread: the chunks come from the JS thread, in order, anyway.
      duckdb.init_set_max_threads(info, 1);
    });
    duckdb.table_function_set_function(tf, (info, output) => {
      const s = duckdb.function_get_init_data(info) as ScanState;
      try {
        if (!fillNext(s, output)) duckdb.data_chunk_set_size(output, 0);
      } catch (e) {
        duckdb.function_set_error(info, e instanceof Error ? e.message : String(e));
      }
    });
    return tf;
  }
}

/**
 * Fills `output` with the scan's next images of its table (or the parts of them the load takes),
 * as many as fit in one chunk; false once there are none. Each call waits for a turn of the JS
 * thread's event loop, which under ingest is busy with requests: one image per call (512 spans,
 * often a few dozen trace_index rows) made a row group's load ~360 such waits, and loads fell
 * behind ingest (measured: ~1 s per 61,440-span load under 8 connections, 0.3 s idle).
 */
function fillNext(s: ScanState, output: duckdb.DataChunk): boolean {
  s.loader.begin(output);
  while (s.loader.room > 0 && addNext(s)) {}
  return s.loader.finish() > 0;
}

/** Adds the scan's next image (or the part the load takes) to the chunk if it fits; false when it does not or none is left. */
function addNext(s: ScanState): boolean {
  const { load } = s;
  if (s.table !== load.first) {
    const image = load.aside[s.table][s.next];
    if (!image) return false;
    const info = readImageHeader(image, 0);
    if (info.rows > s.loader.room) return false;
    s.next++;
    s.loader.add(image, 0, info);
    return true;
  }
  const { window } = load;
  for (;;) {
    if (!s.buf || s.at >= s.buf.length) {
      s.buf = load.frames.next();
      s.at = 0;
      s.frame++;
      s.row = 0;
      if (!s.buf) return false;
      continue;
    }
    const info = readImageHeader(s.buf, s.at);
    if (!BY_ID[info.table]) throw new Error(`chunk image for unknown table ${info.table}`);
    const begun = s.frame === 0 && window.skip > 0;
    if (info.table !== s.table) {
      // The frame's buffer is reused once the reader moves on: the others' scans get a copy. A
      // frame an earlier load began gave it these rows.
      if (!begun) load.aside[info.table].push(Buffer.from(s.buf.subarray(s.at, s.at + info.bytes)));
      s.at += info.bytes;
      continue;
    }
    const from = Math.max(0, (begun ? window.skip : 0) - s.row);
    const end = s.frame === window.frames - 1 ? window.take : Number.POSITIVE_INFINITY;
    const to = Math.min(info.rows, end - s.row);
    if (from < to && to - from > s.loader.room) return false; // the next chunk's first
    s.row += info.rows;
    if (from >= to) {
      s.at += info.bytes;
      continue;
    }
    s.at += s.loader.add(s.buf, s.at, info, from, to);
    return true;
  }
}
