import assert from 'node:assert/strict';
import { test } from 'node:test';
import { change, fmtMs, fmtNum, fmtPct, fmtUsd } from './format.js';

test('durations read naturally from microseconds to hours', () => {
  assert.equal(fmtMs(0), '0');
  assert.equal(fmtMs(0.25), '250 µs');
  assert.equal(fmtMs(12.34), '12.3 ms');
  assert.equal(fmtMs(850), '850 ms');
  assert.equal(fmtMs(1240), '1.24 s');
  assert.equal(fmtMs(185_000), '3m 05s');
  assert.equal(fmtMs(7_800_000), '2h 10m');
  // Carries instead of printing 60: 179.6 s is 3m 00s, 59m 59.6s is 1h 00m, 1h 59m 40s is 2h 00m.
  assert.equal(fmtMs(179_600), '3m 00s');
  assert.equal(fmtMs(3_599_600), '1h 00m');
  assert.equal(fmtMs(7_180_000), '2h 00m');
  assert.equal(fmtMs(null), '—');
});

test('numbers, money, percentages and changes', () => {
  assert.equal(fmtNum(1234), '1,234');
  assert.equal(fmtNum(32_400), '32.4k');
  assert.equal(fmtNum(2_500_000), '2.5M');
  assert.equal(fmtNum(Number.NaN), '—');
  assert.equal(fmtUsd(0), '$0');
  assert.equal(fmtUsd(0.00003), '$0.000030');
  assert.equal(fmtUsd(0.0123), '$0.01');
  assert.equal(fmtUsd(0.0042), '$0.0042');
  assert.equal(fmtUsd(12.5), '$12.50');
  assert.equal(fmtPct(0.1234), '12.3%');
  assert.equal(fmtPct(0.0004), '<0.1%');
  assert.equal(change(120, 100), 0.2);
  assert.equal(change(5, 0), null);
  assert.equal(change(null, 3), null);
});
