/**
 * `vigil serve --ingest-workers 1`, from the sources and as the compiled bin (whose worker entry is
 * the compiled .js beside it): spans from the official OTLP/protobuf exporter are decoded on the
 * worker and come back through the REST API, their rollups (which accumulate in the worker)
 * included, and again after a restart.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { getJson, startVigil, tempDir } from './helpers.js';

const LLM_CALLS = 120;

/** One agent trace of LLM_CALLS chat spans through the official exporter; returns its trace id. */
async function sendTrace(url: string, key: string): Promise<string> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'worker-e2e' }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${url}/v1/traces`, headers: { Authorization: `Bearer ${key}` } }),
        { maxExportBatchSize: 50 },
      ),
    ],
  });
  const tracer = provider.getTracer('e2e');
  const root = tracer.startSpan('agent run', {
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.id': 'planner' },
  });
  const ctx = trace.setSpan(context.active(), root);
  for (let i = 0; i < LLM_CALLS; i++) {
    tracer
      .startSpan(
        'chat',
        {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.system': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.input_tokens': 100,
            'gen_ai.usage.output_tokens': 20,
          },
        },
        ctx,
      )
      .end();
  }
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

for (const compiled of [false, true]) {
  describe(`ingest workers in ${compiled ? 'the compiled bin' : 'a server run from sources'}`, () => {
    test('exported spans are stored, rolled up, and survive a restart', async () => {
      const dir = tempDir();
      const args = ['--ingest-workers', '1'];
      let vigil = await startVigil({ dataDir: dir.path, args, compiled });
      try {
        const key = vigil.printedKey as string;
        assert.ok(key, 'first start prints a key');
        const traceId = await sendTrace(vigil.url, key);
        // The requests were decoded on a worker thread (it starts at the first one).
        const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
        assert.match(metrics, /^vigil_ingest_decode_workers 1$/m);
        const check = async () => {
          const t = await getJson(`${vigil.url}/api/v1/traces/${traceId}`, key);
          assert.equal(t.status, 200, JSON.stringify(t.body));
          assert.equal(t.body.spans.length, LLM_CALLS + 1);
          const chat = t.body.spans.find((s: { name: string }) => s.name === 'chat');
          assert.equal(chat.model, 'gpt-4o-mini');
          assert.equal(chat.inputTokens, 100);
          const to = new Date(Date.now() + 60_000).toISOString();
          const from = new Date(Date.now() - 3_600_000).toISOString();
          const d = await getJson(`${vigil.url}/api/v1/dashboard?from=${from}&to=${to}`, key);
          assert.equal(d.status, 200, JSON.stringify(d.body));
          const row = d.body.modelMetrics.byModel.find((m: { model: string }) => m.model === 'gpt-4o-mini');
          assert.equal(row?.calls, LLM_CALLS, JSON.stringify(d.body.modelMetrics));
          assert.equal(d.body.modelMetrics.totalTokens, LLM_CALLS * 120);
        };
        await check();
        assert.equal(await vigil.stop(), 0);
        vigil = await startVigil({ dataDir: dir.path, args, compiled });
        await check();
      } finally {
        await vigil.stop();
        dir.remove();
      }
    });
  });
}
