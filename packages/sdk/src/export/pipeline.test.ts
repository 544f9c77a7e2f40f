import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Collector } from '../../test-support/collector.js';
import { resetWarnOnce, setDiagSink } from '../internal/diag.js';
import { VigilTracer } from '../trace/tracer.js';
import { HttpBackend, NodeHttpTransport } from './http-backend.js';
import { encodeHeader } from './otlp-encode.js';
import { ExportPipeline, type PipelineOptions } from './pipeline.js';
import { backoffDelay, defaultRetryPolicy, parseRetryAfter } from './retry.js';

const PORT = 41310;
const DEAD_PORT = 41311; // nothing listens here
const header = encodeHeader({ 'service.name': 'pipeline-test' }, '@vigil/sdk', 'test');

function pipelineTo(url: string, opts: PipelineOptions = {}, compression?: 'gzip') {
  const transport = new NodeHttpTransport({ url, apiKey: 'k-123', compression });
  const pipeline = new ExportPipeline(new HttpBackend(transport, header, 'pipeline-test'), {
    flushIntervalMs: 60_000, // tests flush explicitly
    retry: { initialDelayMs: 10, maxDelayMs: 50 },
    ...opts,
  });
  return { pipeline, tracer: new VigilTracer(pipeline) };
}

const warnings: string[] = [];
let collector: Collector;

before(async () => {
  setDiagSink((m) => warnings.push(m));
  collector = await new Collector(PORT).start();
});
after(async () => {
  setDiagSink(undefined as never);
  await collector.stop();
});

describe('export pipeline against a real HTTP server', () => {
  test('spans arrive as OTLP protobuf with the API key; decoded content matches', async () => {
    collector.requests.length = 0;
    const { pipeline, tracer } = pipelineTo(collector.url);
    const root = tracer.startSpan('agent', { kind: 'agent', agentId: 'triage' });
    tracer.startSpan('chat gpt-4o', { kind: 'llm', model: 'gpt-4o', parent: root }).setUsage({ inputTokens: 3 }).end();
    root.end();
    await pipeline.shutdown();
    const req = collector.on('/v1/traces')[0];
    assert.equal(req.headers['content-type'], 'application/x-protobuf');
    assert.equal(req.headers.authorization, 'Bearer k-123');
    const spans = collector.spans();
    assert.equal(spans.length, 2);
    const llm = spans.find((s) => s.name === 'chat gpt-4o');
    assert.equal(llm.parentSpanId, root.spanId);
    assert.equal(llm.attrs['gen_ai.usage.input_tokens'], 3);
    assert.equal(llm.resource['service.name'], 'pipeline-test');
    assert.deepEqual(pipeline.stats().spans, { queued: 0, exported: 2, dropped: 0, failed: 0 });
  });

  test('503 is retried with backoff until it succeeds', async () => {
    collector.requests.length = 0;
    collector.script.push(
      { path: '/v1/traces', response: { status: 503 } },
      { path: '/v1/traces', response: { status: 503 } },
    );
    const { pipeline, tracer } = pipelineTo(collector.url);
    tracer.startSpan('x').end();
    await pipeline.flush();
    assert.equal(collector.on('/v1/traces').length, 3);
    const st = pipeline.stats();
    assert.equal(st.spans.exported, 1);
    assert.equal(st.retries, 2);
    assert.equal(collector.spans().length, 3); // the same batch, three times
    await pipeline.shutdown();
  });

  test('429 with Retry-After waits as long as the server asks', async () => {
    collector.requests.length = 0;
    collector.script.push({ path: '/v1/traces', response: { status: 429, headers: { 'retry-after': '1' } } });
    const { pipeline, tracer } = pipelineTo(collector.url);
    tracer.startSpan('x').end();
    await pipeline.flush();
    const [first, second] = collector.on('/v1/traces');
    assert.ok(second, 'retried');
    assert.ok(second.at - first.at >= 950, `waited ${second.at - first.at} ms, Retry-After said 1 s`);
    assert.equal(pipeline.stats().spans.exported, 1);
    await pipeline.shutdown();
  });

  test('a 400 is not retried: the batch counts as failed, with a warning', async () => {
    collector.requests.length = 0;
    warnings.length = 0;
    resetWarnOnce();
    collector.script.push({ path: '/v1/traces', response: { status: 400, body: '{"error":{"code":"bad"}}' } });
    const { pipeline, tracer } = pipelineTo(collector.url);
    tracer.startSpan('x').end();
    await pipeline.flush();
    assert.equal(collector.on('/v1/traces').length, 1);
    assert.equal(pipeline.stats().spans.failed, 1);
    assert.ok(warnings.some((w) => w.includes('HTTP 400')));
    await pipeline.shutdown();
  });

  test('bounded buffer: beyond maxQueueSize spans are dropped, counted and warned about', async () => {
    warnings.length = 0;
    resetWarnOnce();
    const { pipeline, tracer } = pipelineTo(`http://127.0.0.1:${DEAD_PORT}`, {
      maxQueueSize: 10,
      batchSize: 1000,
      retry: { maxAttempts: 1 },
    });
    for (let i = 0; i < 25; i++) tracer.startSpan(`s${i}`).end();
    const st = pipeline.stats();
    assert.equal(st.spans.queued, 10);
    assert.equal(st.spans.dropped, 15);
    assert.ok(warnings.some((w) => w.includes('buffer full') && w.includes('maxCacheSize=10')));
    await pipeline.shutdown(2000);
  });

  test('server down: nothing throws, flush resolves, the batch is counted failed after retries', async () => {
    warnings.length = 0;
    resetWarnOnce();
    const { pipeline, tracer } = pipelineTo(`http://127.0.0.1:${DEAD_PORT}`, {
      retry: { maxAttempts: 3, initialDelayMs: 5 },
    });
    for (let i = 0; i < 5; i++) tracer.startSpan(`s${i}`).end();
    await pipeline.flush(5000);
    const st = pipeline.stats();
    assert.equal(st.spans.failed, 5);
    assert.equal(st.retries, 2);
    assert.match(st.lastError ?? '', /ECONNREFUSED|fetch failed/);
    assert.ok(warnings.some((w) => w.includes('after 3 attempts')));
    await pipeline.shutdown(1000);
  });

  test('shutdown flushes what is buffered; later spans are dropped, not exported', async () => {
    collector.requests.length = 0;
    const { pipeline, tracer } = pipelineTo(collector.url, { batchSize: 7 });
    for (let i = 0; i < 20; i++) tracer.startSpan(`s${i}`).end();
    await pipeline.shutdown();
    assert.equal(collector.spans().length, 20);
    assert.ok(collector.on('/v1/traces').length >= 3, 'batched by batchSize');
    tracer.startSpan('late').end();
    assert.equal(pipeline.stats().spans.dropped, 1);
  });

  test('gzip compression', async () => {
    collector.requests.length = 0;
    const { pipeline, tracer } = pipelineTo(collector.url, {}, 'gzip');
    tracer.startSpan('zipped', { attributes: { big: 'x'.repeat(5000) } }).end();
    await pipeline.shutdown();
    const req = collector.on('/v1/traces')[0];
    assert.equal(req.headers['content-encoding'], 'gzip');
    assert.equal(collector.spans()[0].attrs.big, 'x'.repeat(5000));
  });

  test('the timer exports without an explicit flush', async () => {
    collector.requests.length = 0;
    const { pipeline, tracer } = pipelineTo(collector.url, { flushIntervalMs: 50 });
    tracer.startSpan('timed').end();
    await collector.waitFor(() => collector.spans().length === 1, 3000);
    await pipeline.shutdown();
  });
});

describe('retry timing', () => {
  test('exponential backoff with jitter stays within [d/2, d] and the cap', () => {
    const p = { ...defaultRetryPolicy, initialDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffDelay(p, 1, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(p, 1, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(p, 3, () => 1),
      400,
    );
    assert.equal(
      backoffDelay(p, 10, () => 1),
      1000,
    );
  });

  test('Retry-After as seconds or HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter('0.5'), 500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now), 3000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});
