import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { intervalCoverage, mase, meanAbsoluteError, naiveScale } from './accuracy.js';

describe('forecast accuracy', () => {
  // Two seasons of period 4; the second is the first plus 1.
  const train = [1, 3, 2, 4, 2, 4, 3, 5];
  const actual = [3, 5, 4, 6];

  test('naiveScale: seasonal differences with period m, one-step differences otherwise', () => {
    // |2−1| + |4−3| + |3−2| + |5−4| over 4 differences.
    assert.equal(naiveScale(train, 4), 1);
    // |3−1| + |2−3| + |4−2| + |2−4| + |4−2| + |3−4| + |5−3| = 12 over 7 differences.
    assert.equal(naiveScale(train, 1), 12 / 7);
    // A season as long as the history cannot be differenced: falls back to one step.
    assert.equal(naiveScale(train, 8), 12 / 7);
    assert.equal(naiveScale([5], 1), 0);
  });

  test('mase: seasonal scale vs one-step scale on a hand-checked example', () => {
    const seasonalNaive = [2, 4, 3, 5]; // the last season repeated: every error is 1
    assert.equal(meanAbsoluteError(actual, seasonalNaive), 1);
    assert.equal(mase(actual, seasonalNaive, train, 4), 1);
    assert.equal(mase(actual, seasonalNaive, train, 1), 7 / 12);
    const better = [3, 5, 4, 5]; // errors 0, 0, 0, 1
    assert.equal(mase(actual, better, train, 4), 0.25);
    assert.ok(Math.abs(mase(actual, better, train, 1) - 0.25 / (12 / 7)) < 1e-12);
    assert.ok(Number.isNaN(mase(actual, better, [7, 7, 7, 7], 1)), 'constant history: no scale');
  });

  test('intervalCoverage counts the bounds as inside', () => {
    assert.equal(intervalCoverage([1, 2, 3, 10], [0, 2, 4, 0], [1, 3, 5, 9]), 0.5);
  });
});
