/**
 * PostgreSQL store benchmark: durable ingest rate through the real appender (COPY, one transaction
 * per batch, synchronous_commit on), then warm medians of the 24 h dashboard (the five store calls
 * GET /api/v1/dashboard makes), a trace by id and the first trace-list page over the loaded data.
 * Baselines measured in the same run: ingest through plain multi-row INSERT statements, and the
 * dashboard computed from raw spans when hourly rollups are available.
 *
 *   node --conditions=vigil-source --import tsx bench/pg/run.ts [--quick] [--spans N] [--url URL]
 *        [--schema NAME] [--batch N] [--concurrency N] [--reuse] [--keep] [--days D]
 *
 * --reuse keeps an already loaded schema with at least N spans (skip the load); --keep leaves the
 * schema in place afterwards (default: dropped).
 */
import { parseArgs } from 'node:util';
import type { SpanRecord } from '@vigil/core';
import { SPAN_COLUMNS } from '../../packages/core/src/store/postgres/appender.js';
import { connectPg } from '../../packages/core/src/store/postgres/connect.js';
import { quoteIdent } from '../../packages/core/src/store/postgres/migrations.js';
import { PostgresStore } from '../../packages/core/src/store/postgres/postgres-store.js';
import { makeSpanBatches } from '../lib/spans.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    spans: { type: 'string' },
    url: { type: 'string', default: process.env.VIGIL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    schema: { type: 'string', default: 'vigil_bench' },
    batch: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '2' },
    days: { type: 'string', default: '7' },
    reuse: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

const n = Number(values.spans ?? (values.quick ? 200_000 : 1_000_000));
const batch = Number(values.batch);
const concurrency = Number(values.concurrency);
const days = Number(values.days);
const schema = values.schema;
const HOUR = 3_600_000_000;
const nowUs = Date.now() * 1000;
const spanUs = days * 24 * HOUR;

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeIt<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

async function medianOf(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) ts.push((await timeIt(fn))[0]);
  return median(ts);
}

const admin = connectPg(values.url, { max: 2 });
const q = quoteIdent(schema);

let loaded = 0;
if (values.reuse) {
  try {
    const [r] = await admin.unsafe(`SELECT count(*)::bigint AS n FROM ${q}.spans`);
    loaded = Number(r.n);
  } catch {
    loaded = 0;
  }
}
const store = PostgresStore.open(values.url, { schema, max: concurrency + 4 });
if (loaded < n) {
  await admin.unsafe(`DROP SCHEMA IF EXISTS ${q} CASCADE`);
  await store.migrate();
  await store.partitions.ensureRange(Math.floor((nowUs - spanUs) / (24 * HOUR)), Math.floor(nowUs / (24 * HOUR)) + 1);

  // --- ingest: the appender (encode + COPY + durable commit), `concurrency` commits in flight ---
  // The first `measured` spans are generated up front so the rate excludes the synthetic generator;
  // the rest (large runs) is generated on the fly while loading.
  const gen = makeSpanBatches(n, batch, { startUs: nowUs - spanUs, spanUs });
  const measured = Math.min(n, values.quick ? 200_000 : 500_000);
  const pre: SpanRecord[][] = [];
  for (let got = 0; got < measured; ) {
    const next = gen.next();
    if (next.done) break;
    pre.push(next.value);
    got += next.value.length;
  }
  console.log(`loading ${fmt(n)} spans over ${days} days, ${fmt(batch)} per commit, ${concurrency} in flight...`);
  let commitMs = 0;
  let commits = 0;
  let written = 0;
  const load = async (source: () => SpanRecord[] | undefined) => {
    let lastReport = performance.now();
    const t0 = lastReport;
    let mine = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let b = source(); b; b = source()) {
          const a = store.appender();
          a.spans(b);
          const [ms] = await timeIt(() => a.commit());
          commitMs += ms;
          commits++;
          written += b.length;
          mine += b.length;
          if (performance.now() - lastReport > 15_000) {
            lastReport = performance.now();
            console.log(`  ${fmt(written)} spans loaded, ${fmt(mine / ((lastReport - t0) / 1000))} spans/s`);
          }
        }
      }),
    );
    return [mine, (performance.now() - t0) / 1000] as const;
  };
  const [m1, s1] = await load(() => pre.shift());
  console.log(
    `ingest (COPY appender, durable commits): ${fmt(m1 / s1)} spans/s over ${fmt(m1)} pre-generated spans (${s1.toFixed(1)} s); mean commit ${(commitMs / commits).toFixed(0)} ms per ${fmt(batch)} spans`,
  );
  if (written < n) {
    const [m2, s2] = await load(() => {
      const next = gen.next();
      return next.done ? undefined : next.value;
    });
    console.log(`  loaded the remaining ${fmt(m2)} spans at ${fmt(m2 / s2)} spans/s including generating them`);
  }

  // --- baseline: the same kind of batches through multi-row INSERT ... VALUES ---
  const sample: SpanRecord[] = [];
  const baseN = Math.min(n, values.quick ? 20_000 : 50_000);
  for (const b of makeSpanBatches(baseN, batch, { startUs: nowUs - spanUs, spanUs, seed: 7, project: 'baseline' }))
    sample.push(...b);
  const [insMs] = await timeIt(async () => {
    for (let i = 0; i < sample.length; i += batch) {
      const rows = sample.slice(i, i + batch).map((s) => ({
        project: s.project,
        trace_id: s.traceId,
        span_id: s.spanId,
        parent_span_id: s.parentSpanId,
        service_name: s.serviceName,
        name: s.name,
        kind: s.kind,
        start_us: s.startUs,
        end_us: s.endUs,
        duration_us: s.endUs - s.startUs,
        status: s.status,
        status_message: s.statusMessage,
        model: s.model,
        provider: s.provider,
        input_tokens: s.inputTokens,
        output_tokens: s.outputTokens,
        cost_usd: s.costUsd,
        agent_id: s.agentId,
        agent_name: s.agentName,
        agent_version: s.agentVersion,
        session_id: s.sessionId,
        user_id: s.userId,
        attributes: JSON.stringify(s.attributes),
        events: JSON.stringify(s.events),
        input: s.input,
        output: s.output,
      }));
      // ~26 parameters per row: stay under the 65535-parameter limit.
      await admin.begin(async (tx) => {
        for (let j = 0; j < rows.length; j += 2000)
          await tx`insert into ${tx(`${schema}.spans`)} ${tx(rows.slice(j, j + 2000), ...SPAN_COLUMNS)}`;
      });
    }
  });
  const insRate = sample.length / (insMs / 1000);
  const [copyMs] = await timeIt(async () => {
    for (let i = 0; i < sample.length; i += batch) {
      const a = store.appender();
      a.spans(sample.slice(i, i + batch).map((s) => ({ ...s, project: 'baseline-copy' })));
      await a.commit();
    }
  });
  const copyRate = sample.length / (copyMs / 1000);
  console.log(
    `baseline multi-row INSERT: ${fmt(insRate)} spans/s; COPY appender on the same ${fmt(sample.length)} spans: ${fmt(copyRate)} spans/s; ratio ${(copyRate / insRate).toFixed(2)}x`,
  );
  await admin.unsafe(`DELETE FROM ${q}.spans WHERE project IN ('baseline', 'baseline-copy')`);
  await admin.unsafe(`DELETE FROM ${q}.span_rollup_dirty WHERE project IN ('baseline', 'baseline-copy')`);
  await admin.unsafe(`VACUUM ANALYZE ${q}.spans`);
} else {
  console.log(`reusing ${fmt(loaded)} spans in schema ${schema}`);
}

// --- queries, warm medians ---
const [{ lo, hi }] = await admin.unsafe(
  `SELECT min(start_us) AS lo, max(start_us) AS hi FROM ${q}.spans WHERE project = 'bench'`,
);
const toUs = Number(hi) + 1;
const range = { fromUs: toUs - 24 * HOUR, toUs };
const [{ n24 }] = await admin.unsafe(
  `SELECT count(*)::bigint AS n24 FROM ${q}.spans WHERE project = 'bench' AND start_us >= $1 AND start_us < $2`,
  [range.fromUs, range.toUs],
);
console.log(
  `data: ${fmt(Number(n24))} spans in the last 24 h of ${((Number(hi) - Number(lo)) / 24 / HOUR).toFixed(1)} days`,
);

const dashboardWith = (exact: boolean) => () =>
  Promise.all([
    exact ? store.exactAgentStats('bench', range) : store.agentStats('bench', range),
    exact ? store.exactModelStats('bench', range) : store.modelStats('bench', range),
    store.latestMetrics('bench', range, 'system.'),
    store.listAnomalies('bench', { ...range, limit: 20 }),
    store.listAlerts('bench', { states: ['firing', 'pending', 'acknowledged'], limit: 50 }),
  ]);
const runs = values.quick ? 5 : 7;

const rawDash = await medianOf(runs, dashboardWith(true));
console.log(`dashboard 24 h from raw spans (exact):  median ${rawDash.toFixed(1)} ms`);

{
  const [ms, res] = await timeIt(() => store.refreshRollups({ nowUs: toUs + 2 * HOUR, graceMs: 0 }));
  console.log(`rollups: ${res.hours} hours rolled up in ${(ms / 1000).toFixed(1)} s`);
  const rolled = await medianOf(runs, dashboardWith(false));
  console.log(
    `dashboard 24 h with hourly rollups:   median ${rolled.toFixed(1)} ms  (${(rawDash / rolled).toFixed(1)}x faster than raw)`,
  );
  const exact = await store.exactModelStats('bench', range);
  const approx = await store.modelStats('bench', range);
  console.log(`  p95 model latency: exact ${exact.p95?.toFixed(1)} ms, from rollups ${approx.p95?.toFixed(1)} ms`);
}

const ids = (
  await admin.unsafe(
    `SELECT trace_id FROM ${q}.spans WHERE project = 'bench' AND parent_span_id IS NULL AND start_us >= $1 ORDER BY start_us LIMIT 50`,
    [Number(lo) + Math.floor((Number(hi) - Number(lo)) / 3)],
  )
).map((r) => r.trace_id as string);
let k = 0;
const traceMs = await medianOf(Math.min(ids.length, values.quick ? 21 : 41), () =>
  store.getTrace('bench', ids[k++ % ids.length]),
);
console.log(`trace by id: median ${traceMs.toFixed(2)} ms`);
const listMs = await medianOf(runs, () => store.listTraces('bench', { ...range, limit: 50 }));
console.log(`trace list, first page of 50 over 24 h: median ${listMs.toFixed(1)} ms`);

const week = { fromUs: toUs - 7 * 24 * HOUR, toUs };
const weekSeries = await medianOf(runs, () =>
  store.spanSeries('bench', { ...week, stepMs: 3_600_000, measure: 'cost', groupBy: 'model' }),
);
console.log(`span series, 7 days, hourly cost by model: median ${weekSeries.toFixed(1)} ms`);
const daySeries = await medianOf(Math.min(runs, 3), () =>
  store.spanSeries('bench', { ...range, stepMs: 300_000, measure: 'p95_ms' }),
);
console.log(`span series, 24 h, 5-minute p95 (raw spans): median ${daySeries.toFixed(1)} ms`);

console.log(
  `targets: ingest ≥ 30,000 spans/s, dashboard < 300 ms, trace < 20 ms (measured at ${fmt(loaded || n)} spans)`,
);
await store.close();
if (!values.keep) await admin.unsafe(`DROP SCHEMA IF EXISTS ${q} CASCADE`);
await admin.end();
