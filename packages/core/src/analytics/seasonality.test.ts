import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SeasonalDetector } from './detectors/seasonal.js';
import { DAY_MS, detectSeasonality, HOUR_MS, medianStep } from './seasonality.js';

const series = (n: number, stepMs: number, f: (i: number, t: number) => number) => {
  const t = Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * stepMs);
  return { t, v: t.map((x, i) => f(i, x)) };
};
let seed = 11;
const noise = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296 - 0.5;
};

describe('seasonality', () => {
  test('finds hourly cycles in minute data and daily cycles in 5-minute data', () => {
    const hourly = series(600, 60_000, (_i, t) => Math.sin((2 * Math.PI * t) / HOUR_MS) + 0.2 * noise());
    assert.equal(detectSeasonality(hourly.t, hourly.v).periodMs, HOUR_MS);
    const daily = series(288 * 5, 300_000, (_i, t) => 10 + 5 * Math.sin((2 * Math.PI * t) / DAY_MS) + noise());
    const d = detectSeasonality(daily.t, daily.v);
    assert.equal(d.periodMs, DAY_MS);
    assert.equal(d.lag, 288);
  });

  test('no season in noise, in a smooth random walk, or in too little data', () => {
    const white = series(2000, 300_000, () => noise());
    assert.equal(detectSeasonality(white.t, white.v).periodMs, null);
    let x = 0;
    const walk = series(2000, 300_000, () => (x += noise()));
    assert.equal(detectSeasonality(walk.t, walk.v).periodMs, null);
    assert.equal(detectSeasonality([1, 2], [1, 2]).periodMs, null);
    assert.ok(Number.isNaN(medianStep([5])));
  });

  test('the seasonal detector learns the daily shape, so its expectation follows the cycle', () => {
    const d = new SeasonalDetector();
    const daily = series(288 * 4, 300_000, (_i, t) => 100 + 40 * Math.sin((2 * Math.PI * t) / DAY_MS) + noise());
    for (let i = 0; i < daily.t.length; i++) d.update(daily.t[i], daily.v[i]);
    assert.equal(d.info?.periodMs, DAY_MS);
    const peak = Date.UTC(2024, 0, 5, 6); // sin peaks at 06:00 UTC
    d.update(peak, 140);
    const e = d.expectation()!;
    assert.ok(Math.abs(e.expected - 140) < 8, `expected ${e.expected}`);
  });
});
