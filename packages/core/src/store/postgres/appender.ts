/**
 * The PostgreSQL appender: buffers rows, then writes them all in one transaction with COPY
 * (the fastest bulk path PostgreSQL has). Partitions for the days touched are created first, in
 * their own short transaction, so the data transaction never holds DDL locks. The pool runs with
 * synchronous_commit on: commit() resolves only after the WAL is flushed.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { AgentRunStart, LogRecord, MetricPoint, SpanRecord } from '../../model/telemetry.js';
import type { Appender } from '../store.js';
import type { Sql, TransactionSql } from './connect.js';
import { float, int, json, payload, text } from './copy.js';
import { quoteIdent } from './migrations.js';
import { dayOf, type PartitionedTable, type PartitionManager } from './partitions.js';
import { markDirty } from './rollups.js';

export const SPAN_COLUMNS = [
  'project',
  'trace_id',
  'span_id',
  'parent_span_id',
  'service_name',
  'name',
  'kind',
  'start_us',
  'end_us',
  'duration_us',
  'status',
  'status_message',
  'model',
  'provider',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'agent_id',
  'agent_name',
  'agent_version',
  'session_id',
  'user_id',
  'attributes',
  'events',
  'input',
  'output',
] as const;

/** One COPY text line per span; a template literal, since this runs for every span ingested. */
export function spanLine(s: SpanRecord): string {
  return `${text(s.project)}\t${text(s.traceId)}\t${text(s.spanId)}\t${text(s.parentSpanId || null)}\t${text(s.serviceName)}\t${payload(s.name)}\t${text(s.kind)}\t${int(s.startUs)}\t${int(s.endUs)}\t${int(Math.max(0, s.endUs - s.startUs))}\t${text(s.status)}\t${payload(s.statusMessage)}\t${text(s.model)}\t${text(s.provider)}\t${int(s.inputTokens)}\t${int(s.outputTokens)}\t${float(s.costUsd)}\t${text(s.agentId)}\t${text(s.agentName)}\t${text(s.agentVersion)}\t${text(s.sessionId)}\t${text(s.userId)}\t${json(s.attributes ?? {})}\t${s.events && s.events.length > 0 ? json(s.events) : '[]'}\t${payload(s.input)}\t${payload(s.output)}\n`;
}

const METRIC_COLUMNS = ['project', 'name', 'type', 'unit', 'time_us', 'value', 'histogram', 'labels', 'service_name'];

function metricLine(m: MetricPoint): string {
  return `${[
    text(m.project),
    text(m.name),
    text(m.type),
    text(m.unit ?? ''),
    int(m.timeUs),
    float(Number.isFinite(m.value) ? m.value : 0),
    json(m.histogram),
    json(m.labels ?? {}),
    text(m.serviceName ?? ''),
  ].join('\t')}\n`;
}

const LOG_COLUMNS = [
  'project',
  'time_us',
  'severity',
  'severity_text',
  'body',
  'trace_id',
  'span_id',
  'service_name',
  'attributes',
];

function logLine(l: LogRecord): string {
  return `${[
    text(l.project),
    int(l.timeUs),
    int(Math.max(0, Math.min(24, l.severity | 0))),
    text(l.severityText ?? ''),
    payload(l.body ?? ''),
    text(l.traceId || null),
    text(l.spanId || null),
    text(l.serviceName ?? ''),
    json(l.attributes ?? {}),
  ].join('\t')}\n`;
}

/**
 * Streams rows into `COPY table (columns) FROM STDIN`, encoding them chunk by chunk as they are
 * written: the database parses one chunk while this process encodes the next, so on a multi-core
 * machine encoding and COPY overlap instead of adding up.
 */
export async function copyRows<T>(
  tx: Sql | TransactionSql,
  table: string,
  columns: readonly string[],
  rows: readonly T[],
  encode: (row: T) => string,
): Promise<void> {
  if (rows.length === 0) return;
  const stream = (await tx
    .unsafe(`COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`)
    .writable()) as Writable;
  const done = once(stream, 'finish');
  const CHUNK = 256;
  for (let i = 0; i < rows.length; i += CHUNK) {
    let chunk = '';
    const end = Math.min(rows.length, i + CHUNK);
    for (let j = i; j < end; j++) chunk += encode(rows[j]);
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
  stream.end();
  await done;
}

/** `copyRows` for lines encoded beforehand. */
export function copyLines(
  tx: Sql | TransactionSql,
  table: string,
  columns: readonly string[],
  lines: readonly string[],
): Promise<void> {
  return copyRows(tx, table, columns, lines, (l) => l);
}

const NO_PARTITION = '23514';

export class PgAppender implements Appender {
  private spanRows: SpanRecord[] = [];
  private metricRows: MetricPoint[] = [];
  private logRows: LogRecord[] = [];
  private runStarts: AgentRunStart[] = [];
  private runEnds: { project: string; spanId: string }[] = [];

  constructor(
    private readonly sql: Sql,
    private readonly schema: string,
    private readonly partitions: PartitionManager,
  ) {}

  spans(rows: readonly SpanRecord[]): void {
    for (const r of rows) this.spanRows.push(r);
  }
  metrics(rows: readonly MetricPoint[]): void {
    for (const r of rows) this.metricRows.push(r);
  }
  logs(rows: readonly LogRecord[]): void {
    for (const r of rows) this.logRows.push(r);
  }
  agentRunStarts(rows: readonly AgentRunStart[]): void {
    for (const r of rows) this.runStarts.push(r);
  }
  agentRunEnds(rows: readonly { project: string; spanId: string }[]): void {
    for (const r of rows) this.runEnds.push(r);
  }

  private static neededPartitions(
    spans: readonly SpanRecord[],
    metrics: readonly MetricPoint[],
    logs: readonly LogRecord[],
  ): [PartitionedTable, number][] {
    const seen = new Set<string>();
    const out: [PartitionedTable, number][] = [];
    const add = (t: PartitionedTable, us: number) => {
      const d = dayOf(us);
      const k = `${t}:${d}`;
      if (!seen.has(k)) {
        seen.add(k);
        out.push([t, d]);
      }
    };
    for (const s of spans) add('spans', Math.trunc(s.startUs));
    for (const m of metrics) add('metrics', Math.trunc(m.timeUs));
    for (const l of logs) add('logs', Math.trunc(l.timeUs));
    return out;
  }

  async commit(): Promise<void> {
    const spans = this.spanRows;
    const metrics = this.metricRows;
    const logs = this.logRows;
    const starts = this.runStarts;
    const ends = this.runEnds;
    this.clear();
    if (spans.length + metrics.length + logs.length + starts.length + ends.length === 0) return;
    const needs = PgAppender.neededPartitions(spans, metrics, logs);
    const q = quoteIdent(this.schema);
    const write = async () => {
      await this.partitions.ensure(needs);
      await this.sql.begin(async (tx) => {
        await copyRows(tx, `${q}.spans`, SPAN_COLUMNS, spans, spanLine);
        await copyRows(tx, `${q}.metrics`, METRIC_COLUMNS, metrics, metricLine);
        await copyRows(tx, `${q}.logs`, LOG_COLUMNS, logs, logLine);
        if (starts.length > 0) {
          await tx.unsafe(
            `INSERT INTO ${q}.agent_runs
               (project, span_id, trace_id, agent_id, agent_name, agent_version, session_id, user_id, service_name, start_us)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                  $7::text[], $8::text[], $9::text[], $10::bigint[])
             ON CONFLICT (project, span_id) DO NOTHING`,
            [
              starts.map((r) => r.project),
              starts.map((r) => r.spanId),
              starts.map((r) => r.traceId),
              starts.map((r) => r.agentId),
              starts.map((r) => r.agentName),
              starts.map((r) => r.agentVersion),
              starts.map((r) => r.sessionId),
              starts.map((r) => r.userId),
              starts.map((r) => r.serviceName),
              starts.map((r) => Math.trunc(r.startUs)),
            ] as never,
          );
        }
        if (ends.length > 0) {
          await tx.unsafe(
            `INSERT INTO ${q}.agent_run_ends (project, span_id, end_us)
             SELECT e.project, e.span_id, (extract(epoch from clock_timestamp()) * 1e6)::bigint
             FROM unnest($1::text[], $2::text[]) AS e(project, span_id)
             ON CONFLICT (project, span_id) DO NOTHING`,
            [ends.map((r) => r.project), ends.map((r) => r.spanId)] as never,
          );
        }
        // Last, so the shared rollup locks are held only for the commit itself.
        if (spans.length > 0) await markDirty(tx, this.schema, spans);
      });
    };
    try {
      await write();
    } catch (err) {
      // A partition vanished under us (dropped by retention elsewhere): re-read and retry once.
      if ((err as { code?: string }).code !== NO_PARTITION) throw err;
      await this.partitions.refresh();
      await write();
    }
  }

  async rollback(): Promise<void> {
    this.clear();
  }

  private clear(): void {
    this.spanRows = [];
    this.metricRows = [];
    this.logRows = [];
    this.runStarts = [];
    this.runEnds = [];
  }
}
