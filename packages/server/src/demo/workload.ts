/**
 * `vigil demo`: a realistic AI-agent workload driven through @vigil/sdk against a running server.
 *
 * Several agents (support triage, research, code review, billing, data analysis) plan with one LLM,
 * call tools (web search, SQL, HTTP, vector retrieval with embeddings), retry rate-limited calls,
 * hit timeouts and tool failures with real stacks, and answer with another LLM. Sessions and users
 * repeat; latency and cost spike now and then; metrics, system usage and correlated logs go along.
 *
 * Time is compressed but timestamps stay realistic: each run is laid out on a virtual timeline of
 * plausible durations (seconds per LLM call) that ends at the real moment the run completes, and its
 * agent_start is sent while the run is "in flight", so active agents show on the dashboard.
 */
import {
  type AnalyticsService,
  createAnalyticsService,
  type Logger,
  NoopTracer,
  readSystemUsage,
  runWithSpan,
  type SpanLike,
} from '@vigil/sdk';

export interface DemoOptions {
  url: string;
  apiKey: string;
  durationS: number;
  onProgress?: (p: { elapsedS: number; spans: number; errors: number }) => void;
  /** Concurrent agent runs. Default 12. */
  concurrency?: number;
  /** Deterministic runs for tests. */
  seed?: number;
}

interface ModelSpec {
  model: string;
  provider: string;
  /** Typical latency per 1k output tokens, ms. */
  msPerKOut: number;
}

const MODELS: Record<string, ModelSpec> = {
  'gpt-4o': { model: 'gpt-4o', provider: 'openai', msPerKOut: 9000 },
  'gpt-4o-mini': { model: 'gpt-4o-mini', provider: 'openai', msPerKOut: 5000 },
  'claude-sonnet-4': { model: 'claude-sonnet-4', provider: 'anthropic', msPerKOut: 11000 },
  'gemini-1.5-pro': { model: 'gemini-1.5-pro', provider: 'google', msPerKOut: 8000 },
  'llama-3-70b': { model: 'llama-3-70b', provider: 'groq', msPerKOut: 2500 },
};

type ToolName = 'web_search' | 'sql_query' | 'http_get' | 'vector_search';

interface AgentSpec {
  id: string;
  name: string;
  version: string;
  planner: string;
  responder: string;
  tools: ToolName[];
  prompts: string[];
}

const AGENTS: AgentSpec[] = [
  {
    id: 'support-triage',
    name: 'Support Triage',
    version: '2.3.1',
    planner: 'gpt-4o-mini',
    responder: 'gpt-4o',
    tools: ['vector_search', 'http_get', 'sql_query'],
    prompts: [
      'My invoice shows a double charge',
      'How do I reset 2FA?',
      'The export button does nothing',
      'Cancel my plan',
    ],
  },
  {
    id: 'research',
    name: 'Research Assistant',
    version: '1.8.0',
    planner: 'claude-sonnet-4',
    responder: 'claude-sonnet-4',
    tools: ['web_search', 'vector_search', 'http_get'],
    prompts: ['Summarise recent work on speculative decoding', 'Compare vector databases for 100M embeddings'],
  },
  {
    id: 'code-review',
    name: 'Code Reviewer',
    version: '3.0.2',
    planner: 'gpt-4o',
    responder: 'gemini-1.5-pro',
    tools: ['http_get', 'vector_search'],
    prompts: ['Review PR #4812: retry logic in the exporter', 'Review PR #4820: SQL migration for retention'],
  },
  {
    id: 'billing',
    name: 'Billing Agent',
    version: '1.2.0',
    planner: 'llama-3-70b',
    responder: 'gpt-4o-mini',
    tools: ['sql_query', 'http_get'],
    prompts: ['Refund order 99812', 'Why did my usage bill go up?', 'Apply the annual discount'],
  },
  {
    id: 'data-analyst',
    name: 'Data Analyst',
    version: '0.9.4',
    planner: 'gpt-4o',
    responder: 'llama-3-70b',
    tools: ['sql_query', 'sql_query', 'web_search'],
    prompts: ['Weekly active users by plan', 'Churn drivers last quarter'],
  },
];

const USERS = Array.from({ length: 14 }, (_, i) => `user-${(1000 + i * 37).toString(36)}`);

/** Small seedable PRNG (mulberry32); its state can be saved and restored to replay a run. */
class Rng {
  constructor(public state: number) {
    this.state >>>= 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class RateLimitError extends Error {
  override name = 'RateLimitError';
  readonly status = 429;
}
class ToolTimeoutError extends Error {
  override name = 'TimeoutError';
}
class QueryError extends Error {
  override name = 'QueryError';
}
class AgentFailure extends Error {
  override name = 'AgentFailure';
}

interface Counters {
  spans: number;
  errors: number;
  traces: number;
}

/** Lays spans out on a virtual clock (epoch ms) that the caller advances step by step. */
const NOOP_SPAN = new NoopTracer().startSpan();

class Timeline {
  constructor(
    readonly svc: AnalyticsService,
    public t: number,
    readonly counters: Counters,
    readonly parent?: SpanLike,
    /** Dry run: lay out times only, create nothing (to learn how long a run will be). */
    readonly dry = false,
  ) {}

  /** A span from the current time; `durMs` null: it lasts as long as the steps its body lays out. */
  span(
    name: string,
    opts: Parameters<AnalyticsService['startSpan']>[1],
    durMs: number | null,
    body?: (s: SpanLike, tl: Timeline) => void,
  ): SpanLike {
    const start = this.t;
    const s = this.dry ? NOOP_SPAN : this.svc.startSpan(name, { parent: this.parent, ...opts, startTime: start });
    if (!this.dry) this.counters.spans++;
    const inner = new Timeline(this.svc, start, this.counters, s, this.dry);
    if (body) body(s, inner);
    this.t = durMs === null ? inner.t : start + durMs;
    s.end(this.t);
    return s;
  }

  fail(s: SpanLike, e: Error): void {
    s.recordException(e);
    s.setStatus('error', e.message);
    if (!this.dry) this.counters.errors++;
  }
}

export async function runDemo(opts: DemoOptions): Promise<{ spans: number; traces: number }> {
  // Each agent run draws from its own generator (`cur` is switched at the start of every synchronous
  // section of a run), so a run can be replayed exactly after its dry run even while other runs
  // interleave with it; background loops draw from `base` only.
  const base = new Rng(opts.seed ?? Date.now());
  let cur = base;
  const rand = () => cur.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const between = (lo: number, hi: number) => lo + rand() * (hi - lo);
  const lognormal = (median: number, sigma = 0.5) => {
    const u = Math.max(1e-9, rand());
    const v = rand();
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };

  const svc = createAnalyticsService({
    connection: { url: opts.url, apiKey: opts.apiKey },
    serviceName: 'vigil-demo',
    serviceVersion: '1.0.0',
    environment: 'demo',
    flushInterval: 500,
    metricsInterval: 2000,
    onWarning: null,
    retry: { maxAttempts: 8 },
  });
  await svc.initialize();
  const log: Logger = svc.logger.child({ component: 'demo' });
  const counters: Counters = { spans: 0, errors: 0, traces: 0 };
  const started = Date.now();
  const deadline = started + opts.durationS * 1000;
  let queueDepth = 20;

  function llmCall(tl: Timeline, spec: ModelSpec, purpose: string, agentId: string, sessionId: string): void {
    const metric = (m: Parameters<AnalyticsService['trackMetric']>[0]) => {
      if (!tl.dry) svc.trackMetric(m);
    };
    const longContext = rand() < 0.04; // cost spike: a whole document in the prompt
    const inputTokens = Math.round(longContext ? between(60_000, 120_000) : lognormal(1500, 0.6));
    const outputTokens = Math.round(lognormal(purpose === 'plan' ? 180 : 450, 0.5));
    let attempt = 1;
    // Rate limits: the failed attempt is its own span, then a backoff, then the retry.
    while (rand() < (attempt === 1 ? 0.08 : 0.3) && attempt < 4) {
      tl.span(
        `chat ${spec.model}`,
        {
          kind: 'llm',
          model: spec.model,
          provider: spec.provider,
          agentId,
          sessionId,
          attributes: { 'vigil.attempt': attempt, 'vigil.purpose': purpose },
        },
        between(80, 400),
        (s) => {
          tl.fail(s, new RateLimitError(`${spec.provider}: 429 Too Many Requests (tokens per minute exceeded)`));
          s.setAttribute('http.response.status_code', 429);
        },
      );
      tl.t += 500 * 2 ** (attempt - 1) * between(0.5, 1); // backoff with jitter
      attempt++;
    }
    let dur = lognormal(400 + (outputTokens / 1000) * spec.msPerKOut, 0.35);
    if (rand() < 0.03) dur *= between(5, 10); // latency spike
    tl.span(
      `chat ${spec.model}`,
      {
        kind: 'llm',
        model: spec.model,
        provider: spec.provider,
        agentId,
        sessionId,
        attributes: { 'vigil.attempt': attempt, 'vigil.purpose': purpose, 'gen_ai.request.temperature': 0.2 },
      },
      dur,
      (s) => {
        s.setUsage({ inputTokens, outputTokens });
        s.setAttribute('gen_ai.response.finish_reasons', ['stop']);
        s.setStatus('ok');
      },
    );
    metric({
      name: 'demo.llm.tokens',
      value: inputTokens,
      metricType: 'counter',
      dimensions: { model: spec.model, direction: 'input' },
    });
    metric({
      name: 'demo.llm.tokens',
      value: outputTokens,
      metricType: 'counter',
      dimensions: { model: spec.model, direction: 'output' },
    });
  }

  function toolCall(tl: Timeline, tool: ToolName, agentId: string, sessionId: string): boolean {
    const metric = (m: Parameters<AnalyticsService['trackMetric']>[0]) => {
      if (!tl.dry) svc.trackMetric(m);
    };
    let ok = true;
    if (tool === 'vector_search') {
      tl.span(
        'embeddings text-embedding-3-small',
        { kind: 'embedding', model: 'text-embedding-3-small', provider: 'openai', agentId, sessionId },
        lognormal(90, 0.4),
        (s) => {
          s.setUsage({ inputTokens: Math.round(lognormal(40, 0.4)) });
        },
      );
      const dur = lognormal(35, 0.5);
      tl.span(
        'vector_search kb-articles',
        {
          kind: 'retrieval',
          agentId,
          sessionId,
          attributes: { 'db.system': 'pgvector', 'retrieval.top_k': 8, 'retrieval.collection': 'kb-articles' },
        },
        dur,
        (s) => {
          s.setAttribute('retrieval.documents', Math.round(between(3, 8)));
        },
      );
      metric({
        name: 'demo.tool.latency',
        value: dur,
        unit: 'ms',
        metricType: 'histogram',
        dimensions: { tool },
      });
      return true;
    }
    const base = tool === 'web_search' ? 850 : tool === 'sql_query' ? 120 : 300;
    const timeout = tool !== 'sql_query' && rand() < 0.04;
    const sqlError = tool === 'sql_query' && rand() < 0.05;
    const dur = timeout ? 10_000 : lognormal(base, 0.6);
    tl.span(
      tool,
      { kind: 'tool', agentId, sessionId, otelKind: 'client', attributes: { 'gen_ai.tool.type': 'function' } },
      dur,
      (s, inner) => {
        if (tool === 'http_get' || tool === 'web_search') {
          const url =
            tool === 'web_search' ? 'https://search.example.com/v1/query' : 'https://api.example.com/v2/orders';
          inner.span(
            `GET ${new URL(url).hostname}`,
            { kind: 'http', agentId, attributes: { 'http.request.method': 'GET', 'url.full': url } },
            dur * 0.9,
            (h) => {
              if (timeout) h.setStatus('error', 'timed out');
              else h.setAttribute('http.response.status_code', 200);
            },
          );
        }
        if (tool === 'sql_query') s.setAttribute('db.query.text', 'SELECT plan, count(*) FROM accounts GROUP BY plan');
        if (timeout) {
          tl.fail(s, new ToolTimeoutError(`${tool}: no response after 10000 ms`));
          ok = false;
        } else if (sqlError) {
          tl.fail(s, new QueryError('column "amount_usd" does not exist (SQLSTATE 42703)'));
          ok = false;
        } else s.setStatus('ok');
      },
    );
    metric({
      name: 'demo.tool.latency',
      value: dur,
      unit: 'ms',
      metricType: 'histogram',
      dimensions: { tool },
    });
    return ok;
  }

  async function oneRun(): Promise<void> {
    const rng = new Rng(Math.floor(base.next() * 2 ** 32));
    cur = rng;
    const agent = pick(AGENTS);
    const userId = pick(USERS);
    const sessionId = `sess-${userId.slice(5)}-${Math.floor(rand() * 4)}`;
    const prompt = pick(agent.prompts);
    const channel = pick(['web', 'slack', 'email', 'api']);
    const hold = between(300, 2500); // real time the run stays "in flight" (an active agent)
    const answerMs = lognormal(2500, 0.4);
    let failed: Error | null = null;
    const steps = (tl: Timeline, parent: SpanLike | undefined) =>
      tl.span('plan', { kind: 'chain', parent, agentId: agent.id, sessionId }, null, (chain, ctl) => {
        llmCall(ctl, MODELS[agent.planner], 'plan', agent.id, sessionId);
        const nTools = 1 + Math.floor(rand() * 3);
        let toolFailures = 0;
        for (let i = 0; i < nTools; i++) {
          ctl.t += between(5, 40);
          if (!toolCall(ctl, pick(agent.tools), agent.id, sessionId)) {
            toolFailures++;
            if (!ctl.dry) {
              runWithSpan(chain, () => log.warn('tool failed, continuing with partial context', { agentId: agent.id }));
            }
          }
        }
        failed =
          toolFailures > 1 || rand() < 0.03
            ? new AgentFailure(`${agent.id}: could not complete the task (${toolFailures} tool failures)`)
            : null;
      });
    // Dry run first (same random draws, replayed below) to learn how long the steps take, so that the
    // run can start that long before it is due to end: every timestamp is then in the past when sent.
    const saved = rng.state;
    const dry = new Timeline(svc, 0, counters, undefined, true);
    steps(dry, undefined);
    rng.state = saved; // nothing may draw from rng between here and the real run below
    const virtualMs = Math.max(hold, dry.t + 20 + answerMs);
    const startMs = Date.now() + hold - virtualMs;
    const run = svc.logAgentStart(agent.id, {
      agentName: agent.name,
      agentVersion: agent.version,
      sessionId,
      userId,
      input: prompt,
      time: startMs,
      attributes: { 'demo.channel': channel },
    });
    counters.spans++;
    counters.traces++;
    runWithSpan(run.span, () => log.info('agent run started', { agentId: agent.id, sessionId }));
    await sleep(hold);

    cur = rng;
    const tl = new Timeline(svc, startMs, counters);
    steps(tl, run.span);
    // The answer is the run's last call, recorded through the seed API: it ends now.
    const responder = MODELS[agent.responder];
    const answerStart = Math.min(tl.t + 20, Date.now() - 50);
    const rateLimited = rand() < 0.03;
    svc.trackModelInference(responder.model, {
      duration: Date.now() - answerStart,
      provider: responder.provider,
      inputTokens: Math.round(lognormal(2500, 0.5)),
      outputTokens: rateLimited ? 0 : Math.round(lognormal(500, 0.5)),
      agentId: agent.id,
      runId: run.runId,
      sessionId,
      userId,
      success: !rateLimited,
      error: rateLimited ? new RateLimitError(`${responder.provider}: 429 Too Many Requests`) : undefined,
    });
    counters.spans++;
    if (rateLimited) counters.errors++;
    const end = Date.now();

    const score = Math.max(0, Math.min(1, (failed ? 0.3 : 0.85) + (rand() - 0.5) * 0.3));
    svc.trackMetric({ name: 'demo.eval.score', value: score, metricType: 'summary', agentId: agent.id });
    svc.trackMetric({
      name: 'demo.runs',
      value: 1,
      metricType: 'counter',
      agentId: agent.id,
      dimensions: { outcome: failed ? 'error' : 'ok' },
    });
    if (failed) {
      counters.errors++;
      runWithSpan(run.span, () => log.error('agent run failed', { agentId: agent.id, err: failed }));
      svc.logAgentError(agent.id, failed, { runId: run.runId, time: end });
    } else {
      svc.logAgentComplete(agent.id, { runId: run.runId, output: `Done: ${prompt.toLowerCase()}`, time: end });
    }
  }

  async function worker(): Promise<void> {
    while (Date.now() < deadline) {
      try {
        await oneRun();
      } catch (e) {
        log.error('demo worker error', { err: e });
      }
      await sleep(50 + base.next() * 350);
    }
  }

  async function systemLoop(): Promise<void> {
    readSystemUsage(); // prime CPU deltas
    while (Date.now() < deadline) {
      await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
      const t0 = performance.now();
      let networkLatency: number | undefined;
      try {
        const res = await fetch(`${opts.url.replace(/\/+$/, '')}/live`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        networkLatency = Math.round((performance.now() - t0) * 10) / 10;
      } catch {
        networkLatency = undefined;
      }
      svc.trackSystemUsage({ ...readSystemUsage(), networkLatency });
      queueDepth = Math.max(0, queueDepth + Math.round((base.next() - 0.5) * 8));
      svc.trackMetric({ name: 'demo.queue.depth', value: queueDepth, unit: '{tickets}', metricType: 'gauge' });
    }
  }

  const progress = setInterval(() => {
    opts.onProgress?.({ elapsedS: (Date.now() - started) / 1000, spans: counters.spans, errors: counters.errors });
  }, 500);
  try {
    const n = Math.max(1, opts.concurrency ?? 12);
    await Promise.all([systemLoop(), ...Array.from({ length: n }, () => worker())]);
  } finally {
    clearInterval(progress);
    await svc.destroy();
  }
  opts.onProgress?.({ elapsedS: (Date.now() - started) / 1000, spans: counters.spans, errors: counters.errors });
  const st = svc.stats();
  const lost = st.spans.failed + st.spans.dropped + st.events.failed + st.events.dropped;
  if (lost > 0) {
    throw new Error(
      `demo: ${lost} spans/events could not be delivered to ${opts.url}: ${st.lastError ?? 'unknown error'}`,
    );
  }
  return { spans: counters.spans, traces: counters.traces };
}
