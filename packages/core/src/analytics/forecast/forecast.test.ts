import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { predictCrossing } from './capacity.js';
import { FORECAST_MODELS, generatePrediction } from './forecast.js';
import {
  combinedForecast,
  holtWintersForecast,
  linearForecast,
  seasonalMedianForecast,
  seasonalNaiveForecast,
} from './models.js';

const HOUR = 3_600_000;
const daily = (n: number, trend = 0) =>
  Array.from({ length: n }, (_, i): [number, number] => [
    Date.UTC(2024, 0, 1) + i * HOUR,
    100 + trend * i + 30 * Math.sin((2 * Math.PI * i) / 24) + (((i * 7919) % 17) - 8) / 4,
  ]);

describe('forecasting', () => {
  test('models: exact on what they model', () => {
    const line = Array.from({ length: 50 }, (_, i) => 3 + 2 * i);
    const l = linearForecast(line, 3);
    assert.deepEqual(
      l.mean.map((v) => Math.round(v * 1e9) / 1e9),
      [103, 105, 107],
    );
    const season = Array.from({ length: 48 }, (_, i) => [1, 5, 9, 5][i % 4]);
    assert.deepEqual(seasonalNaiveForecast(season, 6, 4).mean, [1, 5, 9, 5, 1, 5]);
    assert.deepEqual(seasonalNaiveForecast([1, 2, 3], 2, 1).mean, [3, 3]);
    const hw = holtWintersForecast(season, 4, 4);
    for (const [i, v] of hw.mean.entries()) assert.ok(Math.abs(v - [1, 5, 9, 5][i]) < 0.2, `hw ${v}`);
    assert.ok(
      hw.sd.every((s, i) => i === 0 || s >= hw.sd[i - 1]),
      'error sd grows with the horizon',
    );
  });

  test('seasonal median: ignores spikes, keeps the season, intervals from replayed errors', () => {
    const shape = [1, 5, 9, 5];
    const y = Array.from({ length: 80 }, (_, i) => shape[i % 4] + (i % 7 === 3 ? 0.5 : 0));
    y[78] = 500; // a spike among the latest values must not move the level
    const f = seasonalMedianForecast(y, 8, 4);
    for (const [i, v] of f.mean.entries()) assert.ok(Math.abs(v - shape[(80 + i) % 4]) <= 0.5, `h=${i + 1}: ${v}`);
    assert.ok(
      f.sd.every((s, i) => Number.isFinite(s) && (i === 0 || s >= f.sd[i - 1])),
      'finite, non-decreasing sd',
    );
    // The spike is in the replayed errors, so the intervals are wide, not zero.
    assert.ok(f.sd[0] > 1);
    const c = combinedForecast(y, 8, 4);
    const hw = holtWintersForecast(y, 8, 4);
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(c.mean[i] - (hw.mean[i] + f.mean[i]) / 2) < 1e-9);
    // A horizon longer than the history: no replay reaches it, the sd still grows from a real spread.
    const long = seasonalMedianForecast(y, 500, 4);
    assert.ok(long.sd[0] > 0 && long.sd.every((s, i) => Number.isFinite(s) && (i === 0 || s >= long.sd[i - 1])));
    // Without a season it is the median of the latest window.
    assert.deepEqual(seasonalMedianForecast([1, 2, 3, 100, 4, 5, 6, 7, 8, 9, 10, 11, 12], 2, 1, 5).mean, [10, 10]);
  });

  test('generatePrediction finds the daily season, picks a model by backtest, and covers the truth', () => {
    const all = daily(24 * 16, 0.05);
    const history = all.slice(0, 24 * 14);
    const p = generatePrediction({ metric: 'span.count', points: history, forecastPeriod: 24, confidence: 0.9 });
    assert.equal(p.status, 'ok');
    assert.equal(p.seasonLength, 24);
    assert.equal(p.backtest.length, FORECAST_MODELS.length);
    assert.notEqual(p.model, 'linear');
    assert.equal(p.points.length, 24);
    assert.equal(p.points[0].timeMs, history[history.length - 1][0] + HOUR);
    let covered = 0;
    p.points.forEach((pt, i) => {
      assert.ok(pt.lower <= pt.value && pt.value <= pt.upper);
      const actual = all[24 * 14 + i][1];
      if (actual >= pt.lower && actual <= pt.upper) covered++;
      assert.ok(Math.abs(actual - pt.value) < 10, `h=${i + 1}: ${pt.value} vs ${actual}`);
    });
    assert.ok(covered >= 20, `covered ${covered}/24`);
    const wide = generatePrediction({
      metric: 'm',
      points: history,
      forecastPeriod: 24,
      confidence: 0.99,
      model: 'holt_winters',
    });
    const narrow = generatePrediction({
      metric: 'm',
      points: history,
      forecastPeriod: 24,
      confidence: 0.5,
      model: 'holt_winters',
    });
    assert.ok(wide.points[5].upper - wide.points[5].lower > narrow.points[5].upper - narrow.points[5].lower);
    const flat = generatePrediction({
      metric: 'm',
      points: history,
      forecastPeriod: 5,
      includeSeasonality: false,
      model: 'seasonal_naive',
    });
    assert.equal(flat.seasonLength, null);
  });

  test('bad input: too short, NaN-laden, unevenly spaced and out of order, bad options', () => {
    assert.equal(generatePrediction({ metric: 'm', points: [], forecastPeriod: 3 }).status, 'insufficient_data');
    assert.equal(
      generatePrediction({
        metric: 'm',
        points: [
          [0, 1],
          [1, Number.NaN],
        ],
        forecastPeriod: 3,
      }).status,
      'insufficient_data',
    );
    const messy: [number, number][] = [
      [5000, 6],
      [0, 1],
      [1000, 2],
      [2500, Number.NaN],
      [3000, 4],
      [4000, Infinity],
      [2000, 3],
    ];
    const p = generatePrediction({ metric: 'm', points: messy, forecastPeriod: 2, model: 'linear' });
    assert.equal(p.status, 'ok');
    assert.equal(p.stepMs, 1000);
    assert.ok(
      Math.abs(p.points[0].value - 7) < 1e-9 && Math.abs(p.points[1].value - 8) < 1e-9,
      JSON.stringify(p.points),
    );
    assert.ok(!JSON.stringify(p).includes('NaN'));
    const constant = generatePrediction({
      metric: 'm',
      points: Array.from({ length: 30 }, (_, i): [number, number] => [i, 7]),
      forecastPeriod: 4,
    });
    assert.ok(constant.points.every((x) => x.value === 7 && x.lower === 7 && x.upper === 7));
    assert.throws(() => generatePrediction({ metric: 'm', points: messy, forecastPeriod: 0 }), /forecastPeriod/);
    assert.throws(
      () => generatePrediction({ metric: 'm', points: messy, forecastPeriod: 2, confidence: 1 }),
      /confidence/,
    );
    assert.throws(
      () => generatePrediction({ metric: 'm', points: messy, forecastPeriod: 2, model: 'arima' as 'linear' }),
      /unknown model/,
    );
  });

  test('capacity: when a rising cost crosses a budget, and when it already has', () => {
    const day = 86_400_000;
    const cost = Array.from({ length: 30 }, (_, i): [number, number] => [
      Date.UTC(2024, 0, 1) + i * day,
      20 + i + ((i * 3) % 5) * 0.2,
    ]);
    const c = predictCrossing({ metric: 'span.cost', points: cost, forecastPeriod: 60, limit: 70, model: 'linear' });
    assert.ok(c.crossesAtMs !== null);
    const days = c.inMs! / day;
    assert.ok(days > 15 && days < 25, `crosses in ${days} days`);
    assert.match(c.summary, /^At this trend, cost rises to \$70\.00 on 2024-\d\d-\d\d \(in \d+ days\)/);
    assert.ok(c.earliestMs! <= c.crossesAtMs! && c.crossesAtMs! <= (c.latestMs ?? Infinity));
    const never = predictCrossing({
      metric: 'span.cost',
      points: cost,
      forecastPeriod: 5,
      limit: 1000,
      model: 'linear',
    });
    assert.equal(never.crossesAtMs, null);
    assert.match(never.summary, /stays below \$1,000/);
    const already = predictCrossing({ metric: 'span.p95_ms', points: cost, forecastPeriod: 5, limit: 10 });
    assert.equal(already.alreadyCrossed, true);
    assert.match(already.summary, /already at or above 10 ms/);
  });
});
