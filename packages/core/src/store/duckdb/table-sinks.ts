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
 * chunk at a time, and filling a chunk from an image is a few memcpys per column. The images stay
 * in the load's buffers (the ingest log's read-back) until its transaction ends.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { ChunkLoader, type ColumnSpec, readImageHeader } from './chunk-writer.js';
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
  /** The table's column types, as DuckDB has them (JSON columns stay JSON: no cast, no re-validation). */
  types: duckdb.LogicalType[];
  names: string[];
  loader: ChunkLoader;
}

/** What a bound `vigil_images(load, table)` reads. */
interface ScanSource {
  payloads: readonly Buffer[];
  table: number;
  loader: ChunkLoader;
}

/** One execution's scan: the images of one table in a load's payloads, in order. */
interface ScanState extends ScanSource {
  /** Next payload, and the byte offset in it. */
  frame: number;
  at: number;
}

/**
 * The loads whose images `vigil_images(load, table)` can read, by id: one registration per
 * loader connection, so stores in one process never see each other's loads.
 */
export class ImageScans {
  private readonly loads = new Map<number, readonly Buffer[]>();
  private next = 1;

  private constructor(private readonly tables: TableScan[]) {}

  /** Registers the table function on `conn`, taking each table's column types from the database. */
  static async register(conn: DuckDBConnection): Promise<ImageScans> {
    const tables: TableScan[] = [];
    for (const t of BY_ID) {
      const appender = await conn.createAppender(t.name);
      const raw = (appender as unknown as { appender: duckdb.Appender }).appender;
      const types: duckdb.LogicalType[] = [];
      for (let c = 0; c < duckdb.appender_column_count(raw); c++) types.push(duckdb.appender_column_type(raw, c));
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

  /** Makes a load's payloads readable until `end`; returns its id for `insertSql`. */
  begin(payloads: readonly Buffer[]): number {
    const id = this.next++;
    this.loads.set(id, payloads);
    return id;
  }

  end(id: number): void {
    this.loads.delete(id);
  }

  /** Statements moving a load's rows into the tables in a mask of TABLES ids, for the caller's transaction. */
  insertSql(id: number, tables: number): string {
    return BY_ID.filter((t) => tables & (1 << t.id))
      .map((t) => `INSERT INTO ${t.name} SELECT * FROM ${SCAN}(${id}, ${t.id});`)
      .join('\n');
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
      const payloads = this.loads.get(id);
      if (!scan || !payloads) {
        duckdb.bind_set_error(info, `${SCAN}: no load ${id} with table ${table}`);
        return;
      }
      for (let c = 0; c < scan.types.length; c++) duckdb.bind_add_result_column(info, scan.names[c], scan.types[c]);
      const source: ScanSource = { payloads, table, loader: scan.loader };
      duckdb.bind_set_bind_data(info, source);
      duckdb.bind_set_cardinality(info, rowsOf(payloads, table), true);
    });
    duckdb.table_function_set_init(tf, (info) => {
      const source = duckdb.init_get_bind_data(info) as ScanSource;
      const state: ScanState = { ...source, frame: 0, at: 0 };
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

/** Rows of a table's images in a load's payloads (headers only). */
function rowsOf(payloads: readonly Buffer[], table: number): number {
  let rows = 0;
  for (const buf of payloads)
    for (let at = 0; at < buf.length; ) {
      const info = readImageHeader(buf, at);
      if (info.table === table) rows += info.rows;
      at += info.bytes;
    }
  return rows;
}

/** Fills `output` with the scan's next image of its table; false once there is none. */
function fillNext(s: ScanState, output: duckdb.DataChunk): boolean {
  while (s.frame < s.payloads.length) {
    const buf = s.payloads[s.frame];
    if (s.at >= buf.length) {
      s.frame++;
      s.at = 0;
      continue;
    }
    const info = readImageHeader(buf, s.at);
    if (!BY_ID[info.table]) throw new Error(`chunk image for unknown table ${info.table}`);
    if (info.table !== s.table) {
      s.at += info.bytes;
      continue;
    }
    s.at += s.loader.fill(output, buf, s.at, info);
    return true;
  }
  return false;
}
