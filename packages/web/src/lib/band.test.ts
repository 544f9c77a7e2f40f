import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedBand } from './band.js';

test('band is empty for warm-up, then brackets steady values and excludes a spike', () => {
  const vals = [10, 11, 9, 10, 11, 10, 9, 10, 50];
  const { upper, lower } = expectedBand(vals);
  assert.equal(upper[0], null);
  for (let i = 4; i < 8; i++) {
    assert.ok(lower[i]! <= vals[i] && vals[i] <= upper[i]!, `point ${i} inside`);
  }
  assert.ok(vals[8] > upper[8]!, 'spike above the band');
});
