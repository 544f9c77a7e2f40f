/**
 * Semantic conventions → Vigil span columns. One pass over a span's attribute keys (a Map lookup
 * each) instead of probing dozens of candidate keys: this runs for every span on the hot path.
 *
 * Sources, in precedence order per column: Vigil's own `vigil.*` (our SDK), OpenTelemetry GenAI
 * semconv (`gen_ai.*`), OpenInference (`openinference.*`, `llm.*`, `input.value`, ...),
 * OpenLLMetry/Traceloop (`traceloop.*`, `llm.usage.*`, `gen_ai.prompt.N.*`). A gap here means a span
 * silently shows zero tokens or cost, so every key below has a test.
 */
import type { Attributes, AttributeValue, SpanEvent, SpanKind } from '../model/telemetry.js';
import { SPAN_KINDS } from '../model/telemetry.js';

enum Col {
  VigilKind,
  GenAiOperation,
  OpenInferenceKind,
  TraceloopKind,
  LlmRequestType,
  Provider,
  Model,
  InputTokens,
  OutputTokens,
  Cost,
  AgentId,
  AgentName,
  AgentVersion,
  Session,
  User,
  Input,
  Output,
  ToolName,
  EntityName,
  Http,
  Count,
}

/** attribute key → [column, precedence] (lower precedence wins). */
const KEY_MAP = new Map<string, [Col, number]>();
function keys(col: Col, ...names: string[]): void {
  for (let i = 0; i < names.length; i++) KEY_MAP.set(names[i], [col, i]);
}
keys(Col.VigilKind, 'vigil.kind');
keys(Col.GenAiOperation, 'gen_ai.operation.name');
keys(Col.OpenInferenceKind, 'openinference.span.kind');
keys(Col.TraceloopKind, 'traceloop.span.kind');
keys(Col.LlmRequestType, 'llm.request.type');
keys(Col.Provider, 'vigil.provider', 'gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system');
keys(
  Col.Model,
  'vigil.model',
  'gen_ai.response.model',
  'gen_ai.request.model',
  'llm.model_name',
  'llm.response.model',
  'llm.request.model',
);
keys(
  Col.InputTokens,
  'vigil.input_tokens',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.token_count.prompt',
  'llm.usage.prompt_tokens',
);
keys(
  Col.OutputTokens,
  'vigil.output_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.token_count.completion',
  'llm.usage.completion_tokens',
);
keys(Col.Cost, 'vigil.cost_usd', 'gen_ai.usage.cost', 'llm.usage.total_cost', 'llm.cost.total');
keys(Col.AgentId, 'vigil.agent.id', 'gen_ai.agent.id');
keys(Col.AgentName, 'vigil.agent.name', 'gen_ai.agent.name', 'agent.name');
keys(Col.AgentVersion, 'vigil.agent.version', 'gen_ai.agent.version');
keys(
  Col.Session,
  'vigil.session.id',
  'gen_ai.conversation.id',
  'session.id',
  'traceloop.association.properties.session_id',
);
keys(Col.User, 'vigil.user.id', 'enduser.id', 'user.id', 'traceloop.association.properties.user_id');
keys(Col.Input, 'vigil.input', 'gen_ai.input.messages', 'gen_ai.prompt', 'input.value', 'traceloop.entity.input');
keys(
  Col.Output,
  'vigil.output',
  'gen_ai.output.messages',
  'gen_ai.completion',
  'output.value',
  'traceloop.entity.output',
);
keys(Col.ToolName, 'vigil.tool.name', 'gen_ai.tool.name', 'tool.name');
keys(Col.EntityName, 'traceloop.entity.name');
keys(Col.Http, 'http.request.method', 'http.method', 'http.route', 'url.full', 'http.url', 'http.target');

const GEN_AI_OPERATIONS: Record<string, SpanKind> = {
  chat: 'llm',
  text_completion: 'llm',
  generate_content: 'llm',
  completion: 'llm',
  embeddings: 'embedding',
  embedding: 'embedding',
  execute_tool: 'tool',
  invoke_agent: 'agent',
  create_agent: 'agent',
  retrieval: 'retrieval',
};

const OPENINFERENCE_KINDS: Record<string, SpanKind> = {
  LLM: 'llm',
  CHAIN: 'chain',
  TOOL: 'tool',
  RETRIEVER: 'retrieval',
  EMBEDDING: 'embedding',
  AGENT: 'agent',
  RERANKER: 'retrieval',
  GUARDRAIL: 'chain',
  EVALUATOR: 'chain',
};

const TRACELOOP_KINDS: Record<string, SpanKind> = {
  workflow: 'chain',
  task: 'chain',
  agent: 'agent',
  tool: 'tool',
};

const LLM_REQUEST_TYPES: Record<string, SpanKind> = {
  chat: 'llm',
  completion: 'llm',
  embedding: 'embedding',
  rerank: 'retrieval',
};

const VALID_KINDS = new Set<string>(SPAN_KINDS);

// gen_ai.prompt.3.content, llm.input_messages.0.message.content, ...
const INDEXED_INPUT = /^(?:gen_ai\.prompt|llm\.input_messages)\.(\d+)\.(?:message\.)?(content|role)$/;
const INDEXED_OUTPUT = /^(?:gen_ai\.completion|llm\.output_messages)\.(\d+)\.(?:message\.)?(content|role)$/;

export interface SpanColumns {
  kind: SpanKind;
  provider: string | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  agentId: string | null;
  agentName: string | null;
  agentVersion: string | null;
  sessionId: string | null;
  userId: string | null;
  toolName: string | null;
  input: string | null;
  output: string | null;
}

function text(v: AttributeValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function num(v: AttributeValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : null;
  }
  return null;
}

interface Indexed {
  index: number;
  role?: string;
  content?: string;
}

function addIndexed(list: Indexed[], index: number, content: boolean, value: string): void {
  let item: Indexed | undefined;
  for (let i = 0; i < list.length; i++) {
    if (list[i].index === index) {
      item = list[i];
      break;
    }
  }
  if (item === undefined) {
    item = { index };
    list.push(item);
  }
  if (content) item.content = value;
  else item.role = value;
}

function joinMessages(list: Indexed[]): string | null {
  // One message (the common case): no filter/sort/map arrays.
  if (list.length === 1) {
    const x = list[0];
    if (x.content === undefined) return null;
    return x.role ? `${x.role}: ${x.content}` : x.content;
  }
  const parts = list
    .filter((x) => x.content !== undefined)
    .sort((a, b) => a.index - b.index)
    .map((x) => (x.role ? `${x.role}: ${x.content}` : (x.content as string)));
  return parts.length === 0 ? null : parts.join('\n\n');
}

/** Content of a gen_ai.* span event: semconv puts it in `content` / `gen_ai.*.messages`, older ones elsewhere. */
function eventContent(e: SpanEvent): string | null {
  const a = e.attributes;
  return (
    text(a.content) ??
    text(a['gen_ai.event.content']) ??
    text(a['gen_ai.prompt']) ??
    text(a['gen_ai.completion']) ??
    text(a.message) ??
    text(a['message.content'])
  );
}

function fromEvents(events: SpanEvent[]): { input: string | null; output: string | null } {
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (const e of events) {
    const n = e.name;
    if (!n.startsWith('gen_ai.')) continue;
    if (n === 'gen_ai.client.inference.operation.details') {
      const i = text(e.attributes['gen_ai.input.messages']);
      const o = text(e.attributes['gen_ai.output.messages']);
      if (i) inputs.push(i);
      if (o) outputs.push(o);
      continue;
    }
    const c = eventContent(e);
    if (c === null) continue;
    if (n === 'gen_ai.choice' || n === 'gen_ai.content.completion') outputs.push(c);
    else if (n.endsWith('.message') || n === 'gen_ai.content.prompt') {
      const role = n.slice('gen_ai.'.length, -'.message'.length);
      inputs.push(n.endsWith('.message') ? `${role}: ${c}` : c);
    }
  }
  return {
    input: inputs.length ? inputs.join('\n\n') : null,
    output: outputs.length ? outputs.join('\n\n') : null,
  };
}

const TAG_NONE = 0;
/** An indexed-looking key whose index is too large to encode: parsed again at each use. */
const TAG_INDEXED = -2;
/** Tags at or below this encode a parsed indexed key: -(TAG_PARSED_BASE + (index << 2 | output << 1 | content)). */
const TAG_PARSED_BASE = 3;
const MAX_ENCODED_INDEX = 0xfffff;

/**
 * A key's role as one small integer, cacheable per distinct key: 0 none, else (column << 4) |
 * (precedence + 1) for a column key, negative for an indexed prompt/completion key (its regex
 * parse encoded, so it runs once per distinct key rather than once per attribute).
 */
export function conventionTag(key: string): number {
  const hit = KEY_MAP.get(key);
  if (hit !== undefined) return (hit[0] << 4) | (hit[1] + 1);
  if (
    key.startsWith('gen_ai.prompt.') ||
    key.startsWith('gen_ai.completion.') ||
    key.startsWith('llm.input_messages.') ||
    key.startsWith('llm.output_messages.')
  ) {
    let m = INDEXED_INPUT.exec(key);
    let output = 0;
    if (m === null) {
      m = INDEXED_OUTPUT.exec(key);
      output = 1;
    }
    if (m === null) return TAG_NONE;
    const index = Number(m[1]);
    if (!(index <= MAX_ENCODED_INDEX)) return TAG_INDEXED;
    return -(TAG_PARSED_BASE + ((index << 2) | (output << 1) | (m[2] === 'content' ? 1 : 0)));
  }
  return TAG_NONE;
}

/** What observe() says to do with an attribute. */
export const KEEP = 0;
/** The value became input/output: do not store it again in the raw attributes. */
export const PAYLOAD = 1;

/**
 * Streaming form of the mapping, fed one attribute at a time so the protobuf decoder can map while
 * it decodes (no second pass over the attributes). One instance is reused across spans: reset()
 * before each span, observe() every attribute, finish() once.
 */
export class ConventionScanner {
  private readonly vals: (AttributeValue | undefined)[] = new Array(Col.Count).fill(undefined);
  private readonly prec: number[] = new Array(Col.Count).fill(0);
  private inputList: Indexed[] | null = null;
  private outputList: Indexed[] | null = null;
  private touched = false;

  reset(): void {
    if (this.touched) {
      this.vals.fill(undefined);
      this.touched = false;
    }
    this.inputList = null;
    this.outputList = null;
  }

  /** Returns KEEP or PAYLOAD (the caller then leaves the attribute out of the raw attributes). */
  observe(key: string, v: AttributeValue): number {
    return this.observeTagged(conventionTag(key), key, v);
  }

  /** observe() with the key's conventionTag() already known (the protobuf decoder caches it per key). */
  observeTagged(tag: number, key: string, v: AttributeValue): number {
    if (tag === TAG_NONE) return KEEP;
    if (tag > 0) {
      if (v === null || v === '') return KEEP;
      const col = tag >> 4;
      const p = (tag & 15) - 1;
      const vals = this.vals;
      if (vals[col] === undefined || p < this.prec[col]) {
        vals[col] = v;
        this.prec[col] = p;
        this.touched = true;
      }
      return col === Col.Input || col === Col.Output ? PAYLOAD : KEEP;
    }
    // Indexed prompt/completion keys (OpenLLMetry gen_ai.prompt.N.*, OpenInference llm.*_messages.N.*).
    let index: number;
    let output: boolean;
    let content: boolean;
    if (tag === TAG_INDEXED) {
      let m = INDEXED_INPUT.exec(key);
      output = false;
      if (m === null) {
        m = INDEXED_OUTPUT.exec(key);
        output = true;
      }
      if (m === null) return KEEP;
      index = Number(m[1]);
      content = m[2] === 'content';
    } else {
      const bits = -tag - TAG_PARSED_BASE;
      index = bits >>> 2;
      output = (bits & 2) !== 0;
      content = (bits & 1) !== 0;
    }
    const t = text(v);
    if (t !== null) {
      if (output) {
        this.outputList ??= [];
        addIndexed(this.outputList, index, content, t);
      } else {
        this.inputList ??= [];
        addIndexed(this.inputList, index, content, t);
      }
    }
    return content ? PAYLOAD : KEEP;
  }

  /** Resolves the columns; `otlpKind` 2 (server) / 3 (client) with http.* attributes means an HTTP span. */
  finish(events: SpanEvent[], otlpKind: number): SpanColumns {
    const vals = this.vals;
    const model = text(vals[Col.Model]);
    const provider = text(vals[Col.Provider]);

    let kind: SpanKind | undefined;
    const vk = text(vals[Col.VigilKind]);
    if (vk !== null && VALID_KINDS.has(vk)) kind = vk as SpanKind;
    if (vals[Col.GenAiOperation] !== undefined) kind ??= GEN_AI_OPERATIONS[text(vals[Col.GenAiOperation]) ?? ''];
    if (vals[Col.OpenInferenceKind] !== undefined)
      kind ??= OPENINFERENCE_KINDS[(text(vals[Col.OpenInferenceKind]) ?? '').toUpperCase()];
    if (vals[Col.TraceloopKind] !== undefined)
      kind ??= TRACELOOP_KINDS[(text(vals[Col.TraceloopKind]) ?? '').toLowerCase()];
    if (vals[Col.LlmRequestType] !== undefined) kind ??= LLM_REQUEST_TYPES[text(vals[Col.LlmRequestType]) ?? ''];
    if (kind === undefined && (model !== null || provider !== null)) kind = 'llm';
    if (kind === undefined && (otlpKind === 2 || otlpKind === 3) && vals[Col.Http] !== undefined) kind = 'http';
    kind ??= 'internal';

    let agentName = text(vals[Col.AgentName]);
    const entityName = text(vals[Col.EntityName]);
    if (agentName === null && kind === 'agent' && entityName !== null) agentName = entityName;
    let toolName = text(vals[Col.ToolName]);
    if (toolName === null && kind === 'tool' && entityName !== null) toolName = entityName;

    let input = text(vals[Col.Input]) ?? (this.inputList ? joinMessages(this.inputList) : null);
    let output = text(vals[Col.Output]) ?? (this.outputList ? joinMessages(this.outputList) : null);
    if ((input === null || output === null) && events.length > 0) {
      const ev = fromEvents(events);
      input ??= ev.input;
      output ??= ev.output;
    }

    return {
      kind,
      provider,
      model,
      inputTokens: num(vals[Col.InputTokens]),
      outputTokens: num(vals[Col.OutputTokens]),
      costUsd: num(vals[Col.Cost]),
      agentId: text(vals[Col.AgentId]),
      agentName,
      agentVersion: text(vals[Col.AgentVersion]),
      sessionId: text(vals[Col.Session]),
      userId: text(vals[Col.User]),
      toolName,
      input,
      output,
    };
  }
}

/**
 * Maps a finished attribute map (and gen_ai.* events) onto columns; deletes the attributes whose
 * content became input/output. Used where attributes arrive as a whole (SDK batch).
 */
export function mapSpanConventions(attrs: Attributes, events: SpanEvent[], otlpKind: number): SpanColumns {
  const scanner = new ConventionScanner();
  const payloadKeys: string[] = [];
  for (const key in attrs) {
    if (scanner.observe(key, attrs[key]) === PAYLOAD) payloadKeys.push(key);
  }
  for (const k of payloadKeys) delete attrs[k];
  return scanner.finish(events, otlpKind);
}
