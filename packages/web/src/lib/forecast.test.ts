import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { forecastMonthEnd } from './forecast.js';

describe('forecastMonthEnd', () => {
  test('flat daily spend projects linearly with a tight interval', () => {
    // 10 June at noon: 9 full days of $2 plus half of today.
    const now = new Date(2026, 5, 10, 12, 0, 0);
    const f = forecastMonthEnd([...new Array(9).fill(2), 1], now);
    assert.equal(f.monthToDate, 19);
    assert.ok(Math.abs(f.daysLeft - 20.5) < 1e-9);
    assert.ok(Math.abs(f.projected - (19 + 2 * 20.5)) < 1e-6);
    assert.ok(f.high - f.low < 1e-6);
  });

  test('a rising trend projects above the flat average, never below month-to-date', () => {
    const now = new Date(2026, 5, 8, 0, 0, 0);
    const f = forecastMonthEnd([1, 2, 3, 4, 5, 6, 7, 0], now);
    assert.ok(f.projected > f.monthToDate + 7 * f.daysLeft);
    assert.ok(f.low >= f.monthToDate);
  });

  test('spend that started today is extrapolated from today, not diluted by earlier empty days', () => {
    const now = new Date(2026, 10, 23, 12, 0, 0);
    const daily = [...new Array(22).fill(0), 2];
    const f = forecastMonthEnd(daily, now);
    // $2 in half a day → $4/day over the 7.5 days left.
    assert.ok(Math.abs(f.projected - (2 + 4 * 7.5)) < 1e-6, String(f.projected));
  });

  test('with one partial day it extrapolates the rate so far', () => {
    const now = new Date(2026, 1, 1, 6, 0, 0);
    const f = forecastMonthEnd([1], now);
    assert.ok(Math.abs(f.projected - (1 + 4 * (28 - 0.25))) < 1e-6);
  });
});
