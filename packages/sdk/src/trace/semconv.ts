/**
 * Attribute keys the SDK writes. Vigil's own kind travels as `vigil.kind`; everything else uses the
 * OpenTelemetry GenAI semantic conventions (or general semconv) so any OTLP backend understands it.
 */
export const VIGIL_KINDS = ['agent', 'llm', 'tool', 'retrieval', 'embedding', 'chain', 'http', 'internal'] as const;
export type VigilKind = (typeof VIGIL_KINDS)[number];

export const ATTR = {
  vigilKind: 'vigil.kind',
  costUsd: 'vigil.cost_usd',
  operation: 'gen_ai.operation.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  provider: 'gen_ai.provider.name',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  agentId: 'gen_ai.agent.id',
  agentName: 'gen_ai.agent.name',
  agentVersion: 'gen_ai.agent.version',
  toolName: 'gen_ai.tool.name',
  conversationId: 'gen_ai.conversation.id',
  sessionId: 'session.id',
  userId: 'user.id',
  /** Prompt / completion payloads (OpenInference names, understood by most LLM backends). */
  input: 'input.value',
  output: 'output.value',
  exceptionType: 'exception.type',
  exceptionMessage: 'exception.message',
  exceptionStacktrace: 'exception.stacktrace',
  serviceName: 'service.name',
} as const;

/** gen_ai.operation.name for the kinds that have one in the GenAI conventions. */
export const DEFAULT_OPERATION: Partial<Record<VigilKind, string>> = {
  agent: 'invoke_agent',
  llm: 'chat',
  embedding: 'embeddings',
  tool: 'execute_tool',
};

/** OTLP Span.SpanKind numbers. */
export const OTEL_KIND = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
export type OtelKindName = keyof typeof OTEL_KIND;

/** Calls that leave the process are CLIENT spans in OTel terms; the rest are INTERNAL. */
export function defaultOtelKind(kind: VigilKind): number {
  return kind === 'llm' || kind === 'embedding' || kind === 'http' || kind === 'retrieval' ? 3 : 1;
}
