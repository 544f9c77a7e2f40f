/** OTLP request bodies for e2e tests and benches, built with the official SDK and serializers. */
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** Real ReadableSpans made by the OTel SDK: `count` LLM spans under one agent span per 8. */
export async function makeOtelSpans(
  count: number,
  opts: { service?: string; attributes?: Record<string, string | number | boolean>; name?: string } = {},
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.service ?? 'fixture' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('fixture');
  for (let i = 0; i < count; i++) {
    const span = tracer.startSpan(opts.name ?? `chat ${i}`, {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': i % 2 ? 'gpt-4o-mini' : 'gpt-4o',
        'gen_ai.usage.input_tokens': 100 + (i % 50),
        'gen_ai.usage.output_tokens': 20 + (i % 30),
        'gen_ai.agent.id': `agent-${i % 8}`,
        ...opts.attributes,
      },
    });
    span.end();
  }
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

export function toProtobuf(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('serializer returned nothing');
  return bytes;
}

/** A hand-written OTLP/JSON ExportTraceServiceRequest with one span per entry. */
export function otlpJsonSpans(
  spans: {
    traceId: string;
    spanId: string;
    name: string;
    startNs: bigint;
    endNs: bigint;
    attributes?: { key: string; value: Record<string, unknown> }[];
  }[],
  service = 'json-fixture',
): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'fixture' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              name: s.name,
              kind: 1,
              startTimeUnixNano: String(s.startNs),
              endTimeUnixNano: String(s.endNs),
              attributes: s.attributes ?? [],
            })),
          },
        ],
      },
    ],
  });
}

export function nowNs(offsetMs = 0): bigint {
  return BigInt(Date.now() + offsetMs) * 1_000_000n;
}
