/**
 * Structured logger: JSON lines, levels, child loggers with bound fields (a correlation id, say), the
 * active trace/span ids stamped on every line, and optional export of each record as an OTLP log.
 */

import type { LogData } from '../export/otlp-encode.js';
import { nowUs, usToIso } from '../internal/clock.js';
import { newSpanId } from '../internal/ids.js';
import { getActiveSpan } from '../trace/context.js';
import type { Attributes, AttributeValue } from '../trace/types.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** OTLP SeverityNumber of each level (the first number of its range). */
export const SEVERITY: Record<LogLevel, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

export interface LoggerOptions {
  name?: string;
  level?: LogLevel | 'silent';
  /** Where JSON lines go: a function, a writable stream, or false for none. Default process.stdout. */
  output?: ((line: string) => void) | { write(chunk: string): unknown } | false;
  /** Fields on every line of this logger and its children. */
  bindings?: Attributes;
}

type LogExporter = (record: LogData) => void;
let exporter: LogExporter | null = null;

/** Set by the analytics service when log export is on; null turns it off. */
export function setLogExporter(fn: LogExporter | null): void {
  exporter = fn;
}

function serializeValue(v: unknown): AttributeValue {
  if (v instanceof Error) return { type: v.name, message: v.message, stack: v.stack ?? '' };
  if (v === undefined || v === null || typeof v !== 'object') {
    return typeof v === 'bigint' ? v.toString() : (v as AttributeValue);
  }
  return v as AttributeValue;
}

export class Logger {
  private readonly threshold: number;
  private readonly write: ((line: string) => void) | null;
  private readonly bindings: Attributes;

  constructor(private readonly opts: LoggerOptions = {}) {
    this.threshold = opts.level === 'silent' ? 99 : SEVERITY[opts.level ?? 'info'];
    const out = opts.output === undefined ? process.stdout : opts.output;
    this.write = out === false ? null : typeof out === 'function' ? out : (line) => out.write(line);
    this.bindings = { ...(opts.name ? { logger: opts.name } : {}), ...opts.bindings };
  }

  child(bindings: Attributes): Logger {
    return new Logger({ ...this.opts, bindings: { ...this.opts.bindings, ...bindings } });
  }

  /** A child carrying a correlation id (generated when not given) on every line. */
  withCorrelationId(correlationId?: string): Logger {
    return this.child({ correlationId: correlationId ?? newSpanId() });
  }

  isLevelEnabled(level: LogLevel): boolean {
    return SEVERITY[level] >= this.threshold;
  }

  trace(msg: string, fields?: Record<string, unknown>): void {
    this.log('trace', msg, fields);
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }
  fatal(msg: string, fields?: Record<string, unknown>): void {
    this.log('fatal', msg, fields);
  }

  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    const severity = SEVERITY[level];
    if (severity < this.threshold) return;
    try {
      const timeUs = nowUs();
      const span = getActiveSpan();
      const valid = span && span.spanId !== '0000000000000000';
      const attrs: Attributes = { ...this.bindings };
      if (fields) for (const k in fields) attrs[k] = serializeValue(fields[k]);
      if (this.write) {
        const line: Record<string, unknown> = { time: usToIso(timeUs), level, msg };
        if (valid) {
          line.traceId = span.traceId;
          line.spanId = span.spanId;
        }
        Object.assign(line, attrs);
        try {
          this.write(`${JSON.stringify(line)}\n`);
        } catch {
          // a broken local sink must not stop export
        }
      }
      exporter?.({
        timeUs,
        severity,
        severityText: level.toUpperCase(),
        body: msg,
        attributes: attrs,
        traceId: valid ? span.traceId : undefined,
        spanId: valid ? span.spanId : undefined,
      });
    } catch {
      // logging must never take the application down
    }
  }
}

export function createLogger(opts?: LoggerOptions): Logger {
  return new Logger(opts);
}
