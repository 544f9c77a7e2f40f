/**
 * Prometheus metrics of one server instance (its own registry, so several servers in one process,
 * as in tests, do not collide): ingest volume by signal, rejections, queue depth, the store's load
 * backlog, flush latency, request latency by route, and the process/runtime defaults.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface ServerMetrics {
  registry: Registry;
  ingestItems: Counter<'signal'>;
  ingestRejectedItems: Counter<'signal'>;
  ingestTruncated: Counter<'signal'>;
  ingestRequestsRejected: Counter<'reason'>;
  queueRows: Gauge;
  decodeWorkers: Gauge;
  loadBacklogRows: Gauge;
  flushDuration: Histogram;
  flushRows: Histogram;
  droppedRows: Counter;
  requestDuration: Histogram<'method' | 'route' | 'status_code'>;
}

export function createServerMetrics(
  queueDepth: () => number,
  decodeWorkers: () => number,
  /** Acknowledged rows the store has still to load (Store.loadBacklog; 0 where there is none). */
  loadBacklog: () => number,
): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    ingestItems: new Counter({
      name: 'vigil_ingest_items_total',
      help: 'Telemetry items accepted and stored, by signal (spans, metrics, logs).',
      labelNames: ['signal'],
      registers: [registry],
    }),
    ingestRejectedItems: new Counter({
      name: 'vigil_ingest_rejected_items_total',
      help: 'Items rejected as invalid inside otherwise accepted requests (OTLP partial success).',
      labelNames: ['signal'],
      registers: [registry],
    }),
    ingestTruncated: new Counter({
      name: 'vigil_ingest_truncated_total',
      help: 'Attributes, events or values dropped or cut by the ingest limits.',
      labelNames: ['signal'],
      registers: [registry],
    }),
    ingestRequestsRejected: new Counter({
      name: 'vigil_ingest_requests_rejected_total',
      help: 'Ingest requests refused as a whole, by reason (queue_full, invalid, too_large, unauthorized, ...).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    queueRows: new Gauge({
      name: 'vigil_ingest_queue_rows',
      help: 'Rows waiting in the ingest queue for group commit.',
      registers: [registry],
      collect() {
        this.set(queueDepth());
      },
    }),
    decodeWorkers: new Gauge({
      name: 'vigil_ingest_decode_workers',
      help: 'Worker threads decoding OTLP trace requests (0: the main thread decodes them).',
      registers: [registry],
      collect() {
        this.set(decodeWorkers());
      },
    }),
    loadBacklogRows: new Gauge({
      name: 'vigil_store_load_backlog_rows',
      help: 'Acknowledged span rows waiting in the ingest log for a bulk load into the tables (DuckDB store).',
      registers: [registry],
      collect() {
        this.set(loadBacklog());
      },
    }),
    flushDuration: new Histogram({
      name: 'vigil_ingest_flush_duration_seconds',
      help: 'Time to commit one group of rows to the store.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    flushRows: new Histogram({
      name: 'vigil_ingest_flush_rows',
      help: 'Rows per group commit.',
      buckets: [1, 10, 100, 1000, 5000, 10000, 50000, 100000],
      registers: [registry],
    }),
    droppedRows: new Counter({
      name: 'vigil_ingest_dropped_rows_total',
      help: 'Rows lost because a commit failed (their requests were answered with an error).',
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'HTTP request latency by route template.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
