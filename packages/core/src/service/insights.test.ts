import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spanFixture } from '../model/span-fixture.js';
import type { SpanRecord } from '../model/telemetry.js';
import { DuckDbStore } from '../store/duckdb/duckdb-store.js';
import { costForecast } from './insights.js';

const DAY_MS = 86_400_000;
/** 2026-01-20 12:00 UTC: 19 complete days of January behind, 12 days (today included) ahead. */
const NOW = Date.UTC(2026, 0, 20, 12);

function llm(project: string, i: number, startMs: number, cost: number): SpanRecord {
  return spanFixture({
    project,
    traceId: i.toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
    name: 'chat',
    kind: 'llm',
    startUs: startMs * 1000,
    model: 'gpt-4o',
    provider: 'openai',
    inputTokens: 10,
    outputTokens: 1,
    costUsd: cost,
  });
}

describe('costForecast', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-forecast-'));
  let store: DuckDbStore;
  before(async () => {
    store = await DuckDbStore.open(join(dir, 'v.duckdb'));
    const spans: SpanRecord[] = [];
    // $2 a day (two $1 calls) for the 40 days before today, and $1 so far today.
    const today = Math.floor(NOW / DAY_MS) * DAY_MS;
    for (let d = 1; d <= 40; d++) {
      spans.push(llm('steady', d * 2, today - d * DAY_MS + 3_600_000, 1));
      spans.push(llm('steady', d * 2 + 1, today - d * DAY_MS + 7_200_000, 1));
    }
    spans.push(llm('steady', 999, today + 6 * 3_600_000, 1));
    spans.push(llm('new', 1, today + 3_600_000, 3));
    const a = store.appender();
    a.spans(spans);
    await a.commit();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a steady $2/day projects the month: complete days + today + 11 days', async () => {
    const f = await costForecast(store, 'steady', NOW);
    assert.equal(f.status, 'ok');
    assert.equal(f.month, '2026-01');
    assert.equal(f.daysInMonth, 31);
    assert.ok(Math.abs(f.monthToDate - 39) < 1e-9);
    assert.ok(Math.abs(f.projected - 62) < 1e-6, `projected ${f.projected}`);
    assert.ok(f.low !== null && f.high !== null);
    assert.ok(f.low <= f.projected + 1e-9 && f.projected <= f.high + 1e-9);
    assert.ok(f.low >= f.monthToDate);
    assert.equal(f.forecast.length, 12);
    assert.equal(f.forecast[0].time, new Date(Date.UTC(2026, 0, 20)).toISOString());
    assert.equal(f.daily.at(-1)?.[1], 1);
  });

  test('without history it falls back to the daily average and says so', async () => {
    const f = await costForecast(store, 'new', NOW);
    assert.equal(f.status, 'insufficient_data');
    assert.equal(f.low, null);
    assert.ok(Math.abs(f.monthToDate - 3) < 1e-9);
    assert.ok(Math.abs(f.projected - (3 / 19.5) * 31) < 1e-9);
    assert.match(f.message ?? '', /daily average/);
  });
});
