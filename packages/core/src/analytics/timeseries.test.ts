import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareToUsual, formatValue, seriesName } from './format.js';
import { cleanSeries, createTimeSeries, toEpochMs } from './timeseries.js';

describe('time series', () => {
  test('cleanSeries accepts tuples, objects and strings; drops and counts bad points', () => {
    const c = cleanSeries([
      ['2024-01-01T00:02:00Z', 3],
      { time: '2024-01-01 00:00:00', value: 1 },
      { timestamp: Date.UTC(2024, 0, 1, 0, 1), value: 2 },
      [Date.UTC(2024, 0, 1, 0, 1), 2.5],
      ['not a time', 4],
      [0, Number.NaN],
    ]);
    assert.deepEqual(c.values, [1, 2.5, 3]);
    assert.equal(c.times[0], Date.UTC(2024, 0, 1));
    assert.deepEqual(c.dropped, { invalid: 2, duplicates: 1 });
    assert.equal(c.reordered, true);
    assert.equal(toEpochMs('1700000000000'), 1_700_000_000_000);
  });

  test('createTimeSeries buckets, aggregates and fills', () => {
    const pts: [number, number][] = [
      [0, 1],
      [500, 3],
      [2500, 10],
    ];
    assert.deepEqual(createTimeSeries(pts, { stepMs: 1000 }), { stepMs: 1000, times: [0, 2000], values: [2, 10] });
    assert.deepEqual(createTimeSeries(pts, { stepMs: 1000, aggregation: 'sum', fill: 'zero' }).values, [4, 0, 10]);
    assert.deepEqual(createTimeSeries(pts, { stepMs: 1000, fill: 'linear' }).values, [2, 6, 10]);
    assert.deepEqual(createTimeSeries(pts, { stepMs: 1000, fill: 'previous', aggregation: 'max' }).values, [3, 3, 10]);
    assert.deepEqual(createTimeSeries([], { stepMs: 1000 }).values, []);
    assert.throws(() => createTimeSeries(pts, { stepMs: 0 }), /stepMs/);
  });

  test('property: bucketed counts add up to the valid points', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.double({ noNaN: true, min: -1e6, max: 1e6 }))),
        (pts) => {
          const c = cleanSeries(pts);
          const ts = createTimeSeries(pts, { stepMs: 997, aggregation: 'count' });
          assert.equal(
            ts.values.reduce((a, b) => a + b, 0),
            c.times.length,
          );
        },
      ),
    );
  });

  test('formatting for descriptions', () => {
    assert.equal(formatValue(2400, 'ms'), '2.4 s');
    assert.equal(formatValue(470, 'ms'), '470 ms');
    assert.equal(formatValue(12.3, 'usd'), '$12.30');
    assert.equal(formatValue(0.042, 'ratio'), '4.2%');
    assert.equal(seriesName('span.p95_ms', { model: 'gpt-4o' }), 'p95 latency of gpt-4o');
    assert.equal(seriesName('span.error_rate', { agent_id: 'planner' }), 'error rate of agent planner');
    assert.equal(compareToUsual(2400, 470, 'ms'), '5.1x its usual 470 ms');
    assert.equal(compareToUsual(100, 400, 'plain'), '75% below its usual 400');
  });
});
