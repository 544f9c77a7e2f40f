/**
 * Agent runs in the SDK-batch event format (docs/api.md): the end of a run opened by logAgentStart is
 * sent as agent_complete / agent_error, which closes the server's active run and stores its agent span.
 */
import { usToIso } from '../internal/clock.js';
import { ATTR } from '../trace/semconv.js';
import type { Attributes, AttributeValue, ReadableVigilSpan } from '../trace/types.js';
import type { SdkEvent } from './backend.js';

export const str = (v: AttributeValue): string | null => (typeof v === 'string' ? v : null);
export const num = (v: AttributeValue): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function errorOf(span: ReadableVigilSpan): { message: string; type: string; stack: string } | undefined {
  const ex = span.events?.find((e) => e.name === 'exception');
  if (span.statusCode !== 2 && !ex) return undefined;
  const a: Attributes = ex?.attributes ?? {};
  return {
    message: str(a[ATTR.exceptionMessage]) ?? span.statusMessage ?? 'error',
    type: str(a[ATTR.exceptionType]) ?? 'Error',
    stack: str(a[ATTR.exceptionStacktrace]) ?? '',
  };
}

export function agentRunEndEvent(s: ReadableVigilSpan): SdkEvent {
  const a = s.attributes;
  const err = s.statusCode === 2 ? errorOf(s) : undefined;
  const ev: SdkEvent = {
    type: err ? 'agent_error' : 'agent_complete',
    time: usToIso(s.endUs),
    startTime: usToIso(s.startUs),
    agentId: str(a[ATTR.agentId]) ?? s.name,
    runId: s.spanId,
    traceId: s.traceId,
    parentSpanId: s.parentSpanId,
    agentName: str(a[ATTR.agentName]) ?? undefined,
    agentVersion: str(a[ATTR.agentVersion]) ?? undefined,
    sessionId: str(a[ATTR.sessionId]) ?? undefined,
    userId: str(a[ATTR.userId]) ?? undefined,
    input: str(a[ATTR.input]) ?? undefined,
    output: str(a[ATTR.output]) ?? undefined,
    attributes: a,
  };
  if (err) ev.error = err;
  return ev;
}
