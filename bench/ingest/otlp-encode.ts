/**
 * SpanRecords (bench/lib makeSpans) → OTLP ExportTraceServiceRequest protobuf bytes with the
 * official serializer, carrying the same data as OTel GenAI attributes, so the server bench and the
 * raw-insert baseline work on the same rows.
 */
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanRecord } from '@vigil/core';

const resources = new Map<string, Resource>();
const scope = { name: 'vigil-bench', version: '1.0.0' };

function hr(us: number): [number, number] {
  const s = Math.floor(us / 1e6);
  return [s, Math.round((us - s * 1e6) * 1000)];
}

function toReadable(r: SpanRecord): ReadableSpan {
  let resource = resources.get(r.serviceName);
  if (!resource) {
    resource = resourceFromAttributes({ 'service.name': r.serviceName, 'telemetry.sdk.language': 'nodejs' });
    resources.set(r.serviceName, resource);
  }
  const attributes: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(r.attributes)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes[k] = v;
  }
  if (r.agentId) attributes['gen_ai.agent.id'] = r.agentId;
  if (r.agentName) attributes['gen_ai.agent.name'] = r.agentName;
  if (r.sessionId) attributes['session.id'] = r.sessionId;
  if (r.userId) attributes['user.id'] = r.userId;
  if (r.kind === 'agent') attributes['gen_ai.operation.name'] = 'invoke_agent';
  if (r.kind === 'tool') attributes['gen_ai.operation.name'] = 'execute_tool';
  if (r.kind === 'llm' || r.kind === 'embedding') {
    attributes['gen_ai.operation.name'] = r.kind === 'llm' ? 'chat' : 'embeddings';
    if (r.provider) attributes['gen_ai.system'] = r.provider;
    if (r.model) attributes['gen_ai.request.model'] = r.model;
    if (r.inputTokens != null) attributes['gen_ai.usage.input_tokens'] = r.inputTokens;
    if (r.outputTokens != null) attributes['gen_ai.usage.output_tokens'] = r.outputTokens;
  }
  const ctx = { traceId: r.traceId, spanId: r.spanId, traceFlags: 1 };
  return {
    name: r.name,
    kind: r.kind === 'llm' || r.kind === 'embedding' || r.kind === 'http' ? 2 : 0,
    spanContext: () => ctx,
    parentSpanContext: r.parentSpanId ? { traceId: r.traceId, spanId: r.parentSpanId, traceFlags: 1 } : undefined,
    startTime: hr(r.startUs),
    endTime: hr(r.endUs),
    duration: hr(r.endUs - r.startUs),
    status: { code: r.status === 'error' ? 2 : r.status === 'ok' ? 1 : 0, message: r.statusMessage ?? undefined },
    attributes,
    links: [],
    events: r.events.map((e) => ({
      name: e.name,
      time: hr(e.timeUs),
      attributes: e.attributes as Record<string, string>,
    })),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  } as unknown as ReadableSpan;
}

export function encodeSpans(rows: readonly SpanRecord[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(rows.map(toReadable));
  if (!bytes) throw new Error('serializer returned nothing');
  return bytes;
}
