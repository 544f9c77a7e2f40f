import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Attributes, SpanEvent } from '../model/telemetry.js';
import { mapSpanConventions, type SpanColumns } from './conventions.js';
import { decodeOtlpTraces } from './otlp.js';
import { createPriceTable } from './prices.js';
import { defaultIngestLimits } from './types.js';

function cols(attrs: Attributes, events: SpanEvent[] = [], otlpKind = 1): SpanColumns {
  return mapSpanConventions({ ...attrs }, events, otlpKind);
}

describe('span kind', () => {
  const cases: [Attributes, string][] = [
    [{ 'gen_ai.operation.name': 'chat' }, 'llm'],
    [{ 'gen_ai.operation.name': 'text_completion' }, 'llm'],
    [{ 'gen_ai.operation.name': 'generate_content' }, 'llm'],
    [{ 'gen_ai.operation.name': 'embeddings' }, 'embedding'],
    [{ 'gen_ai.operation.name': 'execute_tool' }, 'tool'],
    [{ 'gen_ai.operation.name': 'invoke_agent' }, 'agent'],
    [{ 'gen_ai.operation.name': 'create_agent' }, 'agent'],
    [{ 'openinference.span.kind': 'LLM' }, 'llm'],
    [{ 'openinference.span.kind': 'CHAIN' }, 'chain'],
    [{ 'openinference.span.kind': 'TOOL' }, 'tool'],
    [{ 'openinference.span.kind': 'RETRIEVER' }, 'retrieval'],
    [{ 'openinference.span.kind': 'EMBEDDING' }, 'embedding'],
    [{ 'openinference.span.kind': 'AGENT' }, 'agent'],
    [{ 'openinference.span.kind': 'RERANKER' }, 'retrieval'],
    [{ 'openinference.span.kind': 'GUARDRAIL' }, 'chain'],
    [{ 'openinference.span.kind': 'llm' }, 'llm'],
    [{ 'traceloop.span.kind': 'workflow' }, 'chain'],
    [{ 'traceloop.span.kind': 'task' }, 'chain'],
    [{ 'traceloop.span.kind': 'agent' }, 'agent'],
    [{ 'traceloop.span.kind': 'tool' }, 'tool'],
    [{ 'llm.request.type': 'chat' }, 'llm'],
    [{ 'llm.request.type': 'embedding' }, 'embedding'],
    [{ 'vigil.kind': 'retrieval' }, 'retrieval'],
    [{ 'vigil.kind': 'bogus', 'gen_ai.operation.name': 'chat' }, 'llm'],
    [{ 'vigil.kind': 'tool', 'gen_ai.operation.name': 'chat' }, 'tool'],
    [{ 'gen_ai.system': 'openai' }, 'llm'],
    [{ 'llm.model_name': 'gpt-4o' }, 'llm'],
    [{}, 'internal'],
  ];
  for (const [attrs, kind] of cases) {
    test(`${JSON.stringify(attrs)} → ${kind}`, () => assert.equal(cols(attrs).kind, kind));
  }
  test('HTTP only for server/client spans with http.* attributes', () => {
    assert.equal(cols({ 'http.request.method': 'GET' }, [], 2).kind, 'http');
    assert.equal(cols({ 'http.method': 'GET' }, [], 3).kind, 'http');
    assert.equal(cols({ 'url.full': 'http://x' }, [], 3).kind, 'http');
    assert.equal(cols({ 'http.request.method': 'GET' }, [], 1).kind, 'internal');
    assert.equal(cols({}, [], 2).kind, 'internal');
  });
});

describe('column mappings', () => {
  const cases: [string, Attributes, Partial<SpanColumns>][] = [
    ['gen_ai.system → provider', { 'gen_ai.system': 'anthropic' }, { provider: 'anthropic' }],
    [
      'gen_ai.provider.name beats gen_ai.system',
      { 'gen_ai.system': 'az.ai.openai', 'gen_ai.provider.name': 'azure.ai.openai' },
      { provider: 'azure.ai.openai' },
    ],
    ['llm.provider', { 'llm.provider': 'openai' }, { provider: 'openai' }],
    ['llm.system', { 'llm.system': 'anthropic' }, { provider: 'anthropic' }],
    ['vigil.provider wins', { 'vigil.provider': 'mine', 'gen_ai.system': 'openai' }, { provider: 'mine' }],
    ['gen_ai.request.model', { 'gen_ai.request.model': 'gpt-4o' }, { model: 'gpt-4o' }],
    [
      'gen_ai.response.model beats request',
      { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o-2024-08-06' },
      { model: 'gpt-4o-2024-08-06' },
    ],
    ['llm.model_name', { 'llm.model_name': 'claude-3-5-sonnet' }, { model: 'claude-3-5-sonnet' }],
    ['llm.request.model (OpenLLMetry)', { 'llm.request.model': 'gpt-3.5-turbo' }, { model: 'gpt-3.5-turbo' }],
    ['vigil.model', { 'vigil.model': 'm' }, { model: 'm' }],
    [
      'gen_ai.usage.input/output_tokens',
      { 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 20 },
      { inputTokens: 10, outputTokens: 20 },
    ],
    [
      'gen_ai.usage.prompt/completion_tokens (old)',
      { 'gen_ai.usage.prompt_tokens': 11, 'gen_ai.usage.completion_tokens': 21 },
      { inputTokens: 11, outputTokens: 21 },
    ],
    [
      'llm.token_count.prompt/completion',
      { 'llm.token_count.prompt': 12, 'llm.token_count.completion': 22 },
      { inputTokens: 12, outputTokens: 22 },
    ],
    [
      'llm.usage.prompt/completion_tokens',
      { 'llm.usage.prompt_tokens': 13, 'llm.usage.completion_tokens': 23 },
      { inputTokens: 13, outputTokens: 23 },
    ],
    [
      'vigil.input/output_tokens',
      { 'vigil.input_tokens': 14, 'vigil.output_tokens': 24 },
      { inputTokens: 14, outputTokens: 24 },
    ],
    ['token counts as strings', { 'gen_ai.usage.input_tokens': '15' }, { inputTokens: 15 }],
    ['negative tokens ignored', { 'gen_ai.usage.input_tokens': -1 }, { inputTokens: null }],
    ['gen_ai.usage.cost', { 'gen_ai.usage.cost': 0.5 }, { costUsd: 0.5 }],
    ['llm.usage.total_cost', { 'llm.usage.total_cost': 0.25 }, { costUsd: 0.25 }],
    ['vigil.cost_usd wins', { 'vigil.cost_usd': 0.1, 'gen_ai.usage.cost': 9 }, { costUsd: 0.1 }],
    [
      'gen_ai.agent.*',
      { 'gen_ai.agent.id': 'a1', 'gen_ai.agent.name': 'planner', 'gen_ai.agent.version': '3' },
      { agentId: 'a1', agentName: 'planner', agentVersion: '3' },
    ],
    [
      'vigil.agent.*',
      { 'vigil.agent.id': 'a2', 'vigil.agent.name': 'n', 'vigil.agent.version': 'v' },
      { agentId: 'a2', agentName: 'n', agentVersion: 'v' },
    ],
    [
      'traceloop agent name',
      { 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'researcher' },
      { agentName: 'researcher' },
    ],
    [
      'traceloop tool name',
      { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'search' },
      { toolName: 'search' },
    ],
    ['gen_ai.tool.name', { 'gen_ai.tool.name': 'get_weather' }, { toolName: 'get_weather' }],
    ['tool.name (OpenInference)', { 'tool.name': 'calc' }, { toolName: 'calc' }],
    ['gen_ai.conversation.id → session', { 'gen_ai.conversation.id': 'c1' }, { sessionId: 'c1' }],
    ['session.id', { 'session.id': 's1' }, { sessionId: 's1' }],
    ['traceloop session', { 'traceloop.association.properties.session_id': 's2' }, { sessionId: 's2' }],
    ['enduser.id', { 'enduser.id': 'u1' }, { userId: 'u1' }],
    ['user.id', { 'user.id': 'u2' }, { userId: 'u2' }],
    [
      'vigil.session.id / vigil.user.id',
      { 'vigil.session.id': 's', 'vigil.user.id': 'u' },
      { sessionId: 's', userId: 'u' },
    ],
    ['input.value / output.value', { 'input.value': 'q', 'output.value': 'a' }, { input: 'q', output: 'a' }],
    [
      'gen_ai.prompt / gen_ai.completion',
      { 'gen_ai.prompt': 'p', 'gen_ai.completion': 'c' },
      { input: 'p', output: 'c' },
    ],
    [
      'gen_ai.input/output.messages',
      { 'gen_ai.input.messages': '[1]', 'gen_ai.output.messages': '[2]' },
      { input: '[1]', output: '[2]' },
    ],
    [
      'structured messages are JSON',
      { 'gen_ai.input.messages': [{ role: 'user' }] as unknown as Attributes[string] },
      { input: '[{"role":"user"}]' },
    ],
    [
      'traceloop.entity.input/output',
      { 'traceloop.entity.input': 'i', 'traceloop.entity.output': 'o' },
      { input: 'i', output: 'o' },
    ],
    ['vigil.input/output', { 'vigil.input': 'vi', 'vigil.output': 'vo' }, { input: 'vi', output: 'vo' }],
    [
      'gen_ai.prompt.N.content (OpenLLMetry), in index order',
      {
        'gen_ai.prompt.1.role': 'user',
        'gen_ai.prompt.1.content': 'hello',
        'gen_ai.prompt.0.role': 'system',
        'gen_ai.prompt.0.content': 'be nice',
        'gen_ai.completion.0.role': 'assistant',
        'gen_ai.completion.0.content': 'hi!',
      },
      { input: 'system: be nice\n\nuser: hello', output: 'assistant: hi!' },
    ],
    [
      'llm.input_messages.N.message.content (OpenInference)',
      {
        'llm.input_messages.0.message.role': 'user',
        'llm.input_messages.0.message.content': 'q?',
        'llm.output_messages.0.message.content': 'a!',
      },
      { input: 'user: q?', output: 'a!' },
    ],
  ];
  for (const [name, attrs, expected] of cases) {
    test(name, () => {
      const c = cols(attrs);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof SpanColumns], v, k);
    });
  }

  test('payload attributes are removed from the raw attributes, roles kept', () => {
    const attrs: Attributes = {
      'gen_ai.prompt.0.content': 'x',
      'gen_ai.prompt.0.role': 'user',
      'input.value': 'y',
      other: 1,
    };
    mapSpanConventions(attrs, [], 1);
    assert.deepEqual(attrs, { 'gen_ai.prompt.0.role': 'user', other: 1 });
  });

  test('prompt and completion from gen_ai.* events', () => {
    const ev = (name: string, attributes: Attributes): SpanEvent => ({ name, timeUs: 1, attributes });
    const c = cols({}, [
      ev('gen_ai.system.message', { content: 'be brief' }),
      ev('gen_ai.user.message', { content: 'hi' }),
      ev('gen_ai.choice', { message: '{"content":"hello"}' }),
      ev('exception', { 'exception.message': 'not content' }),
    ]);
    assert.equal(c.input, 'system: be brief\n\nuser: hi');
    assert.equal(c.output, '{"content":"hello"}');
    const old = cols({}, [
      ev('gen_ai.content.prompt', { 'gen_ai.prompt': 'P' }),
      ev('gen_ai.content.completion', { 'gen_ai.completion': 'C' }),
    ]);
    assert.deepEqual([old.input, old.output], ['P', 'C']);
    const details = cols({}, [
      ev('gen_ai.client.inference.operation.details', { 'gen_ai.input.messages': 'I', 'gen_ai.output.messages': 'O' }),
    ]);
    assert.deepEqual([details.input, details.output], ['I', 'O']);
  });
});

describe('conventions through the OTLP decoder', () => {
  function decode(attributes: Attributes) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'svc' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const now = Date.now();
    provider
      .getTracer('t')
      .startSpan('s', { startTime: now - 10, attributes: attributes as never })
      .end(now - 5);
    const body = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()) as Uint8Array;
    return decodeOtlpTraces(body, 'protobuf', {
      project: 'p',
      nowUs: now * 1000,
      limits: defaultIngestLimits,
      prices: createPriceTable(),
    }).rows[0];
  }

  test('OpenInference LLM span gets tokens, cost, payloads, session and user', () => {
    const s = decode({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.provider': 'openai',
      'llm.token_count.prompt': 1000,
      'llm.token_count.completion': 500,
      'input.value': 'question',
      'output.value': 'answer',
      'session.id': 'sess',
      'user.id': 'usr',
    });
    assert.equal(s.kind, 'llm');
    assert.equal(s.model, 'gpt-4o-mini');
    assert.equal(s.provider, 'openai');
    assert.deepEqual([s.inputTokens, s.outputTokens], [1000, 500]);
    assert.ok(s.costUsd !== null && s.costUsd > 0);
    assert.deepEqual([s.input, s.output, s.sessionId, s.userId], ['question', 'answer', 'sess', 'usr']);
    assert.equal(s.attributes['input.value'], undefined);
  });

  test('OpenLLMetry LLM span (llm.request.type, gen_ai.system, llm.usage.*) is priced', () => {
    const s = decode({
      'llm.request.type': 'chat',
      'gen_ai.system': 'Anthropic',
      'gen_ai.request.model': 'claude-3-5-sonnet-20241022',
      'llm.usage.prompt_tokens': 2000,
      'llm.usage.completion_tokens': 100,
      'gen_ai.prompt.0.content': 'hi',
      'gen_ai.completion.0.content': 'hello',
    });
    assert.equal(s.kind, 'llm');
    assert.equal(s.provider, 'Anthropic');
    assert.ok(s.costUsd !== null && Math.abs(s.costUsd - (2000 * 3 + 100 * 15) / 1e6) < 1e-9, String(s.costUsd));
    assert.deepEqual([s.input, s.output], ['hi', 'hello']);
  });

  test('indexed prompt keys decode as through mapSpanConventions (leading zeros, huge index, near misses)', () => {
    const attrs: Attributes = {
      'gen_ai.prompt.007.role': 'user',
      'gen_ai.prompt.007.content': 'seven',
      'gen_ai.prompt.2.content': 'two',
      'gen_ai.prompt.99999999999.content': 'huge',
      'gen_ai.prompt.99999999999.role': 'tool',
      'gen_ai.prompt.x.content': 'kept as an attribute',
      'llm.output_messages.1.message.role': 'assistant',
      'llm.output_messages.1.message.content': 'out',
      'gen_ai.completion.0.role': '',
      'gen_ai.completion.0.content': 'first',
    };
    const s = decode(attrs);
    const expected = cols(attrs);
    assert.equal(s.input, expected.input);
    assert.equal(s.output, expected.output);
    assert.equal(s.input, 'two\n\nuser: seven\n\ntool: huge');
    assert.equal(s.output, 'first\n\nassistant: out');
    assert.deepEqual(Object.keys(s.attributes).sort(), [
      'gen_ai.completion.0.role',
      'gen_ai.prompt.007.role',
      'gen_ai.prompt.99999999999.role',
      'gen_ai.prompt.x.content',
      'llm.output_messages.1.message.role',
      'resource',
    ]);
  });

  test('an explicit cost attribute is used as is', () => {
    const s = decode({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10, 'vigil.cost_usd': 1.5 });
    assert.equal(s.costUsd, 1.5);
  });

  test('an unknown model gives a null cost, not zero', () => {
    const s = decode({ 'gen_ai.request.model': 'my-private-finetune-xyz', 'gen_ai.usage.input_tokens': 10 });
    assert.equal(s.costUsd, null);
  });
});
