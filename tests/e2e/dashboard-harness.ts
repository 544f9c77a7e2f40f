/**
 * Shared by the dashboard end-to-end test and bench/web: build the web app when needed, start a
 * real Vigil server in-process, seed realistic agent traces over the public ingest API, and drive
 * Debian's Chromium through playwright-core.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { REPO_ROOT } from './helpers.js';

export const WEB_DIR = join(REPO_ROOT, 'packages', 'web');
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

/** Builds packages/web/dist when it is missing or older than the sources. */
export function ensureWebBuild(): void {
  const index = join(WEB_DIR, 'dist', 'index.html');
  const srcTime = Math.max(newest(join(WEB_DIR, 'src')), statSync(join(WEB_DIR, 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= srcTime) return;
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: WEB_DIR,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) throw new Error('web build failed');
}

/** Chromium with a new, empty profile in `userDataDir`. */
export function launchChromium(userDataDir: string, viewport = { width: 1366, height: 860 }): Promise<BrowserContext> {
  mkdirSync(userDataDir, { recursive: true });
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
}

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const AGENTS = [
  { id: 'planner', name: 'Planner', version: '1.4.0' },
  { id: 'researcher', name: 'Researcher', version: '2.0.1' },
  { id: 'support-bot', name: 'Support bot', version: '0.9.3' },
];
const MODELS = [
  { model: 'gpt-4o-mini', provider: 'openai', inPrice: 0.15e-6, outPrice: 0.6e-6 },
  { model: 'claude-3-5-haiku', provider: 'anthropic', inPrice: 0.8e-6, outPrice: 4e-6 },
];
const TOOLS = ['web_search', 'sql_query', 'calculator'];
const USERS = ['alice', 'bob', 'carol'];

/** A deterministic-enough agent trace: agent → llm, tool, llm (+ an error on some). */
export function agentTrace(opts: {
  startMs: number;
  agentIndex: number;
  error?: 'rate_limit' | 'tool' | null;
  name?: string;
  extraLlmSpans?: number;
}) {
  const a = AGENTS[opts.agentIndex % AGENTS.length];
  const traceId = hex(16);
  const rootId = hex(8);
  const spans: Record<string, unknown>[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();
  let t = opts.startMs + 5;
  const user = USERS[opts.agentIndex % USERS.length];
  const llm = (i: number, fail: boolean) => {
    const m = MODELS[(opts.agentIndex + i) % MODELS.length];
    const dur = 120 + ((opts.agentIndex * 37 + i * 53) % 700);
    const inT = 300 + i * 40;
    const outT = 80 + i * 9;
    const s = {
      type: 'span',
      traceId,
      spanId: hex(8),
      parentSpanId: rootId,
      name: `chat ${m.model}`,
      kind: 'llm',
      startTime: iso(t),
      endTime: iso(t + dur),
      status: fail ? 'error' : 'ok',
      statusMessage: fail ? 'Rate limit exceeded (429): retry after 20s' : null,
      model: m.model,
      provider: m.provider,
      inputTokens: inT,
      outputTokens: outT,
      costUsd: inT * m.inPrice + outT * m.outPrice,
      agentId: a.id,
      userId: user,
      input: JSON.stringify([{ role: 'user', content: `question ${i} for ${a.name}` }]),
      output: fail ? null : `answer ${i}`,
      attributes: { 'gen_ai.request.temperature': 0.2 },
      events: fail
        ? [
            {
              name: 'exception',
              time: iso(t + dur),
              attributes: {
                'exception.type': 'RateLimitError',
                'exception.message': 'Rate limit exceeded (429): retry after 20s',
                'exception.stacktrace':
                  'RateLimitError: Rate limit exceeded\n    at callModel (agent.ts:42:11)\n    at run (agent.ts:88:5)',
              },
            },
          ]
        : [],
    };
    t += dur + 10;
    return s;
  };
  spans.push(llm(0, opts.error === 'rate_limit'));
  const tool = TOOLS[opts.agentIndex % TOOLS.length];
  const toolDur = 40 + (opts.agentIndex % 5) * 30;
  const toolFail = opts.error === 'tool';
  spans.push({
    type: 'span',
    traceId,
    spanId: hex(8),
    parentSpanId: rootId,
    name: tool,
    kind: 'tool',
    startTime: iso(t),
    endTime: iso(t + toolDur),
    status: toolFail ? 'error' : 'ok',
    statusMessage: toolFail ? `Tool ${tool} timed out after 3000 ms` : null,
    agentId: a.id,
    attributes: { 'tool.name': tool },
    events: toolFail
      ? [
          {
            name: 'exception',
            time: iso(t + toolDur),
            attributes: {
              'exception.type': 'TimeoutError',
              'exception.message': `Tool ${tool} timed out after 3000 ms`,
              'exception.stacktrace': `TimeoutError: timed out\n    at ${tool} (tools.ts:12:3)`,
            },
          },
        ]
      : [],
  });
  t += toolDur + 10;
  for (let i = 1; i <= 1 + (opts.extraLlmSpans ?? 0); i++) spans.push(llm(i, false));
  const failed = opts.error != null;
  spans.unshift({
    type: 'span',
    traceId,
    spanId: rootId,
    parentSpanId: null,
    name: opts.name ?? `${a.name} run`,
    kind: 'agent',
    startTime: iso(opts.startMs),
    endTime: iso(t + 5),
    status: failed ? 'error' : 'ok',
    statusMessage: failed ? 'agent run failed' : null,
    agentId: a.id,
    agentName: a.name,
    agentVersion: a.version,
    sessionId: `sess-${opts.agentIndex % 4}`,
    userId: user,
    input: `Task for ${a.name}`,
    output: failed ? null : 'done',
    attributes: { 'deployment.environment': 'test' },
  });
  if (failed) {
    const bad = spans.find((s) => s.status === 'error' && s.spanId !== rootId) as { spanId: string; endTime: string };
    spans.push({
      type: 'log',
      time: bad.endTime,
      severity: 'error',
      body: `step failed: ${opts.error === 'rate_limit' ? 'model rate limited' : 'tool timed out'}`,
      traceId,
      spanId: bad.spanId,
    });
  }
  return { traceId, rootId, spans };
}

/** One trace with `n` spans: an agent root, steps of llm/tool children nested a few levels deep. */
export function bigTrace(n: number, startMs: number) {
  const traceId = hex(16);
  const root = hex(8);
  const iso = (ms: number) => new Date(ms).toISOString();
  const events: Record<string, unknown>[] = [];
  const totalMs = 60_000;
  events.push({
    type: 'span',
    traceId,
    spanId: root,
    parentSpanId: null,
    name: 'bench big run',
    kind: 'agent',
    startTime: iso(startMs),
    endTime: iso(startMs + totalMs),
    status: 'ok',
    agentId: 'bench',
    agentName: 'Bench agent',
  });
  let parent = root;
  for (let i = 1; i < n; i++) {
    // Every 10th span opens a new step under the root; the others nest under the current step.
    const isStep = i % 10 === 1;
    const id = hex(8);
    const t = startMs + (i / n) * (totalMs - 100);
    events.push({
      type: 'span',
      traceId,
      spanId: id,
      parentSpanId: isStep ? root : parent,
      name: isStep ? `step ${Math.ceil(i / 10)}` : i % 3 === 0 ? 'web_search' : 'chat gpt-4o-mini',
      kind: isStep ? 'chain' : i % 3 === 0 ? 'tool' : 'llm',
      startTime: iso(t),
      endTime: iso(t + 20 + (i % 17) * 3),
      status: i % 97 === 0 ? 'error' : 'ok',
      model: i % 3 === 0 || isStep ? null : 'gpt-4o-mini',
      inputTokens: isStep ? null : 100,
      outputTokens: isStep ? null : 20,
      costUsd: isStep ? null : 0.00003,
    });
    if (isStep) parent = id;
  }
  return { traceId, events };
}

export async function ingest(url: string, key: string, events: unknown[]): Promise<void> {
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ serviceName: 'demo-app', events }),
  });
  const body = (await res.json()) as { accepted: number; rejected: number; errors: unknown[] };
  if (!res.ok || body.rejected) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
}

/** Seeds `n` traces spread over the last `spreadMs`, every 5th with an error, plus system metrics. */
export async function seed(url: string, key: string, n: number, spreadMs = 50 * 60_000): Promise<string[]> {
  const now = Date.now();
  const ids: string[] = [];
  const events: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const start = now - spreadMs + Math.floor((i / n) * (spreadMs - 60_000));
    const tr = agentTrace({
      startMs: start,
      agentIndex: i,
      error: i % 5 === 4 ? (i % 10 === 4 ? 'rate_limit' : 'tool') : null,
    });
    ids.push(tr.traceId);
    events.push(...tr.spans);
  }
  for (let i = 0; i < 12; i++) {
    events.push({
      type: 'system',
      time: now - spreadMs + i * (spreadMs / 12),
      cpuUsage: 30 + (i % 4) * 8,
      memoryUsage: 55 + (i % 3) * 4,
      diskUsage: 61,
      networkLatency: 12 + (i % 5),
      activeConnections: 8 + i,
    });
  }
  for (let i = 0; i < events.length; i += 500) await ingest(url, key, events.slice(i, i + 500));
  return ids;
}
