/**
 * Worker thread of the DuckDB store's trace decoder (ingest-workers.ts): an OTLP trace request in,
 * chunk images of its spans and trace_index rows out, ready for an ingest-log frame. The JS
 * thread then only receives HTTP, appends to the log and loads DuckDB.
 *
 * The spans' hourly rollups are accumulated here too, so the records never cross threads: a
 * request's spans wait under its id until the store reports its commit ('commit': they join the
 * rollups; 'discard': they go), and a rollup flush takes what accumulated ('rollups').
 */
import { parentPort, workerData } from 'node:worker_threads';
import { agentRunEndsOf, decodeOtlpTraces } from '../../ingest/otlp.js';
import { createPriceTable } from '../../ingest/prices.js';
import { createRedactor } from '../../ingest/redact.js';
import { IngestError, type NormalizeContext } from '../../ingest/types.js';
import type { SpanRecord } from '../../model/telemetry.js';
import type { TraceDecoderOptions } from '../store.js';
import { ChunkEncoder } from './chunk-writer.js';
import type { Decoded, ToWorker } from './ingest-workers.js';
import { projectHours } from './rollup-write-behind.js';
import { RollupAccumulator } from './rollups.js';
import { traceIndexRows } from './table-columns.js';
import { TABLES } from './table-sinks.js';

const port = parentPort;
if (!port) throw new Error('ingest-worker.ts runs as a worker thread');
const opts = workerData as TraceDecoderOptions;
const base = {
  limits: opts.limits,
  prices: createPriceTable(opts.prices),
  redact: opts.redact ? createRedactor({ maxChars: opts.limits.maxPayloadChars }) : undefined,
};
const encoder = new ChunkEncoder();
/** Spans of decoded requests whose commit is not known yet, by request id. */
const pending = new Map<number, SpanRecord[]>();
let rollups = new RollupAccumulator();

function decode(m: Extract<ToWorker, { op: 'decode' }>): void {
  const ctx: NormalizeContext = { ...base, project: m.project, nowUs: m.nowUs };
  let d: ReturnType<typeof decodeOtlpTraces>;
  let payload: ArrayBuffer | null = null;
  try {
    d = decodeOtlpTraces(m.body, m.format, ctx);
    if (d.rows.length > 0) {
      encoder.add(TABLES.spans, d.rows);
      encoder.add(TABLES.traceIndex, traceIndexRows(d.rows));
      payload = encoder.takeArrayBuffer();
    }
  } catch (err) {
    // A refused row (NOT NULL) fails the request before anything of it is acknowledged.
    encoder.reset();
    const e = err instanceof IngestError ? err : null;
    port?.postMessage({
      op: 'failed',
      id: m.id,
      message: err instanceof Error ? err.message : String(err),
      code: e?.code ?? null,
      status: e?.status ?? null,
    });
    return;
  }
  const spans = d.rows;
  if (spans.length > 0) pending.set(m.id, spans);
  const out: Decoded = {
    op: 'decoded',
    id: m.id,
    rows: spans.length,
    payload,
    hours: projectHours(spans),
    agentRunEnds: agentRunEndsOf(spans),
    rejected: d.rejected,
    truncated: d.truncated,
    invalidUtf8: d.invalidUtf8,
    errorMessage: d.errorMessage,
    records: m.records ? spans : null,
    rollupRows: rollups.size,
  };
  port?.postMessage(out, payload ? [payload] : []);
}

port.on('message', (m: ToWorker) => {
  switch (m.op) {
    case 'decode':
      decode(m);
      break;
    case 'commit': {
      const spans = pending.get(m.id) ?? [];
      pending.delete(m.id);
      for (let i = 0; i < spans.length; i++) rollups.add(spans[i]);
      break;
    }
    case 'discard':
      pending.delete(m.id);
      break;
    case 'rollups':
      port?.postMessage({ op: 'rollups', seq: m.seq, rows: rollups.rows() });
      rollups = new RollupAccumulator();
      break;
  }
});
