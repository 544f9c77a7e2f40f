/**
 * LLM cost from token counts. Backed by @pydantic/genai-prices (a maintained table of provider
 * prices and model-name matchers) with user overrides on top. A lookup there costs tens of µs, so
 * per-token rates are resolved once per (provider, model) and cached: ingest prices every LLM span.
 */
import { calcPrice } from '@pydantic/genai-prices';
import type { PriceOverride, PriceTable } from './types.js';

interface Rates {
  /** USD per token. */
  input: number;
  output: number;
}

/** Distinct (provider, model) pairs remembered; a flood of junk model names cannot grow memory. */
const MAX_CACHE = 10_000;
/** Probe size for per-token rates: small enough to stay below long-context price tiers. */
const PROBE_TOKENS = 1000;

function bundledRates(model: string, provider: string | null): Rates | null {
  const lookup = (providerId: string | undefined): Rates | null => {
    try {
      const opts = providerId ? { providerId } : undefined;
      const i = calcPrice({ input_tokens: PROBE_TOKENS, output_tokens: 0 }, model, opts);
      if (!i) return null;
      const o = calcPrice({ input_tokens: 0, output_tokens: PROBE_TOKENS }, model, opts);
      return { input: i.input_price / PROBE_TOKENS, output: (o?.output_price ?? 0) / PROBE_TOKENS };
    } catch {
      return null;
    }
  };
  // The provider string comes from telemetry (gen_ai.system "az.ai.openai", "aws.bedrock", ...);
  // when the table does not know it, the model name alone usually still identifies the price.
  return (provider ? lookup(provider) : null) ?? lookup(undefined);
}

export function createPriceTable(overrides: PriceOverride[] = []): PriceTable {
  const byModel = new Map<string, PriceOverride[]>();
  for (const o of overrides) {
    const k = o.model.toLowerCase();
    byModel.set(k, [...(byModel.get(k) ?? []), o]);
  }
  const overrideRates = (model: string, provider: string | null): Rates | null => {
    const list = byModel.get(model.toLowerCase());
    if (!list) return null;
    const p = provider?.toLowerCase() ?? null;
    // An override for this exact provider beats a provider-less one.
    const hit =
      list.find((o) => o.provider !== undefined && o.provider.toLowerCase() === p) ??
      list.find((o) => o.provider === undefined);
    return hit ? { input: hit.inputPerMTok / 1e6, output: hit.outputPerMTok / 1e6 } : null;
  };

  // provider → model → rates; nested maps avoid building a composite key string per lookup.
  const cache = new Map<string, Map<string, Rates | null>>();
  let cached = 0;
  return {
    priceFor(model, provider, inputTokens, outputTokens) {
      if (!model) return null;
      const p = provider ?? '';
      let byModel = cache.get(p);
      if (byModel === undefined) {
        byModel = new Map();
        cache.set(p, byModel);
      }
      let rates = byModel.get(model);
      if (rates === undefined) {
        rates = overrideRates(model, provider) ?? bundledRates(model, provider);
        if (cached >= MAX_CACHE) {
          cache.clear();
          cached = 0;
          byModel = new Map();
          cache.set(p, byModel);
        }
        byModel.set(model, rates);
        cached++;
      }
      if (rates === null) return null;
      return Math.max(inputTokens, 0) * rates.input + Math.max(outputTokens, 0) * rates.output;
    },
  };
}
