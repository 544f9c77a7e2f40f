/**
 * Latency of the aggregate insight queries (error groups, service map, cost breakdown by model and
 * by user, agent detail, model errors) over a DuckDB store of N spans spread over 7 days, 24 h
 * range, next to modelStats over the same range as the baseline measured in the same run.
 *
 *   node --conditions=vigil-source --import tsx bench/insights/run.ts [--spans N] [--quick] [--path FILE] [--reuse] [--runs N]
 *
 * --spans N   spans to load (default 1,000,000; --quick = 200,000)
 * --path      DuckDB file (default: a temp file, deleted afterwards unless --reuse)
 * --reuse     keep the file and, when it already holds the data, skip loading
 * --threads   DuckDB threads (default: DuckDB's own)
 * --url       another store instead of the DuckDB file, e.g.
 *             postgres://postgres@127.0.0.1:5432/test?schema=bench_insights (data kept; with --reuse
 *             loading is skipped when the schema already holds spans)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDbStore, openStore, type Store } from '@vigil/core';
import { makeSpanBatches } from '../lib/spans.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string' },
    quick: { type: 'boolean', default: false },
    path: { type: 'string' },
    reuse: { type: 'boolean', default: false },
    runs: { type: 'string', default: '9' },
    threads: { type: 'string' },
    url: { type: 'string' },
  },
});
const n = Number(values.spans ?? (values.quick ? 200_000 : 1_000_000));
const runs = Number(values.runs);
const tmp = values.path ? null : mkdtempSync(join(tmpdir(), 'vigil-bench-insights-'));
const path = values.path ?? join(tmp as string, 'bench.duckdb');
const PROJECT = 'bench';
const DAY_US = 86_400_000_000;
const nowUs = Math.floor(Date.now() / 3_600_000) * 3_600_000_000;
const startUs = nowUs - 7 * DAY_US;

const existed = values.url ? true : existsSync(path);
let store: Store;
if (values.url) {
  store = await openStore({ url: values.url, dataDir: tmp ?? tmpdir() });
  await store.migrate();
} else store = await DuckDbStore.open(path, values.threads ? { threads: Number(values.threads) } : {});
console.log(`store: ${store.backend}`);
const range = { fromUs: nowUs - DAY_US, toUs: nowUs };
const have = (await store.modelStats(PROJECT, { fromUs: startUs, toUs: nowUs })).calls;
if (!(values.reuse && existed && have > 0)) {
  const t0 = performance.now();
  for (const batch of makeSpanBatches(n, 20_000, { project: PROJECT, startUs, spanUs: 7 * DAY_US })) {
    const a = store.appender();
    a.spans(batch);
    await a.commit();
  }
  console.log(`loaded ${n.toLocaleString('en-US')} spans in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const agentId = (await store.agentStats(PROJECT, range)).byAgent[0]?.agentId ?? 'none';
const inRange = (await store.spanSeries(PROJECT, { ...range, stepMs: 86_400_000, measure: 'count' }))[0]?.points ?? [];
const spansInRange = inRange.reduce((a, p) => a + p[1], 0);

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const baseline = await median(() => store.modelStats(PROJECT, range));
console.log(
  `\nmedian of ${runs} warm runs over the last 24 h (${spansInRange.toLocaleString('en-US')} spans; ${values.reuse && existed ? 'reused file' : `${n.toLocaleString('en-US')} loaded over 7 days`})`,
);
console.log(`baseline modelStats 24h: ${baseline.toFixed(1)} ms`);
const cases: [string, () => Promise<unknown>][] = [
  ['errorGroups 24h (1h buckets)', () => store.errorGroups(PROJECT, { ...range, stepMs: 3_600_000, limit: 100 })],
  ['serviceMap 24h', () => store.serviceMap(PROJECT, range)],
  ['costBreakdown by model 24h', () => store.costBreakdown(PROJECT, range, 'model', 50)],
  ['costBreakdown by user 24h', () => store.costBreakdown(PROJECT, range, 'user', 50)],
  ['costBreakdown by model 7d', () => store.costBreakdown(PROJECT, { fromUs: startUs, toUs: nowUs }, 'model', 50)],
  [`agentDetail ${agentId} 24h`, () => store.agentDetail(PROJECT, agentId, range)],
  ['modelErrors 24h', () => store.modelErrors(PROJECT, range)],
];
for (const [label, fn] of cases) {
  const ms = await median(fn);
  console.log(`${label.padEnd(36)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / baseline).toFixed(2)}x baseline`);
}
await store.close();
if (tmp && !values.reuse) rmSync(tmp, { recursive: true, force: true });
