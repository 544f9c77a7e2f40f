import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spanFixture } from '../../model/span-fixture.js';
import type { SpanRecord } from '../../model/telemetry.js';
import type { SpanSeriesQuery } from '../store.js';
import { DuckDbStore } from './duckdb-store.js';
import { SpanSeriesCache } from './series-cache.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-series-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
const H = 3_600_000_000;
const T0 = Date.UTC(2026, 0, 1) * 1000;

function span(i: number, startUs: number, model: string, project = 'p'): SpanRecord {
  return spanFixture({
    project,
    traceId: i.toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
    serviceName: 's',
    name: 'chat',
    kind: 'llm',
    startUs,
    endUs: startUs + 1000 * (10 + (i % 37)),
    status: i % 5 === 0 ? 'error' : 'ok',
    model,
    inputTokens: 1,
    outputTokens: 1,
    costUsd: 0.01,
  });
}

/** The same query computed without the cache (a step the cache refuses would change buckets). */
function expected(all: SpanRecord[], q: SpanSeriesQuery): Map<string, [number, number][]> {
  const step = q.stepMs;
  const out = new Map<string, Map<number, number>>();
  for (const s of all) {
    if (s.project !== 'p' || s.startUs < q.fromUs || s.startUs >= q.toUs) continue;
    const g = q.groupBy === 'model' ? (s.model ?? '') : '';
    const b = Math.floor(s.startUs / 1000 / step) * step;
    const m = out.get(g) ?? new Map<number, number>();
    m.set(b, (m.get(b) ?? 0) + 1);
    out.set(g, m);
  }
  return new Map([...out].map(([g, m]) => [g, [...m].sort((a, b) => a[0] - b[0])]));
}

test('span series cache: exact after late writes to old hours, new hours and retention', async () => {
  const store = await DuckDbStore.open(join(root, 'c.duckdb'));
  try {
    const all: SpanRecord[] = [];
    let n = 0;
    const write = async (spans: SpanRecord[]) => {
      all.push(...spans);
      const a = store.appender();
      a.spans(spans);
      await a.commit();
    };
    await write(
      Array.from({ length: 300 }, (_, i) => span(n++, T0 + i * 36_000_000, i % 2 ? 'a' : 'b', i % 7 ? 'p' : 'q')),
    );
    // Range edges cut buckets: the partial first and last buckets are never cached.
    const queries: SpanSeriesQuery[] = [
      { fromUs: T0 + 1_234_567, toUs: T0 + 30 * H - 999, stepMs: 3_600_000, measure: 'count' },
      { fromUs: T0, toUs: T0 + 30 * H, stepMs: 3_600_000, measure: 'count', groupBy: 'model' },
      { fromUs: T0, toUs: T0 + 30 * H, stepMs: 600_000, measure: 'count' },
      { fromUs: T0, toUs: T0 + 48 * H, stepMs: 4 * 3_600_000, measure: 'count', groupBy: 'model' },
    ];
    const check = async (label: string) => {
      for (const q of queries) {
        const got = await store.spanSeries('p', q);
        const exp = expected(all, q);
        assert.deepEqual(
          new Map(got.map((s) => [q.groupBy ? s.labels[q.groupBy] : '', s.points])),
          exp,
          `${label} ${JSON.stringify(q)}`,
        );
      }
    };
    await check('cold');
    const before = store.seriesCache.stats();
    await check('warm');
    const warm = store.seriesCache.stats();
    assert.ok(warm.hits > before.hits, 'second round is served from the cache');
    assert.equal(warm.misses, before.misses, 'nothing changed, nothing recomputed');
    // A late span into an old hour, spans into a new hour, another project's spans.
    await write([span(n++, T0 + 2 * H + 5, 'a'), span(n++, T0 + 29 * H, 'c'), span(n++, T0 + 3 * H, 'a', 'q')]);
    await check('after late writes');
    await store.deleteBefore(T0 + 10 * H);
    all.splice(0, all.length, ...all.filter((s) => s.startUs >= T0 + 10 * H));
    await check('after retention');
    // A failed commit changes nothing.
    const a = store.appender();
    a.spans([{ ...span(n++, T0 + 20 * H, 'a'), kind: null } as unknown as SpanRecord]);
    await assert.rejects(a.commit());
    await check('after a failed commit');
  } finally {
    await store.close();
  }
});

test('span series cache: which steps are cacheable', () => {
  assert.ok(SpanSeriesCache.cacheable(3_600_000));
  assert.ok(SpanSeriesCache.cacheable(86_400_000));
  assert.ok(SpanSeriesCache.cacheable(60_000));
  assert.ok(!SpanSeriesCache.cacheable(7_000_000));
  assert.ok(!SpanSeriesCache.cacheable(1500.5));
});
