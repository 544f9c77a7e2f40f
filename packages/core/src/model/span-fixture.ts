/**
 * A complete SpanRecord for tests: the identifying fields given, everything else a plain internal
 * span (no model, agent, tokens or payloads). Test factories override what they are about.
 */
import type { SpanRecord } from './telemetry.js';

export function spanFixture(o: Partial<SpanRecord> & Pick<SpanRecord, 'traceId' | 'spanId' | 'startUs'>): SpanRecord {
  return {
    project: 'p',
    parentSpanId: null,
    serviceName: 'svc',
    name: 'span',
    kind: 'internal',
    endUs: o.startUs + 1000,
    status: 'ok',
    statusMessage: null,
    model: null,
    provider: null,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    agentId: null,
    agentName: null,
    agentVersion: null,
    sessionId: null,
    userId: null,
    attributes: {},
    events: [],
    input: null,
    output: null,
    ...o,
  };
}
