import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { SpanKind, SpanRecord } from '../../model/telemetry.js';
import { quantileCont } from '../store.contract.js';
import { DuckDbStore } from './duckdb-store.js';
import * as rq from './rollup-queries.js';
import {
  histogramFromPairs,
  histogramQuantiles,
  quantilesFromEntries,
  ROLLUP_RELATIVE_ACCURACY,
  sketchKey,
  sketchKeySql,
} from './rollup-sketch.js';
import {
  accumulateRollups,
  FINE,
  HOUR_US,
  LEVELS,
  mergedRollupsSql,
  type RollupLevel,
  rollupsFromSpansSql,
} from './rollups.js';
import { query, type Row } from './sql.js';
import * as tq from './telemetry-queries.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-rollups-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dbN = 0;
const T0 = Date.UTC(2026, 0, 1) * 1000;
const KINDS: SpanKind[] = ['agent', 'llm', 'tool', 'retrieval'];

/** Deterministic spans over `hours` hours with every kind, nulls, errors and a few zero durations. */
function makeSpans(n: number, hours: number, seed = 1): SpanRecord[] {
  let a = seed;
  const r = () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
  const out: SpanRecord[] = [];
  for (let i = 0; i < n; i++) {
    const kind = KINDS[i % 4];
    const startUs = T0 + Math.floor((i / n) * hours * HOUR_US);
    const durUs = i % 97 === 0 ? 0 : Math.round(1000 * Math.exp(2 + 3 * r()));
    const model = kind === 'llm' ? ['m1', 'm2', 'm3'][i % 3] : null;
    out.push({
      project: i % 5 === 0 ? 'p2' : 'p1',
      traceId: `t${Math.floor(i / 4)}`,
      spanId: `s${i}`,
      parentSpanId: kind === 'agent' ? null : `s${i - (i % 4)}`,
      serviceName: ['api', 'worker'][i % 2],
      name: `${kind} ${i % 3}`,
      kind,
      startUs,
      endUs: startUs + durUs,
      status: r() < 0.1 ? 'error' : 'ok',
      statusMessage: null,
      model,
      provider: model ? (model === 'm3' ? 'anthropic' : 'openai') : null,
      inputTokens: model ? Math.floor(r() * 1000) : null,
      outputTokens: model ? Math.floor(r() * 300) : null,
      costUsd: model ? r() / 100 : null,
      agentId: i % 7 === 0 ? null : `agent-${i % 3}`,
      agentName: i % 7 === 0 ? null : `Agent ${i % 3}`,
      agentVersion: null,
      sessionId: null,
      userId: null,
      attributes: {},
      events: [],
      input: null,
      output: null,
    });
  }
  return out;
}

async function writeInCommits(s: DuckDbStore, spans: SpanRecord[], commits: number): Promise<void> {
  const per = Math.ceil(spans.length / commits);
  for (let i = 0; i < spans.length; i += per) {
    const a = s.appender();
    a.spans(spans.slice(i, i + per));
    await a.commit();
  }
}

/** Opens the store's file directly (store closed) to look at tables and run exact queries. */
async function withConn<T>(path: string, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const inst = await DuckDBInstance.create(path);
  const c = await inst.connect();
  try {
    return await fn(c);
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

const KEY = 'project, hour, kind, model, provider, agent_id, agent_name, service_name, status';

/** The rollup table merged per key, next to the same rows recomputed from the spans. */
async function storedVsRecomputed(c: DuckDBConnection, level: RollupLevel = FINE): Promise<[Row[], Row[]]> {
  const KEY = level.key.join(', ');
  const shape = (from: string) =>
    `SELECT ${KEY}, spans::DOUBLE AS spans, duration_sum AS dsum, duration_min AS dmin, duration_max AS dmax,
       input_tokens::DOUBLE AS tin, output_tokens::DOUBLE AS tout, cost_usd AS cost, hist_keys, hist_counts
     FROM (${mergedRollupsSql('TRUE', from, level.key)}) ORDER BY ${KEY}`;
  const stored = await query(c, shape(level.table));
  const fresh = await query(c, shape(`(${rollupsFromSpansSql('TRUE', level.key)})`));
  return [stored, fresh];
}

function assertSameRollups(stored: Row[], fresh: Row[]): void {
  assert.equal(stored.length, fresh.length);
  assert.ok(fresh.length > 0);
  for (let i = 0; i < fresh.length; i++) {
    const a = stored[i];
    const b = fresh[i];
    for (const k of FINE.key) assert.deepEqual(a[k], b[k], k);
    for (const k of ['spans', 'dmin', 'dmax', 'tin', 'tout']) assert.equal(a[k], b[k], k);
    for (const k of ['dsum', 'cost'])
      assert.ok(Math.abs((a[k] as number) - (b[k] as number)) <= 1e-9 * Math.max(1, b[k] as number), k);
    assert.deepEqual([a.hist_keys, a.hist_counts], [b.hist_keys, b.hist_counts]);
  }
}

describe('rollup sketch', () => {
  test('JS and SQL compute the same bucket keys', async () => {
    const values = [0, -3, 1e-12, 0.001, 0.5, 1, 1.0101, 7.3, 999.99, 1234.5, 86_400_000];
    await withConn(':memory:', async (c) => {
      const rows = await query(
        c,
        `SELECT ${sketchKeySql('v')} AS k FROM (VALUES ${values.map((v, i) => `(${i}, ${v}::DOUBLE)`).join(', ')}) t(i, v) ORDER BY i`,
      );
      assert.deepEqual(
        rows.map((r) => r.k),
        values.map(sketchKey),
      );
    });
  });

  test('merged histogram quantiles are within the relative accuracy of quantile_cont', () => {
    let seed = 7;
    const r = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (const n of [1, 2, 3, 10, 41, 1000, 20_000]) {
      const vals = Array.from({ length: n }, () => Math.exp(1 + 6 * r() * r()));
      // Build from two halves, as rollup rows from two commits are merged.
      const pairs: [number, number][] = vals.map((v) => [sketchKey(v), 1]);
      const h = histogramFromPairs(pairs, Math.min(...vals), Math.max(...vals));
      const qs = [0, 0.01, 0.5, 0.9, 0.95, 0.99, 1];
      const got = histogramQuantiles(h, qs);
      // The encoded form the queries use: one entry per value here (entries of one key add up).
      const entries = pairs.map(([k, c]) => (k + 65536) * 4294967296 + c);
      const fromEntries = quantilesFromEntries(entries, h.min, h.max, qs);
      assert.deepEqual(fromEntries, got);
      for (let i = 0; i < qs.length; i++) {
        const exact = quantileCont(vals, qs[i])!;
        assert.ok(
          Math.abs(got[i]! - exact) <= ROLLUP_RELATIVE_ACCURACY * exact + 1e-9,
          `n=${n} q=${qs[i]}: ${got[i]} vs ${exact}`,
        );
      }
    }
    assert.deepEqual(histogramQuantiles(histogramFromPairs([], 0, 0), [0.5]), [null]);
    assert.deepEqual(quantilesFromEntries([], 0, 0, [0.5]), [null]);
    // Zero durations (the zero bucket) sort first.
    const z = [0, 0, 0, 5].map((v) => (sketchKey(v) + 65536) * 4294967296 + 1);
    assert.deepEqual(quantilesFromEntries(z, 0, 5, [0.5]), [0]);
  });
});

describe('span rollups in the DuckDB store', () => {
  const spans = makeSpans(6000, 10);

  test('partial rows of one commit equal the per-key totals', () => {
    const rows = accumulateRollups(spans);
    assert.equal(
      rows.reduce((a, r) => a + r.spans, 0),
      spans.length,
    );
    for (const r of rows) {
      let n = 0;
      for (const c of r.hist.values()) n += c;
      assert.equal(n, r.spans);
    }
  });

  test('rollups written over many commits (compacted or not) equal rollups recomputed from spans', async () => {
    const path = join(root, `db-${dbN++}`, 'v.duckdb');
    const s = await DuckDbStore.open(path);
    // Out-of-order commits: hours receive rows again after later hours were written.
    await writeInCommits(s, spans.slice(3000), 17);
    await writeInCommits(s, spans.slice(0, 3000), 23);
    await s.close();
    await withConn(path, async (c) => {
      for (const level of LEVELS) {
        const [stored, fresh] = await storedVsRecomputed(c, level);
        assertSameRollups(stored, fresh);
      }
    });
    const s2 = await DuckDbStore.open(path);
    await s2.compactRollups();
    await s2.close();
    await withConn(path, async (c) => {
      const dup = await query(
        c,
        `SELECT count(*)::DOUBLE AS n FROM (SELECT ${KEY} FROM span_rollups GROUP BY ALL HAVING count(*) > 1)`,
      );
      assert.equal(dup[0].n, 0);
      for (const level of LEVELS) {
        const [stored, fresh] = await storedVsRecomputed(c, level);
        assertSameRollups(stored, fresh);
      }
    });
  });

  test('queries over ranges with partial hours match the exact span queries', async () => {
    const path = join(root, `db-${dbN++}`, 'v.duckdb');
    const s = await DuckDbStore.open(path);
    await writeInCommits(s, spans, 9);
    await s.close();
    await withConn(path, async (c) => {
      const ranges = [
        { fromUs: T0, toUs: T0 + 10 * HOUR_US },
        { fromUs: T0 + 0.3 * HOUR_US, toUs: T0 + 7.6 * HOUR_US },
        { fromUs: T0 + 2.2 * HOUR_US, toUs: T0 + 2.9 * HOUR_US },
        { fromUs: T0 + 20 * HOUR_US, toUs: T0 + 30 * HOUR_US },
      ];
      const closeP = (a: number | null, b: number | null, msg: string) => {
        if (a === null || b === null) return assert.equal(a, b, msg);
        assert.ok(Math.abs(a - b) <= ROLLUP_RELATIVE_ACCURACY * Math.abs(b) + 1e-9, `${msg}: ${a} vs ${b}`);
      };
      const closeX = (a: number | null, b: number | null, msg: string) => {
        if (a === null || b === null) return assert.equal(a, b, msg);
        assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${msg}: ${a} vs ${b}`);
      };
      for (const range of ranges) {
        const [mr, mx] = [await rq.modelStats(c, 'p1', range), await tq.modelStats(c, 'p1', range)];
        assert.equal(mr.calls, mx.calls);
        assert.equal(mr.errors, mx.errors);
        assert.equal(mr.inputTokens, mx.inputTokens);
        assert.equal(mr.outputTokens, mx.outputTokens);
        closeX(mr.costUsd, mx.costUsd, 'cost');
        closeX(mr.averageLatencyMs, mx.averageLatencyMs, 'avg');
        for (const k of ['p50', 'p95', 'p99'] as const) closeP(mr[k], mx[k], k);
        assert.deepEqual(
          mr.byModel.map((m) => [m.model, m.provider, m.calls, m.errors]),
          mx.byModel.map((m) => [m.model, m.provider, m.calls, m.errors]),
        );
        const [ar, ax] = [await rq.agentStats(c, 'p1', range), await tq.agentStats(c, 'p1', range)];
        assert.deepEqual(
          ar.byAgent.map((a) => [a.agentId, a.agentName, a.runs, a.errors]),
          ax.byAgent.map((a) => [a.agentId, a.agentName, a.runs, a.errors]),
        );
        assert.equal(ar.totalRuns, ax.totalRuns);
        assert.equal(ar.failedRuns, ax.failedRuns);
        closeX(ar.averageRunMs, ax.averageRunMs, 'avg run');
        for (let i = 0; i < ar.byAgent.length; i++) {
          closeP(ar.byAgent[i].p50Ms, ax.byAgent[i].p50Ms, 'agent p50');
          closeP(ar.byAgent[i].p95Ms, ax.byAgent[i].p95Ms, 'agent p95');
          closeX(ar.byAgent[i].costUsd, ax.byAgent[i].costUsd, 'agent cost');
        }
        for (const measure of [
          'count',
          'errors',
          'error_rate',
          'avg_ms',
          'tokens',
          'cost',
          'p50_ms',
          'p99_ms',
        ] as const)
          for (const extra of [
            {},
            { groupBy: 'model' as const },
            { groupBy: 'agent' as const, kind: 'agent' as const },
            { agent: 'Agent 1' },
          ]) {
            for (const stepMs of [HOUR_US / 1000, (3 * HOUR_US) / 1000]) {
              const q = { ...range, stepMs, measure, ...extra };
              const [sr, sx] = [await rq.spanSeries(c, 'p1', q), await tq.spanSeries(c, 'p1', q)];
              const msg = JSON.stringify({ measure, extra, stepMs });
              assert.deepEqual(
                sr.map((x) => [x.labels, x.points.map((p) => p[0])]),
                sx.map((x) => [x.labels, x.points.map((p) => p[0])]),
                msg,
              );
              for (let i = 0; i < sr.length; i++)
                for (let j = 0; j < sr[i].points.length; j++)
                  (measure.startsWith('p') ? closeP : closeX)(sr[i].points[j][1], sx[i].points[j][1], msg);
            }
          }
      }
    });
  });

  test('retention deletes rollups with the spans (rebuilding the hour the cutoff cuts)', async () => {
    const path = join(root, `db-${dbN++}`, 'v.duckdb');
    const s = await DuckDbStore.open(path);
    await writeInCommits(s, spans, 5);
    await s.deleteBefore(T0 + 3.5 * HOUR_US);
    const st = await s.modelStats('p1', { fromUs: T0, toUs: T0 + 10 * HOUR_US });
    assert.equal(
      st.calls,
      spans.filter((x) => x.project === 'p1' && x.model && x.startUs >= T0 + 3.5 * HOUR_US).length,
    );
    await s.close();
    await withConn(path, async (c) => {
      for (const level of LEVELS) {
        const [stored, fresh] = await storedVsRecomputed(c, level);
        assertSameRollups(stored, fresh);
      }
    });
  });

  test('rollupQueries: false answers exactly from spans', async () => {
    const path = join(root, `db-${dbN++}`, 'v.duckdb');
    const s = await DuckDbStore.open(path, { rollupQueries: false });
    await writeInCommits(s, spans, 2);
    const range = { fromUs: T0, toUs: T0 + 10 * HOUR_US };
    const st = await s.modelStats('p1', range);
    const ms = spans.filter((x) => x.project === 'p1' && x.model).map((x) => (x.endUs - x.startUs) / 1000);
    assert.equal(st.p95, quantileCont(ms, 0.95));
    await s.close();
  });

  test('the migration backfills rollups from spans stored before it', async () => {
    const path = join(root, `db-${dbN++}`, 'v.duckdb');
    const s = await DuckDbStore.open(path);
    await writeInCommits(s, spans, 3);
    const range = { fromUs: T0, toUs: T0 + 10 * HOUR_US };
    const before = await s.modelStats('p1', range);
    await s.close();
    await withConn(path, async (c) => {
      await c.run('DROP TABLE span_rollups');
      await c.run('DROP TABLE span_rollups_by_model');
      await c.run('DROP TABLE rollup_dirty');
      await c.run('DROP TABLE ingest_log_state');
      await c.run('ALTER TABLE trace_index DROP COLUMN trace_key');
      await c.run('DELETE FROM schema_migrations WHERE version >= 4');
    });
    const s2 = await DuckDbStore.open(path);
    const after2 = await s2.modelStats('p1', range);
    await s2.close();
    assert.equal(after2.calls, before.calls);
    assert.deepEqual(
      after2.byModel.map((m) => [m.model, m.calls, m.p95]),
      before.byModel.map((m) => [m.model, m.calls, m.p95]),
    );
  });
});
