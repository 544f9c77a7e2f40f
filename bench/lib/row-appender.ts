/**
 * The plain JS appender loop over the spans table: one native call per value, a BigInt per
 * timestamp. It is the textbook raw baseline (the "plain JS appender loop"); the store
 * writes through the core's ChunkWriter instead, which bench/store compares with it.
 */
import { type DuckDBAppender, DuckDBTimestampValue } from '@duckdb/node-api';
import type { SpanRecord } from '@vigil/core';
import { attrsJson, eventsJson } from '../../packages/core/src/store/duckdb/table-columns.js';

const ts = (us: number) => new DuckDBTimestampValue(BigInt(Math.round(us)));

function str(a: DuckDBAppender, v: string | null | undefined): void {
  if (v == null) a.appendNull();
  else a.appendVarchar(v);
}

function int(a: DuckDBAppender, v: number | null | undefined): void {
  if (v == null) a.appendNull();
  else a.appendInteger(Math.round(v));
}

function dbl(a: DuckDBAppender, v: number | null | undefined): void {
  if (v == null || Number.isNaN(v)) a.appendNull();
  else a.appendDouble(v);
}

export function appendSpanRows(a: DuckDBAppender, rows: readonly SpanRecord[], from = 0, to = rows.length): void {
  for (let i = from; i < to; i++) {
    const s = rows[i];
    a.appendVarchar(s.project);
    a.appendTimestamp(ts(s.startUs));
    a.appendTimestamp(ts(s.endUs));
    a.appendDouble((s.endUs - s.startUs) / 1000);
    a.appendVarchar(s.traceId);
    a.appendVarchar(s.spanId);
    str(a, s.parentSpanId);
    a.appendVarchar(s.serviceName);
    a.appendVarchar(s.name);
    a.appendVarchar(s.kind);
    a.appendVarchar(s.status);
    str(a, s.statusMessage);
    str(a, s.model);
    str(a, s.provider);
    int(a, s.inputTokens);
    int(a, s.outputTokens);
    dbl(a, s.costUsd);
    str(a, s.agentId);
    str(a, s.agentName);
    str(a, s.agentVersion);
    str(a, s.sessionId);
    str(a, s.userId);
    a.appendVarchar(attrsJson(s.attributes));
    a.appendVarchar(eventsJson(s.events));
    str(a, s.input);
    str(a, s.output);
    a.endRow();
  }
}
