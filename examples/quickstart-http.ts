/**
 * Quick start (http mode): instrument an agent and send its telemetry to a Vigil server.
 *
 *   npx vigil serve                       # prints an API key on first start
 *   VIGIL_API_KEY=<key> node --conditions=vigil-source --import tsx examples/quickstart-http.ts
 *
 * Spans, metrics and logs go as OTLP/HTTP protobuf (any OTLP endpoint understands them); agent runs
 * and system readings as Vigil events. Export runs in the background; nothing here blocks or throws.
 */
import { createAnalyticsService, monitor, withSpan } from '@vigil/sdk';

const vigil = createAnalyticsService({
  connection: { url: process.env.VIGIL_URL ?? 'http://127.0.0.1:4318', apiKey: process.env.VIGIL_API_KEY },
  serviceName: 'quickstart',
  features: { systemMetrics: true },
});
await vigil.initialize();

// Any function becomes a span; `this`, arguments, results and errors pass through unchanged.
const searchDocs = monitor(async (query: string) => [`doc about ${query}`], { kind: 'retrieval', captureArgs: true });

async function answer(question: string): Promise<string> {
  return vigil.runAgent(
    'support-triage',
    { agentName: 'Support Triage', sessionId: 'sess-1', userId: 'u-42', input: question },
    async () => {
      const docs = await searchDocs(question);
      // An LLM call as an explicit span with GenAI attributes ...
      const draft = await withSpan(
        'chat gpt-4o-mini',
        { kind: 'llm', model: 'gpt-4o-mini', provider: 'openai' },
        async (span) => {
          span.setUsage({ inputTokens: 800, outputTokens: 120 });
          return `Based on ${docs.length} document(s): try resetting your password.`;
        },
      );
      // ... or recorded after the fact through the seed API.
      vigil.trackModelInference('gpt-4o', {
        duration: 640,
        inputTokens: 950,
        outputTokens: 80,
        provider: 'openai',
        agentId: 'support-triage',
      });
      vigil.trackMetric({ name: 'tickets.answered', value: 1, metricType: 'counter', agentId: 'support-triage' });
      vigil.logger.info('answered', { chars: draft.length });
      return draft;
    },
  );
}

console.log(await answer('I cannot log in'));
console.log(
  JSON.stringify((await vigil.getDashboardData({ start: Date.now() - 3600_000 })) as object).slice(0, 200),
  '...',
);
await vigil.destroy(); // flushes everything
console.log('export stats:', vigil.stats());
