/**
 * Realistic synthetic AI-agent telemetry for benchmarks: traces of one agent span with LLM, tool and
 * retrieval children, a handful of models/providers with plausible token counts, costs and
 * latencies, ~3% errors with exception events, and OTel-shaped attributes. Deterministic for a seed
 * so every bench sees the same data.
 */
import type { SpanKind, SpanRecord } from '@vigil/core';

export interface MakeSpansOptions {
  /** Project id of every span (default "bench"). */
  project?: string;
  /** First trace start, epoch µs (default: now − spanUs). */
  startUs?: number;
  /** Spread traces evenly over this many µs (default 7 days). Spans come out in start-time order. */
  spanUs?: number;
  /** PRNG seed (default 42). */
  seed?: number;
  /** Agents to draw from (default 12). */
  agents?: number;
  /** Fraction of spans in error (default 0.03). */
  errorRate?: number;
}

const MODELS: { model: string; provider: string; inPrice: number; outPrice: number; ms: number }[] = [
  { model: 'gpt-4o', provider: 'openai', inPrice: 2.5e-6, outPrice: 10e-6, ms: 1800 },
  { model: 'gpt-4o-mini', provider: 'openai', inPrice: 0.15e-6, outPrice: 0.6e-6, ms: 900 },
  { model: 'claude-3-5-sonnet', provider: 'anthropic', inPrice: 3e-6, outPrice: 15e-6, ms: 2200 },
  { model: 'claude-3-5-haiku', provider: 'anthropic', inPrice: 0.8e-6, outPrice: 4e-6, ms: 800 },
  { model: 'gemini-1.5-pro', provider: 'google', inPrice: 1.25e-6, outPrice: 5e-6, ms: 1500 },
  { model: 'llama-3.1-70b', provider: 'groq', inPrice: 0.59e-6, outPrice: 0.79e-6, ms: 400 },
];
const TOOLS = ['web_search', 'sql_query', 'calculator', 'send_email', 'read_file', 'http_get', 'vector_search'];
const SERVICES = ['support-bot', 'research-agent', 'billing-assistant', 'code-reviewer'];

/** mulberry32: tiny, fast, good enough for synthetic data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(r: () => number, chars: number): string {
  let s = '';
  while (s.length < chars)
    s += Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, chars);
}

/** Log-normal-ish latency around a median. */
function latencyMs(r: () => number, medianMs: number): number {
  const z = Math.sqrt(-2 * Math.log(r() || 1e-9)) * Math.cos(2 * Math.PI * r());
  return Math.max(1, medianMs * Math.exp(0.5 * z));
}

/** Generate `n` spans (whole traces, the last one possibly cut) in start-time order. */
export function makeSpans(n: number, opts: MakeSpansOptions = {}): SpanRecord[] {
  const out: SpanRecord[] = [];
  for (const batch of makeSpanBatches(n, 10_000, opts)) for (const s of batch) out.push(s);
  return out;
}

/**
 * Same data as makeSpans, yielded in batches of about `batchSize` spans so that 10M spans never sit
 * in memory at once. Batches hold whole traces; spans within a trace are time ordered.
 */
export function* makeSpanBatches(n: number, batchSize: number, opts: MakeSpansOptions = {}): Generator<SpanRecord[]> {
  const project = opts.project ?? 'bench';
  const spanUs = opts.spanUs ?? 7 * 86_400_000_000;
  const startUs = opts.startUs ?? Date.now() * 1000 - spanUs;
  const r = rng(opts.seed ?? 42);
  const agentCount = opts.agents ?? 12;
  const errorRate = opts.errorRate ?? 0.03;
  let made = 0;
  let batch: SpanRecord[] = [];
  while (made < n) {
    const traceId = hex(r, 32);
    const rootId = hex(r, 16);
    const agentNo = Math.floor(r() * agentCount);
    const agentId = `agent-${agentNo}`;
    const agentName = `Agent ${agentNo}`;
    const agentVersion = `v${1 + (agentNo % 3)}`;
    const serviceName = SERVICES[agentNo % SERVICES.length];
    const sessionId = `sess-${Math.floor(r() * 5000)}`;
    const userId = `user-${Math.floor(r() * 2000)}`;
    // Trace start by progress through the n spans: the data covers [startUs, startUs + spanUs) evenly.
    const t0 = Math.round(startUs + (made / n) * spanUs);
    const children = 3 + Math.floor(r() * 6);
    const kids: SpanRecord[] = [];
    let cursor = t0 + 1000;
    let anyError = false;
    for (let c = 0; c < children && made + 1 + kids.length < n; c++) {
      const p = r();
      const kind: SpanKind = p < 0.45 ? 'llm' : p < 0.8 ? 'tool' : p < 0.95 ? 'retrieval' : 'embedding';
      const isError = r() < errorRate;
      anyError ||= isError;
      const base = {
        project,
        traceId,
        spanId: hex(r, 16),
        parentSpanId: rootId,
        serviceName,
        status: isError ? ('error' as const) : ('ok' as const),
        statusMessage: isError ? 'upstream returned 503' : null,
        agentId,
        agentName,
        agentVersion,
        sessionId,
        userId,
        input: null as string | null,
        output: null as string | null,
        events: isError
          ? [
              {
                name: 'exception',
                timeUs: cursor,
                attributes: {
                  'exception.type': 'UpstreamError',
                  'exception.message': 'upstream returned 503',
                  'exception.stacktrace': 'UpstreamError: upstream returned 503\n    at call (agent.ts:42:11)',
                },
              },
            ]
          : [],
      };
      if (kind === 'llm' || kind === 'embedding') {
        const m = MODELS[Math.floor(r() * MODELS.length)];
        const inTok = kind === 'embedding' ? 50 + Math.floor(r() * 500) : 200 + Math.floor(r() * 3000);
        const outTok = kind === 'embedding' ? 0 : 20 + Math.floor(r() * 800);
        const ms = latencyMs(r, kind === 'embedding' ? 80 : m.ms);
        const cost = inTok * m.inPrice + outTok * m.outPrice;
        kids.push({
          ...base,
          name: kind === 'llm' ? `chat ${m.model}` : `embeddings ${m.model}`,
          kind,
          startUs: cursor,
          endUs: cursor + Math.round(ms * 1000),
          model: m.model,
          provider: m.provider,
          inputTokens: inTok,
          outputTokens: outTok,
          costUsd: cost,
          attributes: {
            'gen_ai.system': m.provider,
            'gen_ai.request.model': m.model,
            'gen_ai.request.temperature': 0.2,
            'gen_ai.usage.input_tokens': inTok,
            'gen_ai.usage.output_tokens': outTok,
            resource: { 'service.name': serviceName, 'deployment.environment': 'prod' },
          },
          input: kind === 'llm' ? 'Summarise the customer ticket and propose a next step.' : null,
          output: kind === 'llm' ? 'The customer reports a billing discrepancy; refund the duplicate charge.' : null,
        });
        cursor += Math.round(ms * 1000) + 200;
      } else {
        const tool = TOOLS[Math.floor(r() * TOOLS.length)];
        const ms = latencyMs(r, kind === 'retrieval' ? 60 : 150);
        kids.push({
          ...base,
          name: kind === 'tool' ? `tool ${tool}` : 'retrieve documents',
          kind,
          startUs: cursor,
          endUs: cursor + Math.round(ms * 1000),
          model: null,
          provider: null,
          inputTokens: null,
          outputTokens: null,
          costUsd: null,
          attributes:
            kind === 'tool'
              ? {
                  'tool.name': tool,
                  'tool.arguments': '{"q":"refund policy"}',
                  resource: { 'service.name': serviceName },
                }
              : { 'retrieval.top_k': 5, 'db.system': 'pgvector', resource: { 'service.name': serviceName } },
        });
        cursor += Math.round(ms * 1000) + 200;
      }
    }
    const root: SpanRecord = {
      project,
      traceId,
      spanId: rootId,
      parentSpanId: null,
      serviceName,
      name: `agent ${agentName}`,
      kind: 'agent',
      startUs: t0,
      endUs: cursor + 500,
      status: anyError ? 'error' : 'ok',
      statusMessage: anyError ? 'a step failed' : null,
      model: null,
      provider: null,
      inputTokens: null,
      outputTokens: null,
      // Cost lives on the spans that incur it; roll-ups sum them, so the agent span carries none.
      costUsd: null,
      agentId,
      agentName,
      agentVersion,
      sessionId,
      userId,
      attributes: { 'agent.id': agentId, 'agent.version': agentVersion, resource: { 'service.name': serviceName } },
      events: [],
      input: 'Customer ticket #4411: I was charged twice this month.',
      output: anyError ? null : 'Refunded the duplicate charge and notified the customer.',
    };
    batch.push(root);
    for (const k of kids) batch.push(canonical(k));
    made += 1 + kids.length;
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * The record rebuilt as one literal in the order the OTLP normaliser writes it, so every bench span
 * has the decoder's object shape (spreading `base` and overriding fields made slow, dictionary-like
 * objects that cost ~20x more per property read than decoded spans and skewed write-path figures).
 */
function canonical(s: SpanRecord): SpanRecord {
  return {
    project: s.project,
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    serviceName: s.serviceName,
    name: s.name,
    kind: s.kind,
    startUs: s.startUs,
    endUs: s.endUs,
    status: s.status,
    statusMessage: s.statusMessage,
    model: s.model,
    provider: s.provider,
    inputTokens: s.inputTokens,
    outputTokens: s.outputTokens,
    costUsd: s.costUsd,
    agentId: s.agentId,
    agentName: s.agentName,
    agentVersion: s.agentVersion,
    sessionId: s.sessionId,
    userId: s.userId,
    attributes: s.attributes,
    events: s.events,
    input: s.input,
    output: s.output,
  };
}
