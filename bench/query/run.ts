/**
 * Query latency over a realistic DuckDB store: loads N spans over 7 days (plus system metrics,
 * agent runs, anomalies and alerts) through the store's own appender, then reports the median of
 * warm runs of each dashboard query against its target.
 *
 *   node --conditions=vigil-source --import tsx bench/query/run.ts [--spans N] [--quick] [--path FILE] [--reuse] [--runs N]
 *
 * --spans N   spans to load (default 10,000,000; --quick = 200,000)
 * --path      DuckDB file (default: a temp file, deleted afterwards unless --reuse)
 * --reuse     keep the file and, when it already holds the data, skip loading
 * --memory-limit  DuckDB memory_limit of the store (e.g. 128MB, as `vigil serve` sets by default)
 * --cache-mb  DuckDB block cache budget (MB) on top of what it must keep (`vigil serve`: 128)
 * --threads   DuckDB threads of the store (`vigil serve` uses cores − 1: 1 on 2 cores)
 * --no-baseline  skip the baseline (dashboard statistics and series computed exactly from spans,
 *             without the hourly rollups; the store's `rollupQueries: false`)
 *
 * Opening a file written before the rollups existed runs their migration, which backfills them
 * from the stored spans; the time it took is printed.
 *
 * The live-ingest series runs commit spans (stamped within the last hour) into the file, so a
 * reused file grows by a few thousand spans per run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDbStore, type MetricPoint } from '@vigil/core';
import { makeSpanBatches, makeSpans } from '../lib/spans.js';

const { values } = parseArgs({
  options: {
    spans: { type: 'string' },
    quick: { type: 'boolean', default: false },
    path: { type: 'string' },
    reuse: { type: 'boolean', default: false },
    runs: { type: 'string', default: '15' },
    'no-baseline': { type: 'boolean', default: false },
    'memory-limit': { type: 'string' },
    'cache-mb': { type: 'string' },
    threads: { type: 'string' },
  },
});
/** DuckDB memory_limit for the store (e.g. 128MB, the server's default); DuckDB's own when absent. */
const memoryLimit = values['memory-limit'];
/** DuckDB block cache budget in MB on top of its unevictable memory (`vigil serve`: 128). */
const cacheMemoryBytes = values['cache-mb'] ? Number(values['cache-mb']) * 1024 * 1024 : undefined;
/** DuckDB threads of the store (`vigil serve` uses cores − 1); DuckDB's own (all cores) when absent. */
const threads = values.threads ? Number(values.threads) : undefined;
const n = Number(values.spans ?? (values.quick ? 200_000 : 10_000_000));
const runs = Number(values.runs);
const tmp = values.path ? null : mkdtempSync(join(tmpdir(), 'vigil-bench-query-'));
const path = values.path ?? join(tmp!, 'bench.duckdb');
const PROJECT = 'bench';
const DAY_US = 86_400_000_000;
// Anchor "now" to a whole hour so that a reused file and a fresh load see the same window.
const nowUs = Math.floor(Date.now() / 3_600_000) * 3_600_000_000;
const startUs = nowUs - 7 * DAY_US;

async function load(store: DuckDbStore): Promise<void> {
  const t0 = performance.now();
  let done = 0;
  let lastReport = t0;
  for (const batch of makeSpanBatches(n, 20_000, { project: PROJECT, startUs, spanUs: 7 * DAY_US })) {
    const a = store.appender();
    a.spans(batch);
    // A system metric sample per batch, and agent run starts for a few roots (some left open).
    const t = batch[0].startUs;
    const metrics: MetricPoint[] = ['system.cpu.usage', 'system.memory.usage', 'system.disk.usage'].map((name, i) => ({
      project: PROJECT,
      name,
      type: 'gauge',
      unit: '%',
      timeUs: t,
      value: 20 + ((done / 1000 + i * 13) % 60),
      histogram: null,
      labels: { host: 'bench-1' },
      serviceName: 'vigil',
    }));
    a.metrics(metrics);
    const roots = batch.filter((s) => s.parentSpanId === null).slice(0, 5);
    a.agentRunStarts(
      roots.map((s) => ({
        project: PROJECT,
        traceId: s.traceId,
        spanId: s.spanId,
        agentId: s.agentId!,
        agentName: s.agentName,
        agentVersion: s.agentVersion,
        sessionId: s.sessionId,
        userId: s.userId,
        serviceName: s.serviceName,
        startUs: s.startUs,
      })),
    );
    a.agentRunEnds(roots.slice(0, 4).map((s) => ({ project: PROJECT, spanId: s.spanId })));
    await a.commit();
    done += batch.length;
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.log(
        `  loaded ${done.toLocaleString('en-US')} spans (${Math.round(done / ((lastReport - t0) / 1000))} spans/s)`,
      );
    }
  }
  await store.insertAnomalies(
    Array.from({ length: 200 }, (_, i) => ({
      id: `an-${i}`,
      project: PROJECT,
      metric: 'span.p95_ms',
      labels: { model: 'gpt-4o' },
      timeUs: nowUs - i * 3_000_000_000,
      value: 9000,
      expected: 2000,
      lower: 1000,
      upper: 3000,
      score: 0.95,
      severity: 'high' as const,
      confidence: 0.9,
      detector: 'ewma',
      description: 'latency spike',
      createdUs: nowUs - i * 3_000_000_000,
    })),
  );
  for (let i = 0; i < 50; i++) {
    await store.upsertAlert({
      id: `al-${i}`,
      project: PROJECT,
      ruleId: `r-${i % 5}`,
      name: 'High error rate',
      severity: 'warning',
      state: i % 3 === 0 ? 'firing' : 'resolved',
      message: 'error rate above 5%',
      labels: { agent: `agent-${i % 12}` },
      value: 0.07,
      startedUs: nowUs - i * 600_000_000,
      updatedUs: nowUs - i * 600_000_000,
      resolvedUs: null,
      acknowledgedBy: null,
    });
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`loaded ${n.toLocaleString('en-US')} spans in ${s.toFixed(1)} s (${Math.round(n / s)} spans/s)`);
}

/**
 * Median of warm runs (returned, in ms). `between` runs before each timed run, untimed (the live-ingest scenario
 * commits fresh spans there, so cached series must recompute the hour it touched).
 */
async function median(
  label: string,
  targetMs: number,
  fn: () => Promise<unknown>,
  between?: () => Promise<void>,
): Promise<number> {
  await fn(); // warm-up
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (between) await between();
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)];
  const ok = med <= targetMs ? 'OK  ' : 'SLOW';
  console.log(
    `${ok} ${label.padEnd(44)} median ${med.toFixed(1).padStart(7)} ms  (target ${targetMs} ms, ${(med / targetMs).toFixed(2)}x; min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)})`,
  );
  return med;
}

const fresh = !(values.reuse && existsSync(path));
if (fresh) {
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
}
const tFirstOpen = performance.now();
const store = await DuckDbStore.open(path, { memoryLimit, cacheMemoryBytes, threads });
if (!fresh)
  console.log(
    `opened ${path} in ${((performance.now() - tFirstOpen) / 1000).toFixed(1)} s (migrations included: a file written before the rollups existed is backfilled here)`,
  );
if (fresh) {
  console.log(`loading ${n.toLocaleString('en-US')} spans over 7 days into ${path} ...`);
  await load(store);
  // Queries run against checkpointed, compressed row groups, as they would after a while in production.
  await store.close();
} else {
  await store.close();
  console.log(`reusing ${path}`);
}
let s = await DuckDbStore.open(path, { memoryLimit, cacheMemoryBytes, threads });
const day = { fromUs: nowUs - DAY_US, toUs: nowUs };
const week = { fromUs: nowUs - 7 * DAY_US, toUs: nowUs };
const some = await s.listTraces(PROJECT, { ...day, limit: 50 });
if (some.items.length === 0) throw new Error('no traces in the last 24h: wrong file or --spans mismatch?');
const traceIds = some.items.map((t) => t.traceId);
let k = 0;

const dashboard = (r: { fromUs: number; toUs: number }) =>
  Promise.all([
    s.agentStats(PROJECT, r),
    s.modelStats(PROJECT, r),
    s.latestMetrics(PROJECT, r, 'system.'),
    s.listAnomalies(PROJECT, { ...r, limit: 20 }),
    s.listAlerts(PROJECT, { states: ['firing', 'pending', 'acknowledged'], limit: 50 }),
  ]);
// A live dashboard's "last 24 h" rarely starts on an hour: its partial edge hours come from raw spans.
const dayOffHour = { fromUs: day.fromUs - 1_234_567_890, toUs: day.toUs - 1_234_567_890 };
const p95Week = { ...week, stepMs: 3_600_000, measure: 'p95_ms' as const };
const p95ByModel = { ...p95Week, groupBy: 'model' as const };
const uncached = async (q: typeof p95Week | typeof p95ByModel) => {
  s.seriesCache.clear();
  const t = performance.now();
  await s.spanSeries(PROJECT, q);
  return performance.now() - t;
};
/** Median of uncached runs (the series cache is cleared before each). */
const medianUncached = async (q: typeof p95Week | typeof p95ByModel) => {
  const times: number[] = [];
  for (let i = 0; i < Math.max(3, Math.min(runs, 7)); i++) times.push(await uncached(q));
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
};

console.log(`\nmedians of ${runs} warm runs, ${n.toLocaleString('en-US')} spans:`);
const dashMs = await median('dashboard 24h (5 queries in parallel)', 100, () => dashboard(day));
const dashOffMs = await median('dashboard 24h, not on hour edges', 100, () => dashboard(dayOffHour));
const seriesMs = [await medianUncached(p95Week), await medianUncached(p95ByModel)];
console.log(
  `     7-day hourly spanSeries p95_ms, uncached (median)          ${seriesMs[0].toFixed(1).padStart(7)} ms  (target 200 ms)`,
);
console.log(
  `     7-day hourly spanSeries p95_ms by model, uncached (median) ${seriesMs[1].toFixed(1).padStart(7)} ms  (target 200 ms)`,
);
await median('trace by id', 20, () => s.getTrace(PROJECT, traceIds[k++ % traceIds.length]));
// Span series go through DuckDbStore's exact per-bucket cache: report the uncached first run, the
// warm median with nothing written, and the warm median with 1,000 fresh spans committed into the
// last hour before every run (a dashboard refreshing under live ingest).
for (const [label, q] of [
  ['7-day hourly spanSeries p95_ms', p95Week],
  ['7-day hourly spanSeries p95_ms by model', p95ByModel],
] as const) {
  s.seriesCache.clear();
  const t = performance.now();
  await s.spanSeries(PROJECT, q);
  const cold = performance.now() - t;
  console.log(
    `     ${`${label}, first (uncached) run`.padEnd(44)}        ${cold.toFixed(1).padStart(7)} ms  (target 200 ms, ${(cold / 200).toFixed(2)}x)`,
  );
  await median(`${label}, cached, idle`, 200, () => s.spanSeries(PROJECT, q));
  let seq = 0;
  await median(
    `${label}, cached, live ingest`,
    200,
    () => s.spanSeries(PROJECT, q),
    async () => {
      const a = s.appender();
      const spans = makeSpans(1000, {
        project: PROJECT,
        startUs: nowUs - 3_000_000_000,
        spanUs: 600_000_000,
        seed: ++seq,
      });
      a.spans(spans);
      await a.commit();
    },
  );
}
await median('listTraces first page, 24h, model filter', 100, () =>
  s.listTraces(PROJECT, { ...day, limit: 50, model: 'gpt-4o' }),
);
await median('listTraces first page, 7 days, status=error', 100, () =>
  s.listTraces(PROJECT, { ...week, limit: 50, status: 'error' }),
);
if (!values['no-baseline']) {
  // Baseline in the same run: the same store answering from spans only (exact percentiles).
  await s.close();
  s = await DuckDbStore.open(path, { rollupQueries: false, memoryLimit, cacheMemoryBytes, threads });
  console.log('\nbaseline, exact from spans (rollupQueries: false):');
  const b = [
    await median('dashboard 24h, exact', 100, () => dashboard(day)),
    await median('dashboard 24h, not on hour edges, exact', 100, () => dashboard(dayOffHour)),
    await medianUncached(p95Week),
    await medianUncached(p95ByModel),
  ];
  console.log(`     7-day hourly spanSeries p95_ms, uncached, exact            ${b[2].toFixed(1).padStart(7)} ms`);
  console.log(`     7-day hourly spanSeries p95_ms by model, uncached, exact   ${b[3].toFixed(1).padStart(7)} ms`);
  const mine = [dashMs, dashOffMs, ...seriesMs];
  const names = ['dashboard 24h', 'dashboard 24h off-hour', 'series p95 uncached', 'series p95 by model uncached'];
  console.log('\nspeed-up from rollups (baseline median / rollup median):');
  for (let i = 0; i < names.length; i++)
    console.log(
      `     ${names[i].padEnd(32)} ${(b[i] / mine[i]).toFixed(1).padStart(6)}x  (${b[i].toFixed(1)} -> ${mine[i].toFixed(1)} ms)`,
    );
}
await s.close();
if (tmp && !values.reuse) rmSync(tmp, { recursive: true, force: true });
