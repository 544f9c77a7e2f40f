import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPriceTable } from './prices.js';

const close = (a: number | null, b: number) => a !== null && Math.abs(a - b) < 1e-12;

describe('createPriceTable', () => {
  const table = createPriceTable();

  test('known models from the bundled genai-prices table give a non-zero cost', () => {
    const cases: [string, string | null][] = [
      ['gpt-4o', 'openai'],
      ['gpt-4o-mini', null],
      ['gpt-4o-2024-08-06', 'az.ai.openai'],
      ['claude-3-5-sonnet-20241022', 'anthropic'],
      ['gemini-1.5-pro', 'gcp.gemini'],
      ['text-embedding-3-small', 'openai'],
    ];
    for (const [model, provider] of cases) {
      const c = table.priceFor(model, provider, 1000, 1000);
      assert.ok(c !== null && c > 0, `${provider}/${model} → ${c}`);
    }
  });

  test('gpt-4o rates: $2.50 / $10 per million tokens', () => {
    assert.ok(close(table.priceFor('gpt-4o', 'openai', 1_000_000, 0), 2.5));
    assert.ok(close(table.priceFor('gpt-4o', 'openai', 0, 1_000_000), 10));
    assert.ok(close(table.priceFor('gpt-4o', 'openai', 1000, 100), 0.0025 + 0.001));
  });

  test('unknown models are null, never a silent zero', () => {
    assert.equal(table.priceFor('definitely-not-a-model-9000', 'nobody', 10, 10), null);
    assert.equal(table.priceFor('', null, 10, 10), null);
  });

  test('user overrides take precedence; provider-specific beats provider-less', () => {
    const t = createPriceTable([
      { model: 'gpt-4o', inputPerMTok: 1, outputPerMTok: 2 },
      { model: 'GPT-4o', provider: 'azure', inputPerMTok: 3, outputPerMTok: 4 },
      { model: 'in-house-llm', inputPerMTok: 0.5, outputPerMTok: 0.5 },
    ]);
    assert.ok(close(t.priceFor('gpt-4o', 'openai', 1_000_000, 1_000_000), 3));
    assert.ok(close(t.priceFor('gpt-4o', 'Azure', 1_000_000, 1_000_000), 7));
    assert.ok(close(t.priceFor('in-house-llm', null, 2_000_000, 0), 1));
  });

  test('lookups are cached: repeated pricing is cheap', () => {
    const t = createPriceTable();
    t.priceFor('gpt-4o', 'openai', 1, 1);
    const start = performance.now();
    for (let i = 0; i < 100_000; i++) t.priceFor('gpt-4o', 'openai', i, i);
    const perCallUs = ((performance.now() - start) * 1000) / 100_000;
    assert.ok(perCallUs < 2, `${perCallUs} µs per cached lookup`);
  });
});
